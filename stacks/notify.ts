import type { AwsContext } from "./access.ts";
import { LAMBDA_RUNTIME, NODEJS } from "./bundle.ts";
import { physicalName } from "./config.ts";

/**
 * Slack notification, apart from the action path: the notify function, fed by a FIFO queue that two
 * EventBridge rules fill — every result on Homeostat's own bus, and alarms returning to OK on the
 * default bus (an alarm's thread is resolved even when no policy acts on OK). Slack down or rate
 * limited holds no action back and loses no audit record (the audit is written before the result is
 * published): a result Slack could not take comes back from the queue, then lands in the
 * notification dead-letter queue.
 *
 * Why a FIFO queue with one message group: messages of a thread must reach Slack in the order of the
 * results, and Slack takes about one message a second per channel anyway, so one notifier at a time
 * costs nothing. Not in the VPC even for a private cluster: it talks to Slack and DynamoDB, never to
 * the API server. Why its own role: it reads and writes the state table (claims, threads) and nothing
 * else — no cluster access, no bus, no schedules.
 */
export interface NotifyInputs {
  context: AwsContext;
  stateTableName: $util.Input<string>;
  stateTableArn: $util.Input<string>;
  resultBusName: $util.Input<string>;
  /** Linked into the notify function only (read from SST_RESOURCE_SlackBotToken). */
  slackBotToken: sst.Secret;
  /** Where EventBridge puts what it could not deliver to the queue (a standard queue, as rules need). */
  deadLetterQueueArn: $util.Input<string>;
}

export interface Notify {
  fn: sst.aws.Function;
  queue: sst.aws.Queue;
  deadLetters: sst.aws.Queue;
}

/** One invocation posts up to 10 results with WebClient's retries of a Slack outage (about a minute). */
const NOTIFY_TIMEOUT = "3 minutes";
/** Received this often without success, a result goes to the dead-letter queue for a person. */
const MAX_RECEIVES = 5;

export function createNotify(inputs: NotifyInputs): Notify {
  const { partition, accountId, region } = inputs.context;
  const deadLetters = new sst.aws.Queue("NotifyDeadLetters", {
    // a FIFO queue's dead-letter queue must be FIFO too
    fifo: true,
    transform: {
      queue: (args) => {
        args.messageRetentionSeconds = 14 * 24 * 60 * 60;
      },
    },
  });
  const queue = new sst.aws.Queue("Notify", {
    fifo: { contentBasedDeduplication: true },
    // Lambda's guidance: six times the function timeout, so a retried batch is not received twice
    visibilityTimeout: "18 minutes",
    dlq: { queue: deadLetters.arn, retry: MAX_RECEIVES },
  });
  new aws.sqs.QueuePolicy("NotifyQueuePolicy", {
    queueUrl: queue.url,
    policy: $jsonStringify({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "NotifyRules",
          Effect: "Allow",
          Principal: { Service: "events.amazonaws.com" },
          Action: "sqs:SendMessage",
          Resource: queue.arn,
          Condition: {
            ArnLike: {
              "aws:SourceArn": $interpolate`arn:${partition}:events:${region}:${accountId}:rule/*${physicalName("notify-")}*`,
            },
          },
        },
      ],
    }),
  });

  const rules = [
    {
      name: "notify-results",
      description: "every action result and guard skip on the result bus, to the notify queue",
      eventBusName: inputs.resultBusName,
      eventPattern: {
        source: ["homeostat"],
        "detail-type": ["Homeostat Action Result", "Homeostat Action Skipped"],
      },
    },
    {
      name: "notify-alarm-ok",
      description: "alarms back to OK (default bus), to resolve their Slack threads",
      eventBusName: "default",
      eventPattern: {
        source: ["aws.cloudwatch"],
        "detail-type": ["CloudWatch Alarm State Change"],
        detail: {
          state: { value: ["OK"] },
          alarmName: [{ "anything-but": { prefix: physicalName("") } }],
        },
      },
    },
  ];
  for (const spec of rules) {
    const rule = new aws.cloudwatch.EventRule(`Rule-${spec.name}`, {
      name: physicalName(spec.name),
      description: `Homeostat ${$app.stage}: ${spec.description}`,
      eventBusName: spec.eventBusName,
      eventPattern: JSON.stringify(spec.eventPattern),
    });
    new aws.cloudwatch.EventTarget(`Rule-${spec.name}-Target`, {
      rule: rule.name,
      eventBusName: spec.eventBusName,
      arn: queue.arn,
      sqsTarget: { messageGroupId: "results" },
      retryPolicy: { maximumEventAgeInSeconds: 3600, maximumRetryAttempts: 20 },
      deadLetterConfig: { arn: inputs.deadLetterQueueArn },
    });
  }

  const role = new aws.iam.Role("NotifyRole", {
    description: `Homeostat ${$app.stage}: the notify function (state table and its queue only)`,
    assumeRolePolicy: aws.iam.assumeRolePolicyForPrincipal({ Service: "lambda.amazonaws.com" }),
  });
  new aws.iam.RolePolicyAttachment("NotifyRoleExecution", {
    role: role.name,
    policyArn: $interpolate`arn:${partition}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole`,
  });
  const policy = new aws.iam.RolePolicy("NotifyRolePolicy", {
    role: role.id,
    policy: $jsonStringify({
      Version: "2012-10-17",
      Statement: [
        {
          // claims per result and the thread per incident: conditional writes, reads, prefix queries (a
          // condition on PutItem is PutItem's; ConditionCheckItem is for transactions, which notify has none of)
          Sid: "StateTable",
          Effect: "Allow",
          Action: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:Query"],
          Resource: [inputs.stateTableArn],
        },
        {
          // the event source mapping polls the notify queue with the function's role
          Sid: "NotifyQueue",
          Effect: "Allow",
          Action: [
            "sqs:ReceiveMessage",
            "sqs:DeleteMessage",
            "sqs:ChangeMessageVisibility",
            "sqs:GetQueueAttributes",
          ],
          Resource: [queue.arn],
        },
      ],
    }),
  });

  const fn = new sst.aws.Function(
    "Fn-notify",
    {
      name: physicalName("notify"),
      description: `Homeostat ${$app.stage}: notify handler (results to Slack)`,
      handler: "functions/notify.handler",
      runtime: LAMBDA_RUNTIME,
      // bundled like every function: minified, the config checked and embedded at bundle time
      nodejs: NODEJS,
      architecture: "arm64",
      memory: "256 MB",
      timeout: NOTIFY_TIMEOUT,
      role: role.arn,
      environment: {
        HOMEOSTAT_STATE_TABLE: inputs.stateTableName,
        POWERTOOLS_SERVICE_NAME: "homeostat",
        POWERTOOLS_METRICS_NAMESPACE: "Homeostat",
      },
      link: [inputs.slackBotToken],
      logging: { retention: "1 month", format: "json" },
    },
    { dependsOn: [policy] },
  );
  new aws.lambda.EventSourceMapping("NotifyQueueToNotify", {
    eventSourceArn: queue.arn,
    functionName: fn.name,
    // FIFO: a failed result and every later one of its batch come back, in order
    batchSize: 10,
    functionResponseTypes: ["ReportBatchItemFailures"],
  });
  return { fn, queue, deadLetters };
}
