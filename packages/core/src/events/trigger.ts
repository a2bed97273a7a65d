/**
 * The one normalized input of the pipeline. Every supported AWS event, schedule, stalled rollout or
 * command from a person becomes exactly one of these (an AWS Health event naming several instances
 * becomes several). `normalize` produces them; `decide` consumes them.
 */

interface TriggerBase {
  /**
   * Idempotency id: the delivering system's event id (EventBridge `id`, SNS `MessageId`, SQS message
   * id, …), suffixed when one delivery yields several triggers (`<id>#<instanceId>`).
   */
  id: string;
  /** When the event happened (RFC 3339), as the source says. */
  time: string;
  /** Where it came from, for people: `aws.cloudwatch via EventBridge`, `sns`, `sqs`, `cli`, … */
  origin: string;
  region?: string;
  account?: string;
}

export type AlarmState = "OK" | "ALARM" | "INSUFFICIENT_DATA";

export interface AlarmTrigger extends TriggerBase {
  kind: "alarm";
  alarmName: string;
  alarmArn?: string;
  /** single-metric, metric-math (expressions), or composite (alarm rule, no metrics). */
  alarmType: "metric" | "metric-math" | "composite";
  state: AlarmState;
  previousState?: AlarmState;
  reason: string;
  /**
   * Dimensions of the alarm's metric. Single-metric alarms: the metric's dimensions. Metric-math
   * alarms: the dimensions every metric in the expression shares with the same value (so a ratio of
   * two Container Insights metrics of one Service still names that Service). Composite: empty.
   */
  dimensions: Record<string, string>;
  /** The metric of a single-metric alarm. */
  metric?: { namespace: string; name: string };
  /** Every metric and expression of the alarm (single-metric and metric-math alarms), as AWS lists them. */
  metrics?: AlarmMetricQuery[];
  /** Composite alarms: the rule, for example `ALARM(a) OR ALARM(b)`. */
  alarmRule?: string;
  /** The state's `reasonData`, kept as AWS sent it (a JSON string; EventBridge delivery only). */
  reasonData?: string;
}

/** One entry of an alarm's metric list: a metric (namespace, name, dimensions) or a math expression. */
export interface AlarmMetricQuery {
  id: string;
  namespace?: string;
  name?: string;
  dimensions?: Record<string, string>;
  expression?: string;
  /** Whether this entry is the alarm's value (the expression result) rather than an input to it. */
  returnData?: boolean;
}

/** EC2 and Auto Scaling events about one instance. */
export type InstanceEventKind =
  | "spot-interruption"
  | "rebalance-recommendation"
  | "instance-state-change"
  | "scheduled-maintenance"
  | "asg-terminate";

export type InstanceState = "pending" | "running" | "stopping" | "stopped" | "shutting-down" | "terminated";

export interface InstanceTrigger extends TriggerBase {
  kind: "instance";
  event: InstanceEventKind;
  instanceId: string;
  /** spot-interruption: hibernate | stop | terminate. */
  instanceAction?: "hibernate" | "stop" | "terminate";
  /** instance-state-change: the new state. */
  state?: InstanceState;
  /** scheduled-maintenance (AWS Health): when the change starts and ends (RFC 3339). */
  window?: { start: string; end?: string; healthEventArn?: string; eventTypeCode?: string };
  /** asg-terminate: what is needed to complete (or heartbeat) the lifecycle action. */
  lifecycle?: {
    autoScalingGroupName: string;
    lifecycleHookName: string;
    lifecycleActionToken: string;
    destination?: string;
    origin?: string;
    notificationMetadata?: string;
  };
}

export interface ScheduleTrigger extends TriggerBase {
  kind: "schedule";
  /** The policy whose schedule fired. */
  policy: string;
  /** Which of the policy's schedule entries fired (for example "scale-down" or "restore"). */
  entry: string;
  /** The time the schedule was due (RFC 3339), when the payload carried it. */
  scheduledTime?: string;
}

export interface RolloutStalledTrigger extends TriggerBase {
  kind: "rollout-stalled";
  namespace: string;
  deployment: string;
  /** Why the rollout guard thinks it stalled, for people. */
  reason: string;
  /** The revision that stalled. */
  revision?: number;
}

export interface CommandTrigger extends TriggerBase {
  kind: "command";
  /** Who asked: a CLI user, or a Slack user id. */
  actor: string;
  /** The command text in the shared grammar, for example `scale shop/checkout +3`. */
  text: string;
}

export type Trigger =
  | AlarmTrigger
  | InstanceTrigger
  | ScheduleTrigger
  | RolloutStalledTrigger
  | CommandTrigger;
export type TriggerKind = Trigger["kind"];
