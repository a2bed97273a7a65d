import { physicalName } from "./config.ts";
import type { HomeostatFunctions } from "./functions.ts";

/**
 * What wakes Homeostat up: EventBridge rules on the account's default bus (where AWS services publish)
 * routing each event kind to its handler, the rollout guard's periodic scan, and optionally an SQS
 * queue for Auto Scaling lifecycle hooks configured to notify SQS directly.
 *
 * Rules filter only by source and detail-type (plus what can never be acted on): deciding whether an
 * event matters is the policies' job, and a policy that matches an event the rule dropped would fail
 * silently. The handlers reject what they cannot parse, with a reason, and never retry it.
 */

export interface TriggerInputs {
  functions: HomeostatFunctions;
  deadLetterQueueArn: $util.Input<string>;
  rolloutGuardRate: string;
  /** The hook queue (createAsgHookQueue), when HOMEOSTAT_ASG_HOOK_QUEUE=true. */
  asgHooks: AsgHooks | undefined;
}

export interface AsgHooks {
  queue: sst.aws.Queue;
  /** The role Auto Scaling assumes to send hook notifications to the queue. */
  publisherRole: aws.iam.Role;
}

export interface Triggers {
  rules: aws.cloudwatch.EventRule[];
  asgHookMapping: aws.lambda.EventSourceMapping | undefined;
}

interface RuleSpec {
  /** Logical name and physical suffix. */
  name: string;
  description: string;
  target: sst.aws.Function;
  eventPattern?: Record<string, unknown>;
  scheduleExpression?: string;
}

function ruleSpecs(inputs: TriggerInputs): RuleSpec[] {
  const { functions } = inputs;
  return [
    {
      name: "alarm-state-change",
      description:
        "CloudWatch alarm state changes (single-metric, metric-math and composite) to the alarm handler",
      target: functions.alarm,
      eventPattern: {
        source: ["aws.cloudwatch"],
        "detail-type": ["CloudWatch Alarm State Change"],
        // Homeostat's own ops alarms (stacks/alarms.ts) must not feed back into the automation
        detail: { alarmName: [{ "anything-but": { prefix: physicalName("") } }] },
      },
    },
    {
      name: "ec2-instance-events",
      description: "EC2 spot interruption warnings, rebalance recommendations and state changes",
      target: functions.nodeEvents,
      eventPattern: {
        source: ["aws.ec2"],
        "detail-type": [
          "EC2 Spot Instance Interruption Warning",
          "EC2 Instance Rebalance Recommendation",
          "EC2 Instance State-change Notification",
        ],
      },
    },
    {
      name: "health-ec2-scheduled-change",
      description: "AWS Health scheduled maintenance of EC2 instances (the drain is deferred to a lead time)",
      target: functions.nodeEvents,
      eventPattern: {
        source: ["aws.health"],
        "detail-type": ["AWS Health Event"],
        // the only Health events Homeostat can act on; everything else would be rejected anyway
        detail: { service: ["EC2"], eventTypeCategory: ["scheduledChange"] },
      },
    },
    {
      name: "asg-terminate-lifecycle",
      description: "Auto Scaling terminate lifecycle actions (drain, then CONTINUE)",
      target: functions.nodeEvents,
      eventPattern: {
        source: ["aws.autoscaling"],
        "detail-type": ["EC2 Instance-terminate Lifecycle Action"],
      },
    },
    {
      name: "rollout-guard",
      description: "Periodic scan for stalled Deployment rollouts",
      target: functions.rolloutGuard,
      scheduleExpression: inputs.rolloutGuardRate,
    },
  ];
}

function createRule(spec: RuleSpec, deadLetterQueueArn: $util.Input<string>): aws.cloudwatch.EventRule {
  const rule = new aws.cloudwatch.EventRule(`Rule-${spec.name}`, {
    name: physicalName(spec.name),
    description: `Homeostat ${$app.stage}: ${spec.description}`,
    ...(spec.eventPattern ? { eventPattern: JSON.stringify(spec.eventPattern) } : {}),
    ...(spec.scheduleExpression ? { scheduleExpression: spec.scheduleExpression } : {}),
  });
  const permission = new aws.lambda.Permission(`Rule-${spec.name}-Invoke`, {
    action: "lambda:InvokeFunction",
    function: spec.target.name,
    principal: "events.amazonaws.com",
    sourceArn: rule.arn,
  });
  new aws.cloudwatch.EventTarget(
    `Rule-${spec.name}-Target`,
    {
      rule: rule.name,
      arn: spec.target.arn,
      // An hour-old interruption or alarm is history: stop retrying delivery and keep it for a person.
      retryPolicy: { maximumEventAgeInSeconds: 3600, maximumRetryAttempts: 20 },
      deadLetterConfig: { arn: deadLetterQueueArn },
    },
    { dependsOn: [permission] },
  );
  return rule;
}

/**
 * Lifecycle hooks whose notification target is SQS (instead of EventBridge) arrive here. To use it,
 * create the hook with `--notification-target-arn <AsgHookQueueArn> --role-arn <AsgHookPublisherRoleArn>`
 * (both are stack outputs). Created before the functions: their role must be allowed to poll it.
 */
export function createAsgHookQueue(deadLetterQueueArn: $util.Input<string>): AsgHooks {
  const queue = new sst.aws.Queue("AsgHooks", {
    // Lambda requires at least the function timeout; a failed drain becomes visible again soon
    // enough to retry within the hook's timeout (1 hour by default).
    visibilityTimeout: "16 minutes",
    dlq: { queue: deadLetterQueueArn, retry: 3 },
  });
  const publisherRole = new aws.iam.Role("AsgHookPublisherRole", {
    description: `Homeostat ${$app.stage}: lets Auto Scaling send lifecycle hook notifications to the hook queue`,
    assumeRolePolicy: aws.iam.assumeRolePolicyForPrincipal({ Service: "autoscaling.amazonaws.com" }),
  });
  new aws.iam.RolePolicy("AsgHookPublisherPolicy", {
    role: publisherRole.id,
    policy: $jsonStringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: ["sqs:SendMessage", "sqs:GetQueueUrl"], Resource: queue.arn }],
    }),
  });
  return { queue, publisherRole };
}

function subscribeAsgHooks(asgHooks: AsgHooks, functions: HomeostatFunctions): aws.lambda.EventSourceMapping {
  return new aws.lambda.EventSourceMapping("AsgHooksToNodeEvents", {
    eventSourceArn: asgHooks.queue.arn,
    functionName: functions.nodeEvents.name,
    // one hook per invocation: each is a drain, and one slow drain must not hold back the others
    batchSize: 1,
    functionResponseTypes: ["ReportBatchItemFailures"],
  });
}

export function createTriggers(inputs: TriggerInputs): Triggers {
  const rules = ruleSpecs(inputs).map((spec) => createRule(spec, inputs.deadLetterQueueArn));
  const asgHookMapping = inputs.asgHooks ? subscribeAsgHooks(inputs.asgHooks, inputs.functions) : undefined;
  return { rules, asgHookMapping };
}
