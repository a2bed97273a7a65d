/**
 * The one normalized input of the pipeline, as a zod schema: the single source of the `Trigger`
 * types (trigger.ts infers them from here) and of the value lists other modules match against.
 * Every supported AWS event, schedule, stalled rollout or command from a person becomes exactly one
 * of these (an AWS Health event naming several instances becomes several). `normalize` produces
 * them; `decide` consumes them; `TriggerSchema` validates triggers read back from storage or files.
 */
import * as z from "zod";
import { InstanceIdSchema } from "./fields.ts";

/** CloudWatch alarm states. */
export const alarmStates = ["OK", "ALARM", "INSUFFICIENT_DATA"] as const;
/** single-metric, metric-math (expressions), or composite (alarm rule, no metrics). */
export const alarmTypes = ["metric", "metric-math", "composite"] as const;
/** EC2 and Auto Scaling events about one instance. */
export const instanceEventKinds = [
  "spot-interruption",
  "rebalance-recommendation",
  "instance-state-change",
  "scheduled-maintenance",
  "asg-terminate",
] as const;
/** The states of an EC2 instance, as `EC2 Instance State-change Notification` names them. */
export const instanceStates = [
  "pending",
  "running",
  "stopping",
  "stopped",
  "shutting-down",
  "terminated",
] as const;
/** What a spot interruption does to the instance (`instance-action`). */
export const instanceActions = ["hibernate", "stop", "terminate"] as const;

export const AlarmStateSchema = z.enum(alarmStates);
export const InstanceStateSchema = z.enum(instanceStates);
export const InstanceActionSchema = z.enum(instanceActions);

const DateTimeSchema = z.iso.datetime({ offset: true });

const TriggerBaseSchema = z.object({
  /**
   * Idempotency id: the delivering system's event id (EventBridge `id`, SNS `MessageId`, SQS message
   * id, …), suffixed when one delivery yields several triggers (`<id>#<instanceId>`).
   */
  id: z.string().min(1),
  /** When the event happened (RFC 3339), as the source says. */
  time: DateTimeSchema,
  /** Where it came from, for people: `aws.cloudwatch via EventBridge`, `sns`, `sqs`, `cli`, … */
  origin: z.string().min(1),
  region: z.string().optional(),
  account: z.string().optional(),
});

const DimensionsSchema = z.record(z.string(), z.string());

/** One entry of an alarm's metric list: a metric (namespace, name, dimensions) or a math expression. */
export const AlarmMetricQuerySchema = z.object({
  id: z.string(),
  namespace: z.string().optional(),
  name: z.string().optional(),
  dimensions: DimensionsSchema.optional(),
  expression: z.string().optional(),
  /** Whether this entry is the alarm's value (the expression result) rather than an input to it. */
  returnData: z.boolean().optional(),
});

export const AlarmTriggerSchema = TriggerBaseSchema.extend({
  kind: z.literal("alarm"),
  alarmName: z.string().min(1),
  alarmArn: z.string().optional(),
  /** single-metric, metric-math (expressions), or composite (alarm rule, no metrics). */
  alarmType: z.enum(alarmTypes),
  state: AlarmStateSchema,
  previousState: AlarmStateSchema.optional(),
  reason: z.string(),
  /**
   * Dimensions of the alarm's metric. Single-metric alarms: the metric's dimensions. Metric-math
   * alarms: the dimensions every metric in the expression shares with the same value (so a ratio of
   * two Container Insights metrics of one Service still names that Service). Composite: empty.
   */
  dimensions: DimensionsSchema,
  /** The metric of a single-metric alarm. */
  metric: z.object({ namespace: z.string(), name: z.string() }).optional(),
  /** Every metric and expression of the alarm (single-metric and metric-math alarms), as AWS lists them. */
  metrics: z.array(AlarmMetricQuerySchema).optional(),
  /** Composite alarms: the rule, for example `ALARM(a) OR ALARM(b)`. */
  alarmRule: z.string().optional(),
  /** The state's `reasonData`, kept as AWS sent it (a JSON string; EventBridge delivery only). */
  reasonData: z.string().optional(),
});

/** EC2 and Auto Scaling events about one instance. */
export const InstanceTriggerSchema = TriggerBaseSchema.extend({
  kind: z.literal("instance"),
  event: z.enum(instanceEventKinds),
  instanceId: InstanceIdSchema,
  /** spot-interruption: hibernate | stop | terminate. */
  instanceAction: InstanceActionSchema.optional(),
  /** instance-state-change: the new state. */
  state: InstanceStateSchema.optional(),
  /** scheduled-maintenance (AWS Health): when the change starts and ends (RFC 3339). */
  window: z
    .object({
      start: DateTimeSchema,
      end: DateTimeSchema.optional(),
      healthEventArn: z.string().optional(),
      eventTypeCode: z.string().optional(),
    })
    .optional(),
  /** asg-terminate: what is needed to complete (or heartbeat) the lifecycle action. */
  lifecycle: z
    .object({
      autoScalingGroupName: z.string().min(1),
      lifecycleHookName: z.string().min(1),
      lifecycleActionToken: z.string().min(1),
      destination: z.string().optional(),
      origin: z.string().optional(),
      notificationMetadata: z.string().optional(),
    })
    .optional(),
});

export const ScheduleTriggerSchema = TriggerBaseSchema.extend({
  kind: z.literal("schedule"),
  /** The policy whose schedule fired. */
  policy: z.string().min(1),
  /** Which of the policy's schedule entries fired (for example "scale-down" or "restore"). */
  entry: z.string().min(1),
  /** The time the schedule was due (RFC 3339), when the payload carried it. */
  scheduledTime: DateTimeSchema.optional(),
});

export const RolloutStalledTriggerSchema = TriggerBaseSchema.extend({
  kind: z.literal("rollout-stalled"),
  namespace: z.string().min(1),
  deployment: z.string().min(1),
  /** Why the rollout guard thinks it stalled, for people. */
  reason: z.string().min(1),
  /** The revision that stalled. */
  revision: z.number().int().nonnegative().optional(),
});

export const CommandTriggerSchema = TriggerBaseSchema.extend({
  kind: z.literal("command"),
  /** Who asked: a CLI user, or a Slack user id. */
  actor: z.string().min(1),
  /** The command text in the shared grammar, for example `scale shop/checkout +3`. */
  text: z.string().min(1),
  /** The Slack channel a command from Slack was asked in (its id, and its name when Slack sent it): its change was answered there. */
  slackChannel: z.object({ id: z.string().min(1), name: z.string().min(1).optional() }).optional(),
});

/** Validates a `Trigger` (for triggers read back from storage or files, and for tests). */
export const TriggerSchema = z.discriminatedUnion("kind", [
  AlarmTriggerSchema,
  InstanceTriggerSchema,
  ScheduleTriggerSchema,
  RolloutStalledTriggerSchema,
  CommandTriggerSchema,
]);
