/**
 * The stack replayed into moto: sst.config.ts run under Pulumi's mocks (test/infra/run-app.ts) with
 * every deploy setting at once, then every captured AWS resource created through the AWS SDK on the
 * test environment's moto, in dependency order, and read back. The captured inputs reference other
 * resources by the mocks' ids, ARNs and queue URLs: each is swapped for what moto returned when that
 * resource was created, so a reference to something the replay did not create fails its create call.
 * Every captured AWS resource is created, or is in EXCLUDED with the reason.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CloudWatchClient, DescribeAlarmsCommand, PutMetricAlarmCommand } from "@aws-sdk/client-cloudwatch";
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  DescribeLogGroupsCommand,
  PutRetentionPolicyCommand,
} from "@aws-sdk/client-cloudwatch-logs";
import {
  CreateTableCommand,
  DescribeContinuousBackupsCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  UpdateContinuousBackupsCommand,
  UpdateTimeToLiveCommand,
} from "@aws-sdk/client-dynamodb";
import {
  CreateAccessEntryCommand,
  CreateClusterCommand,
  DescribeAccessEntryCommand,
  EKSClient,
  ResourceInUseException,
} from "@aws-sdk/client-eks";
import {
  CreateEventBusCommand,
  DescribeEventBusCommand,
  DescribeRuleCommand,
  EventBridgeClient,
  ListTargetsByRuleCommand,
  PutRuleCommand,
  PutTargetsCommand,
} from "@aws-sdk/client-eventbridge";
import {
  AttachRolePolicyCommand,
  CreateRoleCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  PutRolePolicyCommand,
} from "@aws-sdk/client-iam";
import {
  AddPermissionCommand,
  CreateEventSourceMappingCommand,
  CreateFunctionCommand,
  CreateFunctionUrlConfigCommand,
  GetEventSourceMappingCommand,
  GetFunctionConfigurationCommand,
  GetFunctionEventInvokeConfigCommand,
  GetFunctionUrlConfigCommand,
  GetPolicyCommand,
  LambdaClient,
  PutFunctionEventInvokeConfigCommand,
} from "@aws-sdk/client-lambda";
import {
  CreateBucketCommand,
  type CreateBucketCommandInput,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import {
  CreateScheduleCommand,
  CreateScheduleGroupCommand,
  GetScheduleCommand,
  GetScheduleGroupCommand,
  SchedulerClient,
} from "@aws-sdk/client-scheduler";
import {
  CreateTopicCommand,
  GetTopicAttributesCommand,
  ListSubscriptionsByTopicCommand,
  SNSClient,
  SubscribeCommand,
} from "@aws-sdk/client-sns";
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SetQueueAttributesCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import type { AwsCredentialIdentity } from "@smithy/types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../../scripts/bundle.ts";
import { assumeRole, clientConfig } from "../env/aws.ts";
import { loadTestEnv } from "../env/env.ts";

// biome-ignore lint/suspicious/noExplicitAny: provider inputs of every resource type, read field by field
type Inputs = Record<string, any>;
interface Resource {
  type: string;
  name: string;
  inputs: Inputs;
}

/** The combined row of stack.infra.ts: every deploy setting at once (hook queue, VPC, Slack, e-mail). */
const REGION = "eu-west-1";
const SETTINGS = {
  HOMEOSTAT_REGION: REGION,
  HOMEOSTAT_CLUSTERS: "prod,staging",
  HOMEOSTAT_ASG_HOOK_QUEUE: "true",
  HOMEOSTAT_VPC_SUBNETS: "subnet-0a,subnet-0b",
  HOMEOSTAT_VPC_SECURITY_GROUPS: "sg-0c",
  HOMEOSTAT_OPS_EMAIL: "ops@example.com",
  HOMEOSTAT_CONFIG: "test/fixtures/infra/slack.config.ts",
  SST_SECRET_SlackBotToken: "xoxb-infra-test",
  SST_SECRET_SlackSigningSecret: "infra-test-signing-secret",
};
/** moto's default account, the one the mocks put in every ARN */
const ACCOUNT = "123456789012";

function runApp(stage: string): Resource[] {
  const output = execFileSync(process.execPath, [`${ROOT}/test/infra/run-app.ts`, stage], {
    cwd: ROOT,
    encoding: "utf8",
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...SETTINGS },
    maxBuffer: 256 * 2 ** 20,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const run = JSON.parse(output) as { resources: Resource[]; failure: string | null };
  if (run.failure) throw new Error(`the app failed under the mocks:\n${run.failure}`);
  return run.resources;
}

/**
 * Captured AWS resources the replay does not create. SST's Function is given the shared role, so it
 * reads that role (`iam.Role.get`, a read the mocks capture as a resource with only a name): nothing
 * is deployed for it. The function's real role is read back in the functions' test instead.
 */
const EXCLUDED: Array<{ matches: (r: Resource) => boolean; reason: string }> = [
  {
    matches: (r) => r.type === "aws:iam/role:Role" && r.inputs.assumeRolePolicy === undefined,
    reason: "iam.Role.get of the role the function is given: a read, nothing is created",
  },
];

/** Pulumi's wire form of a secret, unwrapped to its value, everywhere in a value. */
const SECRET_SIGNATURE = "1b47061264138c4ac30d75fd1eb44270";
function revealed(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(revealed);
  if (value && typeof value === "object") {
    const record = value as Inputs;
    if (record["4dabf18193072939515e22adb298388d"] === SECRET_SIGNATURE) return revealed(record.value);
    return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, revealed(v)]));
  }
  return value;
}

/** The mocks' ARN for a resource (test/infra/run-app.ts `arnOf`), what other inputs reference. */
function mockArn(r: Resource): string {
  const physical = String(r.inputs.name ?? r.name);
  const [, module = "", kind = ""] = /^aws:([^/]+)\/([^:]+):/.exec(r.type) ?? [];
  if (module === "iam") return `arn:aws:iam::${ACCOUNT}:${kind === "role" ? "role" : kind}/${physical}`;
  if (module === "sqs") return `arn:aws:sqs:${REGION}:${ACCOUNT}:${physical}`;
  if (module === "sns") return `arn:aws:sns:${REGION}:${ACCOUNT}:${physical}`;
  if (module === "lambda") return `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${physical}`;
  if (module === "cloudwatch" && kind === "logGroup")
    return `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${physical}`;
  if (module === "cloudwatch")
    return `arn:aws:events:${REGION}:${ACCOUNT}:${kind === "eventBus" ? "event-bus" : "rule"}/${physical}`;
  if (module === "scheduler")
    return `arn:aws:scheduler:${REGION}:${ACCOUNT}:${kind === "scheduleGroup" ? "schedule-group" : "schedule"}/${physical}`;
  return `arn:aws:${module}:${REGION}:${ACCOUNT}:${kind}/${physical}`;
}
const mockId = (r: Resource) => String(r.inputs.name ?? `${r.name}-id`);

const env = loadTestEnv();
/**
 * A fresh moto account per run (credentials from moto's STS for a role in that account), so a rerun
 * against the same test environment creates everything anew; the mock ARNs' account maps to it.
 */
const RUN_ACCOUNT = String(Date.now()).slice(-12).padStart(12, "1");
let runCredentials: Promise<AwsCredentialIdentity> | undefined;
const config = {
  endpoint: env.motoUrl,
  region: REGION,
  credentials: () => {
    runCredentials ??= assumeRole(env, `arn:aws:iam::${RUN_ACCOUNT}:role/homeostat-replay`, "replay");
    return runCredentials;
  },
};
const iam = new IAMClient(config);
const logs = new CloudWatchLogsClient(config);
const sqs = new SQSClient(config);
const dynamo = new DynamoDBClient(config);
const sns = new SNSClient(config);
const events = new EventBridgeClient(config);
const s3 = new S3Client({ ...config, forcePathStyle: true });
const lambda = new LambdaClient(config);
const scheduler = new SchedulerClient(config);
const cloudwatch = new CloudWatchClient(config);
// EKS in moto's default account: the launcher keeps its access entries there (moto-serialized.py);
// each run's principal ARN is in the run's account, so entries never collide across runs
const eks = new EKSClient({ ...clientConfig(env), region: REGION });

/** mock id / ARN / URL → what moto returned for the same resource */
const real = new Map<string, string>();
function resolve(value: unknown): unknown {
  if (typeof value === "string") {
    if (real.has(value)) return real.get(value);
    // an ARN pattern (policy resources and conditions) names no one resource: it is scoped to the
    // deploying account, this run's
    const pattern = new RegExp(`(arn:aws:[a-z0-9-]+:[a-z0-9-]*:)${ACCOUNT}(:[^"\\\\,\\s]*\\*)`, "g");
    // inside policy documents and JSON strings, longest first so an ARN wins over a prefix of it
    let text = value;
    for (const [mock, actual] of [...real].sort((a, b) => b[0].length - a[0].length))
      text = text.replaceAll(mock, actual);
    return text.replace(pattern, `$1${RUN_ACCOUNT}$2`);
  }
  if (Array.isArray(value)) return value.map(resolve);
  if (value && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v)]));
  return value;
}
function created(r: Resource, actual: { arn?: string; id?: string; url?: string }): void {
  if (actual.arn && actual.arn !== mockArn(r)) real.set(mockArn(r), actual.arn);
  if (actual.id && actual.id !== mockId(r)) real.set(mockId(r), actual.id);
  if (actual.url) real.set(`https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${mockId(r)}`, actual.url);
  replayed.add(r);
}

/** The order of the types, where references leave a choice (as a deploy's dependency graph). */
const ORDER = [
  "aws:iam/role:Role",
  "aws:iam/rolePolicy:RolePolicy",
  "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  "aws:cloudwatch/logGroup:LogGroup",
  "aws:sqs/queue:Queue",
  "aws:sqs/queuePolicy:QueuePolicy",
  "aws:dynamodb/table:Table",
  "aws:sns/topic:Topic",
  "aws:sns/topicSubscription:TopicSubscription",
  "aws:cloudwatch/eventBus:EventBus",
  "aws:s3/bucketObjectv2:BucketObjectv2",
  "aws:lambda/function:Function",
  "aws:lambda/functionUrl:FunctionUrl",
  "aws:lambda/permission:Permission",
  "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig",
  "aws:lambda/eventSourceMapping:EventSourceMapping",
  "aws:cloudwatch/eventRule:EventRule",
  "aws:cloudwatch/eventTarget:EventTarget",
  "aws:scheduler/scheduleGroup:ScheduleGroup",
  "aws:scheduler/schedule:Schedule",
  "aws:cloudwatch/metricAlarm:MetricAlarm",
  "aws:eks/accessEntry:AccessEntry",
];

/**
 * What a resource references, as Pulumi's dependency graph has it: another resource's mock ARN or
 * queue URL anywhere in its inputs (policy documents included), or the id or name of a resource of an
 * earlier type in ORDER as a whole value (names alone are ambiguous: a rule and its function share one).
 */
function references(r: Resource, among: Resource[]): Resource[] {
  const text = JSON.stringify(r.inputs);
  return among.filter((other) => {
    if (other === r) return false;
    const exact = [mockId(other), String(other.inputs.name ?? other.name)].map((v) => JSON.stringify(v));
    const inside = [mockArn(other)];
    if (other.type === "aws:sqs/queue:Queue")
      inside.push(`https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${mockId(other)}`);
    const byName = rank(other) < rank(r) && exact.some((v) => text.includes(v));
    return byName || inside.some((v) => text.includes(v));
  });
}

/** Every resource after what it references; among those ready, by ORDER (a topological sort). */
const rank = (r: Resource) => (ORDER.includes(r.type) ? ORDER.indexOf(r.type) : ORDER.length);
function creationOrder(resources: Resource[]): Resource[] {
  const pending = new Map(resources.map((r) => [r, new Set(references(r, resources))]));
  const order: Resource[] = [];
  while (pending.size > 0) {
    const ready = [...pending].filter(([, deps]) => deps.size === 0).map(([r]) => r);
    if (ready.length === 0)
      throw new Error(
        `the captured resources reference each other in a cycle: ${[...pending.keys()].map((r) => r.name).join(", ")}`,
      );
    const next = ready.sort((a, b) => rank(a) - rank(b))[0] as Resource;
    order.push(next);
    pending.delete(next);
    for (const deps of pending.values()) deps.delete(next);
  }
  return order;
}

let captured: Resource[];
let excluded: Resource[];
const replayed = new Set<Resource>();
/** each resource's inputs as sent to moto, the references swapped */
const sent = new Map<Resource, Inputs>();
/** what only moto knows and the read-back needs */
const queueUrls = new Map<string, string>();
const topicArns = new Map<string, string>();
const mappingIds = new Map<string, string>();
const targetIds = new Map<string, string>();
let workDir: string;

const ofType = (type: string) => captured.filter((r) => r.type === type && replayed.has(r));
const json = (value: unknown) => (typeof value === "string" ? value : JSON.stringify(value));
/** an EventBridge target id: the logical name, in the characters and length a target id allows */
const targetId = (r: Resource) => r.name.replace(/[^\w.-]/g, "-").slice(0, 64);

async function replay(r: Resource): Promise<void> {
  if (r.type === "aws:lambda/function:Function") {
    // a function's own ARN in its environment (node-events names itself): computed from its name by
    // the stack as by AWS, so predicted here the same way, and checked against what moto returns
    real.set(mockArn(r), `arn:aws:lambda:${REGION}:${RUN_ACCOUNT}:function:${r.inputs.name}`);
  }
  const i = resolve(revealed(r.inputs)) as Inputs;
  sent.set(r, i);
  switch (r.type) {
    case "aws:iam/role:Role": {
      const { Role } = await iam.send(
        new CreateRoleCommand({
          RoleName: String(r.inputs.name ?? r.name),
          AssumeRolePolicyDocument: json(i.assumeRolePolicy),
          Description: i.description,
        }),
      );
      return created(r, { arn: Role?.Arn, id: Role?.RoleName });
    }
    case "aws:iam/rolePolicy:RolePolicy":
      await iam.send(
        new PutRolePolicyCommand({ RoleName: i.role, PolicyName: r.name, PolicyDocument: json(i.policy) }),
      );
      return created(r, {});
    case "aws:iam/rolePolicyAttachment:RolePolicyAttachment":
      await iam.send(new AttachRolePolicyCommand({ RoleName: i.role, PolicyArn: i.policyArn }));
      return created(r, {});
    case "aws:cloudwatch/logGroup:LogGroup":
      await logs.send(new CreateLogGroupCommand({ logGroupName: i.name }));
      await logs.send(
        new PutRetentionPolicyCommand({ logGroupName: i.name, retentionInDays: i.retentionInDays }),
      );
      return created(r, {});
    case "aws:sqs/queue:Queue": {
      const attributes: Record<string, string> = {
        DelaySeconds: String(i.delaySeconds),
        VisibilityTimeout: String(i.visibilityTimeoutSeconds),
      };
      if (i.messageRetentionSeconds !== undefined)
        attributes.MessageRetentionPeriod = String(i.messageRetentionSeconds);
      if (i.fifoQueue) {
        attributes.FifoQueue = "true";
        attributes.ContentBasedDeduplication = String(i.contentBasedDeduplication);
      }
      if (i.redrivePolicy) attributes.RedrivePolicy = json(i.redrivePolicy);
      const { QueueUrl } = await sqs.send(
        new CreateQueueCommand({ QueueName: i.name, Attributes: attributes }),
      );
      const { Attributes } = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["QueueArn"] }),
      );
      queueUrls.set(r.name, String(QueueUrl));
      return created(r, { arn: Attributes?.QueueArn, url: QueueUrl });
    }
    case "aws:sqs/queuePolicy:QueuePolicy":
      await sqs.send(
        new SetQueueAttributesCommand({ QueueUrl: i.queueUrl, Attributes: { Policy: json(i.policy) } }),
      );
      return created(r, {});
    case "aws:dynamodb/table:Table": {
      const { TableDescription } = await dynamo.send(
        new CreateTableCommand({
          TableName: i.name,
          BillingMode: i.billingMode,
          AttributeDefinitions: i.attributes.map((a: Inputs) => ({
            AttributeName: a.name,
            AttributeType: a.type,
          })),
          KeySchema: [
            { AttributeName: i.hashKey, KeyType: "HASH" },
            ...(i.rangeKey ? [{ AttributeName: i.rangeKey, KeyType: "RANGE" as const }] : []),
          ],
          DeletionProtectionEnabled: i.deletionProtectionEnabled,
        }),
      );
      // the stack's GSIs and LSIs are empty lists; the test below asserts they stay so
      if (i.ttl?.enabled)
        await dynamo.send(
          new UpdateTimeToLiveCommand({
            TableName: i.name,
            TimeToLiveSpecification: { AttributeName: i.ttl.attributeName, Enabled: true },
          }),
        );
      if (i.pointInTimeRecovery?.enabled)
        await dynamo.send(
          new UpdateContinuousBackupsCommand({
            TableName: i.name,
            PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          }),
        );
      return created(r, { arn: TableDescription?.TableArn });
    }
    case "aws:sns/topic:Topic": {
      const { TopicArn } = await sns.send(
        new CreateTopicCommand({
          Name: i.name,
          ...(i.fifoTopic ? { Attributes: { FifoTopic: "true" } } : {}),
        }),
      );
      topicArns.set(r.name, String(TopicArn));
      return created(r, { arn: TopicArn });
    }
    case "aws:sns/topicSubscription:TopicSubscription":
      await sns.send(new SubscribeCommand({ TopicArn: i.topic, Protocol: i.protocol, Endpoint: i.endpoint }));
      return created(r, {});
    case "aws:cloudwatch/eventBus:EventBus": {
      const { EventBusArn } = await events.send(new CreateEventBusCommand({ Name: i.name }));
      return created(r, { arn: EventBusArn });
    }
    case "aws:s3/bucketObjectv2:BucketObjectv2": {
      // the asset bucket SST's bootstrap provides; a tiny zip stands in for the bundle (run-app.ts
      // and the deployed tests cover the bundle itself)
      const bucket: CreateBucketCommandInput = {
        Bucket: i.bucket,
        CreateBucketConfiguration: { LocationConstraint: REGION },
      };
      await s3.send(new CreateBucketCommand(bucket)).catch((error: Error) => {
        // bucket names are global in moto too: an earlier run's account may own it
        if (error.name !== "BucketAlreadyOwnedByYou" && error.name !== "BucketAlreadyExists") throw error;
      });
      await s3.send(
        new PutObjectCommand({ Bucket: i.bucket, Key: i.key, Body: readFileSync(join(workDir, "code.zip")) }),
      );
      return created(r, {});
    }
    case "aws:lambda/function:Function": {
      const { FunctionArn } = await lambda.send(
        new CreateFunctionCommand({
          FunctionName: i.name,
          Description: i.description,
          Runtime: i.runtime,
          Handler: i.handler,
          Role: i.role,
          PackageType: i.packageType,
          Code: { S3Bucket: i.s3Bucket, S3Key: i.s3Key },
          Timeout: i.timeout,
          MemorySize: i.memorySize,
          Architectures: i.architectures,
          Environment: { Variables: i.environment?.variables },
          EphemeralStorage: { Size: i.ephemeralStorage.size },
          LoggingConfig: { LogFormat: i.loggingConfig.logFormat, LogGroup: i.loggingConfig.logGroup },
          Publish: i.publish,
          ...(i.vpcConfig
            ? {
                VpcConfig: {
                  SubnetIds: i.vpcConfig.subnetIds,
                  SecurityGroupIds: i.vpcConfig.securityGroupIds,
                },
              }
            : {}),
        }),
      );
      if (FunctionArn !== real.get(mockArn(r)))
        throw new Error(`moto returned ${FunctionArn}, not the predicted ${real.get(mockArn(r))}`);
      return created(r, { arn: FunctionArn });
    }
    case "aws:lambda/functionUrl:FunctionUrl":
      await lambda.send(
        new CreateFunctionUrlConfigCommand({
          FunctionName: i.functionName,
          AuthType: i.authorizationType,
          InvokeMode: i.invokeMode,
          Cors: {
            AllowHeaders: i.cors.allowHeaders,
            AllowMethods: i.cors.allowMethods,
            AllowOrigins: i.cors.allowOrigins,
          },
        }),
      );
      return created(r, {});
    case "aws:lambda/permission:Permission":
      await lambda.send(
        new AddPermissionCommand({
          FunctionName: i.function,
          StatementId: r.name,
          Action: i.action,
          Principal: i.principal,
          SourceArn: i.sourceArn,
          FunctionUrlAuthType: i.functionUrlAuthType,
          InvokedViaFunctionUrl: i.invokedViaFunctionUrl,
        }),
      );
      return created(r, {});
    case "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig":
      await lambda.send(
        new PutFunctionEventInvokeConfigCommand({
          FunctionName: i.functionName,
          MaximumRetryAttempts: i.maximumRetryAttempts,
          ...(i.destinationConfig
            ? { DestinationConfig: { OnFailure: { Destination: i.destinationConfig.onFailure.destination } } }
            : {}),
        }),
      );
      return created(r, {});
    case "aws:lambda/eventSourceMapping:EventSourceMapping": {
      const { UUID } = await lambda.send(
        new CreateEventSourceMappingCommand({
          EventSourceArn: i.eventSourceArn,
          FunctionName: i.functionName,
          BatchSize: i.batchSize,
          FunctionResponseTypes: i.functionResponseTypes,
        }),
      );
      mappingIds.set(r.name, String(UUID));
      return created(r, {});
    }
    case "aws:cloudwatch/eventRule:EventRule": {
      const { RuleArn } = await events.send(
        new PutRuleCommand({
          Name: i.name,
          Description: i.description,
          EventBusName: i.eventBusName,
          EventPattern: i.eventPattern,
          ScheduleExpression: i.scheduleExpression,
        }),
      );
      return created(r, { arn: RuleArn });
    }
    case "aws:cloudwatch/eventTarget:EventTarget": {
      targetIds.set(r.name, targetId(r));
      const { FailedEntryCount, FailedEntries } = await events.send(
        new PutTargetsCommand({
          Rule: i.rule,
          EventBusName: i.eventBusName,
          Targets: [
            {
              Id: targetId(r),
              Arn: i.arn,
              DeadLetterConfig: { Arn: i.deadLetterConfig.arn },
              RetryPolicy: {
                MaximumEventAgeInSeconds: i.retryPolicy.maximumEventAgeInSeconds,
                MaximumRetryAttempts: i.retryPolicy.maximumRetryAttempts,
              },
              ...(i.sqsTarget ? { SqsParameters: { MessageGroupId: i.sqsTarget.messageGroupId } } : {}),
            },
          ],
        }),
      );
      if (FailedEntryCount)
        throw new Error(`PutTargets for ${r.name} failed: ${JSON.stringify(FailedEntries)}`);
      return created(r, {});
    }
    case "aws:scheduler/scheduleGroup:ScheduleGroup": {
      const { ScheduleGroupArn } = await scheduler.send(new CreateScheduleGroupCommand({ Name: i.name }));
      return created(r, { arn: ScheduleGroupArn });
    }
    case "aws:scheduler/schedule:Schedule":
      await scheduler.send(
        new CreateScheduleCommand({
          Name: i.name,
          GroupName: i.groupName,
          Description: i.description,
          ScheduleExpression: i.scheduleExpression,
          ScheduleExpressionTimezone: i.scheduleExpressionTimezone,
          FlexibleTimeWindow: { Mode: i.flexibleTimeWindow.mode },
          Target: {
            Arn: i.target.arn,
            RoleArn: i.target.roleArn,
            Input: i.target.input,
            DeadLetterConfig: { Arn: i.target.deadLetterConfig.arn },
            RetryPolicy: {
              MaximumEventAgeInSeconds: i.target.retryPolicy.maximumEventAgeInSeconds,
              MaximumRetryAttempts: i.target.retryPolicy.maximumRetryAttempts,
            },
          },
        }),
      );
      return created(r, {});
    case "aws:cloudwatch/metricAlarm:MetricAlarm":
      await cloudwatch.send(
        new PutMetricAlarmCommand({
          AlarmName: i.name,
          AlarmDescription: i.alarmDescription,
          ComparisonOperator: i.comparisonOperator,
          EvaluationPeriods: i.evaluationPeriods,
          MetricName: i.metricName,
          Namespace: i.namespace,
          Period: i.period,
          Statistic: i.statistic,
          Threshold: i.threshold,
          TreatMissingData: i.treatMissingData,
          AlarmActions: i.alarmActions,
          OKActions: i.okActions,
          Dimensions: Object.entries(i.dimensions ?? {}).map(([Name, Value]) => ({
            Name,
            Value: String(Value),
          })),
        }),
      );
      return created(r, {});
    case "aws:eks/accessEntry:AccessEntry": {
      // the clusters exist before Homeostat is deployed: the deploy guide's prerequisite
      await eks
        .send(
          new CreateClusterCommand({
            name: i.clusterName,
            roleArn: `arn:aws:iam::${ACCOUNT}:role/homeostat-replay-cluster`,
            resourcesVpcConfig: { subnetIds: ["subnet-0a"] },
          }),
        )
        .catch((error: Error) => {
          if (!(error instanceof ResourceInUseException)) throw error;
        });
      await eks.send(
        new CreateAccessEntryCommand({
          clusterName: i.clusterName,
          principalArn: i.principalArn,
          kubernetesGroups: i.kubernetesGroups,
          type: i.type,
        }),
      );
      return created(r, {});
    }
    default:
      throw new Error(
        `the replay has no create call for ${r.type} (${r.name}): add one, or exclude it with the reason`,
      );
  }
}

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), "homeostat-replay-"));
  writeFileSync(join(workDir, "bundle.mjs"), "export const handler = async () => ({});\n");
  // Python's zipfile (moto's Python is part of the test environment; a zip binary is not)
  execFileSync("python3", ["-c", "import zipfile; zipfile.ZipFile('code.zip', 'w').write('bundle.mjs')"], {
    cwd: workDir,
  });
  captured = runApp("production").filter((r) => r.type.startsWith("aws:"));
  excluded = captured.filter((r) => EXCLUDED.some((e) => e.matches(r)));
  const sorted = creationOrder(captured.filter((r) => !excluded.includes(r)));
  for (const r of sorted) {
    try {
      await replay(r);
    } catch (error) {
      throw new Error(`creating ${r.type} ${r.name} on moto failed: ${(error as Error).message}`);
    }
  }
});

afterAll(() => {
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

describe("the replay into moto", () => {
  it("creates every captured AWS resource, or excludes it with a reason", () => {
    expect(captured.length).toBeGreaterThan(0);
    const unaccounted = captured.filter((r) => !replayed.has(r) && !excluded.includes(r));
    expect(unaccounted.map((r) => `${r.type} ${r.name}`)).toEqual([]);
    // one role read per function, and nothing else excluded
    const functions = ofType("aws:lambda/function:Function");
    expect(excluded.map((r) => r.name).sort()).toEqual(
      functions.map((f) => f.name.replace(/Function$/, "Role")).sort(),
    );
  });

  it("sends no reference the replay did not resolve to a resource it created", () => {
    // every mock ARN left in what was sent (the account moto does not use for this run) names
    // something the stack does not create; the EKS clusters are the one such thing, by design
    const unresolved = [...sent.values()]
      .flatMap(
        (inputs) => JSON.stringify(inputs).match(/arn:aws:[a-z0-9-]+:[a-z0-9-]*:\d{12}:[^"\\,\s]+/g) ?? [],
      )
      .filter(
        (arn) => arn.includes(`:${ACCOUNT}:`) && !arn.startsWith(`arn:aws:eks:${REGION}:${ACCOUNT}:cluster/`),
      );
    expect(unresolved).toEqual([]);
    const mockIds = [...sent.values()].flatMap(
      (inputs) => JSON.stringify(inputs).match(/"[\w-]+-id"/g) ?? [],
    );
    expect(mockIds).toEqual([]);
  });

  it("roles: the trust policies, inline policies' actions and managed attachments", async () => {
    for (const r of ofType("aws:iam/role:Role")) {
      const { Role } = await iam.send(new GetRoleCommand({ RoleName: String(r.inputs.name ?? r.name) }));
      const trust = JSON.parse(decodeURIComponent(String(Role?.AssumeRolePolicyDocument)));
      const expected =
        typeof r.inputs.assumeRolePolicy === "string"
          ? JSON.parse(r.inputs.assumeRolePolicy)
          : r.inputs.assumeRolePolicy;
      expect(trust.Statement).toEqual(expected.Statement);
    }
    const actions = (document: Inputs) =>
      (document.Statement as Inputs[]).flatMap((s) => [s.Action].flat()).sort();
    for (const r of ofType("aws:iam/rolePolicy:RolePolicy")) {
      const roleName = resolve(r.inputs.role) as string;
      const { PolicyDocument } = await iam.send(
        new GetRolePolicyCommand({ RoleName: roleName, PolicyName: r.name }),
      );
      const stored = JSON.parse(decodeURIComponent(String(PolicyDocument)));
      expect(actions(stored)).toEqual(actions(JSON.parse(r.inputs.policy)));
      expect(actions(stored).length).toBeGreaterThan(0);
    }
    for (const r of ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment")) {
      const { AttachedPolicies } = await iam.send(
        new ListAttachedRolePoliciesCommand({ RoleName: r.inputs.role }),
      );
      expect(AttachedPolicies?.map((p) => p.PolicyArn)).toContain(r.inputs.policyArn);
    }
  });

  it("log groups keep their retention", async () => {
    const groups = ofType("aws:cloudwatch/logGroup:LogGroup");
    expect(groups.length).toBe(ofType("aws:lambda/function:Function").length);
    for (const r of groups) {
      const { logGroups } = await logs.send(
        new DescribeLogGroupsCommand({ logGroupNamePrefix: r.inputs.name }),
      );
      expect(logGroups?.find((g) => g.logGroupName === r.inputs.name)?.retentionInDays).toBe(
        r.inputs.retentionInDays,
      );
    }
  });

  it("queues: FIFO, visibility, redrive to the dead-letter queue the stack names, and their policies", async () => {
    for (const r of ofType("aws:sqs/queue:Queue")) {
      const { Attributes = {} } = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: queueUrls.get(r.name), AttributeNames: ["All"] }),
      );
      expect(Attributes.VisibilityTimeout).toBe(String(r.inputs.visibilityTimeoutSeconds));
      expect(Attributes.FifoQueue === "true").toBe(Boolean(r.inputs.fifoQueue));
      if (r.inputs.redrivePolicy) {
        const expected = JSON.parse(resolve(r.inputs.redrivePolicy) as string);
        const redrive = JSON.parse(String(Attributes.RedrivePolicy));
        expect(redrive.deadLetterTargetArn).toBe(expected.deadLetterTargetArn);
        expect(Number(redrive.maxReceiveCount)).toBe(expected.maxReceiveCount);
      } else expect(Attributes.RedrivePolicy).toBeUndefined();
    }
    for (const r of ofType("aws:sqs/queuePolicy:QueuePolicy")) {
      const { Attributes = {} } = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: resolve(r.inputs.queueUrl) as string,
          AttributeNames: ["Policy"],
        }),
      );
      expect(JSON.parse(String(Attributes.Policy))).toEqual(JSON.parse(resolve(r.inputs.policy) as string));
    }
  });

  it("the state table: keys, billing, TTL attribute, point-in-time recovery", async () => {
    const [r] = ofType("aws:dynamodb/table:Table");
    const { Table } = await dynamo.send(new DescribeTableCommand({ TableName: r?.inputs.name }));
    expect(Table?.KeySchema).toEqual([
      { AttributeName: "pk", KeyType: "HASH" },
      { AttributeName: "sk", KeyType: "RANGE" },
    ]);
    expect(Table?.BillingModeSummary?.BillingMode).toBe("PAY_PER_REQUEST");
    expect(Table?.GlobalSecondaryIndexes ?? []).toEqual([]);
    const { TimeToLiveDescription } = await dynamo.send(
      new DescribeTimeToLiveCommand({ TableName: r?.inputs.name }),
    );
    expect(TimeToLiveDescription).toMatchObject({ AttributeName: "expiresAt", TimeToLiveStatus: "ENABLED" });
    const { ContinuousBackupsDescription } = await dynamo.send(
      new DescribeContinuousBackupsCommand({ TableName: r?.inputs.name }),
    );
    expect(ContinuousBackupsDescription?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus).toBe(
      "ENABLED",
    );
  });

  it("the ops topic with its e-mail subscription, and the result bus", async () => {
    const [topic] = ofType("aws:sns/topic:Topic");
    const topicArn = topicArns.get(String(topic?.name));
    await sns.send(new GetTopicAttributesCommand({ TopicArn: topicArn }));
    const { Subscriptions } = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn }));
    expect(Subscriptions?.map((s) => [s.Protocol, s.Endpoint])).toEqual([
      ["email", SETTINGS.HOMEOSTAT_OPS_EMAIL],
    ]);
    for (const r of ofType("aws:cloudwatch/eventBus:EventBus")) {
      const { Name } = await events.send(new DescribeEventBusCommand({ Name: r.inputs.name }));
      expect(Name).toBe(r.inputs.name);
    }
  });

  it("functions: nodejs24.x on arm64, role, timeout, memory, environment, VPC, code from the asset bucket", async () => {
    const functions = ofType("aws:lambda/function:Function");
    expect(functions.length).toBe(6);
    for (const r of ofType("aws:s3/bucketObjectv2:BucketObjectv2"))
      await s3.send(new HeadObjectCommand({ Bucket: r.inputs.bucket, Key: r.inputs.key }));
    for (const r of functions) {
      const c = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: r.inputs.name }));
      expect(c.Runtime).toBe("nodejs24.x");
      expect(c.Architectures).toEqual(["arm64"]);
      expect(c.Handler).toBe(r.inputs.handler);
      expect(c.Role).toBe(resolve(r.inputs.role));
      expect(c.Role).toContain(`:${RUN_ACCOUNT}:`);
      await iam.send(new GetRoleCommand({ RoleName: String(c.Role).split("/").pop() }));
      expect(c.Timeout).toBe(r.inputs.timeout);
      expect(c.MemorySize).toBe(r.inputs.memorySize);
      expect(Object.keys(c.Environment?.Variables ?? {}).sort()).toEqual(
        Object.keys(r.inputs.environment.variables).sort(),
      );
      if (r.inputs.vpcConfig) expect(c.VpcConfig?.SubnetIds).toEqual(r.inputs.vpcConfig.subnetIds);
    }
  });

  it("the Slack function URL, invoke permissions, retries with dead letters, queue mappings", async () => {
    for (const r of ofType("aws:lambda/functionUrl:FunctionUrl")) {
      const fn = revealed(r.inputs.functionName) as string;
      const url = await lambda.send(new GetFunctionUrlConfigCommand({ FunctionName: fn }));
      expect(url.AuthType).toBe("NONE");
      expect(url.FunctionUrl).toMatch(/^https?:\/\//);
    }
    for (const r of ofType("aws:lambda/permission:Permission")) {
      const { Policy } = await lambda.send(
        new GetPolicyCommand({ FunctionName: revealed(r.inputs.function) as string }),
      );
      const statement = (JSON.parse(String(Policy)).Statement as Inputs[]).find((s) => s.Sid === r.name);
      expect(statement?.Action).toBe(r.inputs.action);
      if (r.inputs.sourceArn)
        expect(JSON.stringify(statement?.Condition)).toContain(resolve(r.inputs.sourceArn) as string);
    }
    for (const r of ofType("aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig")) {
      const fn = revealed(r.inputs.functionName) as string;
      const c = await lambda.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: fn }));
      expect(c.MaximumRetryAttempts).toBe(r.inputs.maximumRetryAttempts);
      expect(c.DestinationConfig?.OnFailure?.Destination).toBe(
        resolve(r.inputs.destinationConfig?.onFailure?.destination),
      );
    }
    for (const r of ofType("aws:lambda/eventSourceMapping:EventSourceMapping")) {
      const m = await lambda.send(new GetEventSourceMappingCommand({ UUID: mappingIds.get(r.name) }));
      expect(m.EventSourceArn).toBe(resolve(r.inputs.eventSourceArn));
      expect(m.BatchSize).toBe(r.inputs.batchSize);
      expect(m.FunctionArn).toMatch(new RegExp(`:function:${revealed(r.inputs.functionName)}$`));
    }
  });

  it("rules: pattern or schedule, bus, and the target with its dead letters and retries", async () => {
    const rules = ofType("aws:cloudwatch/eventRule:EventRule");
    expect(rules.length).toBeGreaterThan(0);
    for (const r of rules) {
      const rule = await events.send(
        new DescribeRuleCommand({ Name: r.inputs.name, EventBusName: r.inputs.eventBusName }),
      );
      if (r.inputs.eventPattern)
        expect(JSON.parse(String(rule.EventPattern))).toEqual(JSON.parse(r.inputs.eventPattern));
      else expect(rule.ScheduleExpression).toBe(r.inputs.scheduleExpression);
    }
    for (const r of ofType("aws:cloudwatch/eventTarget:EventTarget")) {
      const { Targets } = await events.send(
        new ListTargetsByRuleCommand({ Rule: r.inputs.rule, EventBusName: r.inputs.eventBusName }),
      );
      const target = Targets?.find((t) => t.Id === targetIds.get(r.name));
      expect(target?.Arn).toBe(resolve(r.inputs.arn));
      expect(target?.DeadLetterConfig?.Arn).toBe(resolve(r.inputs.deadLetterConfig.arn));
      expect(target?.RetryPolicy?.MaximumRetryAttempts).toBe(r.inputs.retryPolicy.maximumRetryAttempts);
    }
  });

  it("schedules: expression and time zone in the stack's group, targeting the schedule function", async () => {
    for (const r of ofType("aws:scheduler/scheduleGroup:ScheduleGroup"))
      expect((await scheduler.send(new GetScheduleGroupCommand({ Name: r.inputs.name }))).State).toBe(
        "ACTIVE",
      );
    const schedules = ofType("aws:scheduler/schedule:Schedule");
    expect(schedules.length).toBeGreaterThan(0);
    for (const r of schedules) {
      const s = await scheduler.send(
        new GetScheduleCommand({ Name: r.inputs.name, GroupName: r.inputs.groupName }),
      );
      expect(s.ScheduleExpression).toBe(r.inputs.scheduleExpression);
      expect(s.ScheduleExpressionTimezone).toBe(r.inputs.scheduleExpressionTimezone);
      expect(s.Target?.Arn).toBe(resolve(r.inputs.target.arn));
      expect(s.Target?.RoleArn).toBe(resolve(r.inputs.target.roleArn));
      expect(s.Target?.DeadLetterConfig?.Arn).toBe(resolve(r.inputs.target.deadLetterConfig.arn));
    }
  });

  it("alarms: metric, threshold and the ops topic as their action", async () => {
    const alarms = ofType("aws:cloudwatch/metricAlarm:MetricAlarm");
    const { MetricAlarms } = await cloudwatch.send(
      new DescribeAlarmsCommand({ AlarmNames: alarms.map((r) => r.inputs.name) }),
    );
    expect(MetricAlarms?.length).toBe(alarms.length);
    for (const r of alarms) {
      const alarm = MetricAlarms?.find((a) => a.AlarmName === r.inputs.name);
      expect(alarm?.MetricName).toBe(r.inputs.metricName);
      expect(alarm?.Threshold).toBe(r.inputs.threshold);
      expect(alarm?.AlarmActions).toEqual(resolve(r.inputs.alarmActions));
    }
  });

  it("access entries: the function role, STANDARD, in the automation group, on each cluster", async () => {
    const entries = ofType("aws:eks/accessEntry:AccessEntry");
    expect(entries.map((r) => r.inputs.clusterName).sort()).toEqual(SETTINGS.HOMEOSTAT_CLUSTERS.split(","));
    for (const r of entries) {
      const { accessEntry } = await eks.send(
        new DescribeAccessEntryCommand({
          clusterName: r.inputs.clusterName,
          principalArn: resolve(r.inputs.principalArn) as string,
        }),
      );
      expect(accessEntry?.principalArn).toBe(`arn:aws:iam::${RUN_ACCOUNT}:role/FunctionRole`);
      expect(accessEntry?.type).toBe("STANDARD");
      expect(accessEntry?.kubernetesGroups).toEqual(r.inputs.kubernetesGroups);
    }
  });
});
