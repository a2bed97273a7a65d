/**
 * zod schemas for every input `normalize` accepts. Envelopes (EventBridge, SNS, SQS) come from
 * Powertools Parser; the `detail` of each AWS event and the bare Auto Scaling / CloudWatch-over-SNS
 * messages are defined here from AWS's documented shapes (see shared/reference/events.md).
 */
import { EventBridgeSchema } from "@aws-lambda-powertools/parser/schemas/eventbridge";
import {
  SnsRecordSchema as PowertoolsSnsRecordSchema,
  SnsSqsNotificationSchema as PowertoolsSnsSqsNotificationSchema,
  SnsNotificationSchema,
} from "@aws-lambda-powertools/parser/schemas/sns";
import { SqsRecordSchema as PowertoolsSqsRecordSchema } from "@aws-lambda-powertools/parser/schemas/sqs";
import { z } from "zod";
import { INSTANCE_ID_PATTERN } from "../domain/instance-id.ts";
import { isoToRfc3339, rfc1123ToRfc3339 } from "./time.ts";
import type { Trigger } from "./trigger.ts";

// Ids become idempotency keys: an empty one would make unrelated events collide, so the envelopes
// are Powertools' schemas with non-empty ids.
const NonEmptyId = z.string().min(1, "expected a non-empty id");

/** EventBridge envelope (Powertools) with a non-empty `id`. */
export const EventBridgeEnvelopeSchema = EventBridgeSchema.extend({ id: NonEmptyId });

/** One record of a Lambda SNS event (Powertools) with a non-empty `MessageId`. */
export const SnsRecordSchema = PowertoolsSnsRecordSchema.extend({
  Sns: SnsNotificationSchema.extend({ MessageId: NonEmptyId }),
});

/** An SNS notification as SQS or an HTTP endpoint receives it (Powertools) with a non-empty `MessageId`. */
export const SnsSqsNotificationSchema = PowertoolsSnsSqsNotificationSchema.extend({ MessageId: NonEmptyId });

/** One record of a Lambda SQS event (Powertools) with a non-empty `messageId`. */
export const SqsRecordSchema = PowertoolsSqsRecordSchema.extend({ messageId: NonEmptyId });

export const InstanceIdSchema = z
  .string()
  .regex(
    INSTANCE_ID_PATTERN,
    "expected an EC2 instance id like i-1234567890abcdef0 (i- and 8 or 17 hex digits)",
  );

/** ISO 8601 / RFC 3339, including CloudWatch's `+0000` offset; outputs RFC 3339 UTC. */
export const TimestampSchema = z.string().transform((text, ctx) => {
  const rfc3339 = isoToRfc3339(text);
  if (rfc3339 === undefined) {
    ctx.addIssue({
      code: "custom",
      message: "expected a timestamp like 2019-10-01T13:56:40.987+0000 or 2019-10-01T13:56:40Z",
    });
    return z.NEVER;
  }
  return rfc3339;
});

/** AWS Health times: RFC 1123 (`Sat, 05 Jun 2016 15:10:09 GMT`); RFC 3339 also accepted. Outputs RFC 3339. */
export const HealthTimeSchema = z.string().transform((text, ctx) => {
  const rfc3339 = rfc1123ToRfc3339(text) ?? isoToRfc3339(text);
  if (rfc3339 === undefined) {
    ctx.addIssue({ code: "custom", message: "expected an RFC 1123 time like Sat, 05 Jun 2016 15:10:09 GMT" });
    return z.NEVER;
  }
  return rfc3339;
});

// ---------------------------------------------------------------- CloudWatch alarms via EventBridge

export const AlarmStateValueSchema = z.enum(["OK", "ALARM", "INSUFFICIENT_DATA"]);

export const AlarmStateSchema = z.object({
  value: AlarmStateValueSchema,
  reason: z.string(),
  /** A JSON string; kept as a string (it is for people and audit, and its shape varies by alarm type). */
  reasonData: z.string().optional(),
  timestamp: TimestampSchema,
});

const MetricDimensionsMapSchema = z.record(z.string(), z.string());

export const AlarmMetricEntrySchema = z
  .object({
    id: z.string(),
    metricStat: z
      .object({
        metric: z.object({
          namespace: z.string(),
          name: z.string(),
          dimensions: MetricDimensionsMapSchema.optional(),
        }),
        period: z.number().optional(),
        stat: z.string().optional(),
      })
      .optional(),
    expression: z.string().optional(),
    label: z.string().optional(),
    returnData: z.boolean().optional(),
  })
  .refine((entry) => entry.metricStat !== undefined || entry.expression !== undefined, {
    message: "each metrics[] entry needs metricStat (a metric) or expression (metric math)",
  });

export const CloudWatchAlarmDetailSchema = z.object({
  alarmName: z.string().min(1),
  state: AlarmStateSchema,
  previousState: AlarmStateSchema.optional(),
  configuration: z
    .object({
      description: z.string().nullish(),
      metrics: z.array(AlarmMetricEntrySchema).optional(),
      alarmRule: z.string().optional(),
    })
    .refine((c) => c.alarmRule !== undefined || (c.metrics !== undefined && c.metrics.length > 0), {
      message: "expected metrics[] (metric or metric-math alarm) or alarmRule (composite alarm)",
    }),
});

export const CloudWatchAlarmEventSchema = EventBridgeEnvelopeSchema.extend({
  source: z.literal("aws.cloudwatch"),
  "detail-type": z.literal("CloudWatch Alarm State Change"),
  detail: CloudWatchAlarmDetailSchema,
});

// ---------------------------------------------------------------- CloudWatch alarms via SNS

const SnsDimensionSchema = z.object({ name: z.string(), value: z.string() });

export const SnsAlarmMetricEntrySchema = z.object({
  Id: z.string(),
  Expression: z.string().optional(),
  Label: z.string().optional(),
  ReturnData: z.boolean().optional(),
  MetricStat: z
    .object({
      Metric: z.object({
        Namespace: z.string(),
        MetricName: z.string(),
        Dimensions: z.array(SnsDimensionSchema).optional(),
      }),
      Period: z.number().optional(),
      Stat: z.string().optional(),
    })
    .optional(),
});

/** The JSON CloudWatch puts in the SNS `Message` of an alarm notification. */
export const SnsAlarmMessageSchema = z.object({
  AlarmName: z.string().min(1),
  AlarmArn: z.string().optional(),
  AWSAccountId: z.string().optional(),
  NewStateValue: AlarmStateValueSchema,
  OldStateValue: AlarmStateValueSchema.optional(),
  NewStateReason: z.string(),
  StateChangeTime: TimestampSchema,
  /** Composite alarms only. */
  AlarmRule: z.string().optional(),
  /** Metric alarms only (composite alarms have none). */
  Trigger: z
    .object({
      MetricName: z.string().optional(),
      Namespace: z.string().optional(),
      /** An array of {name, value} here, unlike EventBridge's map. */
      Dimensions: z.array(SnsDimensionSchema).optional(),
      Metrics: z.array(SnsAlarmMetricEntrySchema).optional(),
    })
    .nullish(),
});

// ---------------------------------------------------------------- EC2

export const SpotInterruptionDetailSchema = z.object({
  "instance-id": InstanceIdSchema,
  "instance-action": z.enum(["hibernate", "stop", "terminate"]),
});

export const RebalanceRecommendationDetailSchema = z.object({
  "instance-id": InstanceIdSchema,
});

export const InstanceStateSchema = z.enum([
  "pending",
  "running",
  "stopping",
  "stopped",
  "shutting-down",
  "terminated",
]);

export const InstanceStateChangeDetailSchema = z.object({
  "instance-id": InstanceIdSchema,
  state: InstanceStateSchema,
});

// ---------------------------------------------------------------- AWS Health

export const HealthDetailSchema = z.object({
  eventArn: z.string().min(1),
  service: z.literal("EC2"),
  eventTypeCode: z.string().min(1),
  eventTypeCategory: z.literal("scheduledChange"),
  startTime: HealthTimeSchema,
  endTime: HealthTimeSchema.optional(),
  affectedEntities: z
    .array(z.object({ entityValue: z.string() }))
    .min(1, "expected at least one affected entity"),
});

// ---------------------------------------------------------------- Auto Scaling lifecycle hooks

export const TERMINATING_TRANSITION = "autoscaling:EC2_INSTANCE_TERMINATING";
export const TEST_NOTIFICATION_EVENT = "autoscaling:TEST_NOTIFICATION";

/** The lifecycle action fields: EventBridge `detail`, and the top level of SQS/SNS messages. */
export const LifecycleActionSchema = z.object({
  LifecycleActionToken: z.string().min(1),
  AutoScalingGroupName: z.string().min(1),
  LifecycleHookName: z.string().min(1),
  EC2InstanceId: InstanceIdSchema,
  LifecycleTransition: z.literal(TERMINATING_TRANSITION),
  NotificationMetadata: z.string().optional(),
  /** AutoScalingGroup | WarmPool | EC2. */
  Origin: z.string().optional(),
  /** EC2 | WarmPool | AutoScalingGroup: `WarmPool` means the instance goes back to the warm pool. */
  Destination: z.string().optional(),
});

/** A lifecycle hook notification sent straight to SQS (or SNS): no EventBridge envelope. */
export const LifecycleQueueMessageSchema = LifecycleActionSchema.extend({
  AccountId: z.string().optional(),
  RequestId: NonEmptyId.optional(),
  Service: z.string().optional(),
  Time: TimestampSchema.optional(),
});

// ---------------------------------------------------------------- our own schedules

/**
 * What our EventBridge Scheduler schedules carry as target Input (Scheduler delivers it verbatim).
 * `scheduledTime` and `executionId` are filled by Scheduler from `<aws.scheduler.scheduled-time>` and
 * `<aws.scheduler.execution-id>`; they make redeliveries of one firing share one id.
 */
export const SchedulePayloadSchema = z.object({
  homeostat: z.literal("schedule"),
  version: z.literal(1),
  policy: z.string().min(1),
  entry: z.string().min(1),
  scheduledTime: TimestampSchema.optional(),
  executionId: z.string().min(1).optional(),
});

export type SchedulePayload = z.input<typeof SchedulePayloadSchema>;

/**
 * The target Input for a schedule of `policy`'s `entry`, with Scheduler's context placeholders.
 *
 * @example
 * scheduleTargetInput("nightly-dev", "scale-down")
 * // '{"homeostat":"schedule","version":1,"policy":"nightly-dev","entry":"scale-down",
 * //   "scheduledTime":"<aws.scheduler.scheduled-time>","executionId":"<aws.scheduler.execution-id>"}'
 */
export function scheduleTargetInput(policy: string, entry: string): string {
  const payload = {
    homeostat: "schedule",
    version: 1,
    policy,
    entry,
    scheduledTime: "<aws.scheduler.scheduled-time>",
    executionId: "<aws.scheduler.execution-id>",
  } as const;
  return JSON.stringify(payload);
}

/**
 * What a deferred run delivers (pipeline/aws.ts writes it as a one-time schedule's Input): the trigger
 * that asked to act later, to be decided again when the schedule fires.
 */
export const DeferredPayloadSchema = z.object({
  homeostat: z.literal("deferred"),
  version: z.literal(1),
  /** When the run was scheduled for (RFC 3339): part of the new trigger's id. */
  at: z.string().min(1).optional(),
  trigger: z.lazy(() => TriggerSchema),
});

export type DeferredPayload = z.output<typeof DeferredPayloadSchema>;

/** The Input of a one-time schedule that runs `trigger` again later (see `DeferredPayloadSchema`). */
export function deferredPayload(trigger: Trigger, at?: string): DeferredPayload {
  return { homeostat: "deferred", version: 1, ...(at ? { at } : {}), trigger };
}

// ---------------------------------------------------------------- the Trigger itself

const TriggerBaseSchema = z.object({
  id: z.string().min(1),
  time: z.iso.datetime({ offset: true }),
  origin: z.string().min(1),
  region: z.string().optional(),
  account: z.string().optional(),
});

/** Validates a `Trigger` (for triggers read back from storage or files, and for tests). */
export const TriggerSchema = z.discriminatedUnion("kind", [
  TriggerBaseSchema.extend({
    kind: z.literal("alarm"),
    alarmName: z.string().min(1),
    alarmArn: z.string().optional(),
    alarmType: z.enum(["metric", "metric-math", "composite"]),
    state: AlarmStateValueSchema,
    previousState: AlarmStateValueSchema.optional(),
    reason: z.string(),
    dimensions: z.record(z.string(), z.string()),
    metric: z.object({ namespace: z.string(), name: z.string() }).optional(),
    metrics: z
      .array(
        z.object({
          id: z.string(),
          namespace: z.string().optional(),
          name: z.string().optional(),
          dimensions: z.record(z.string(), z.string()).optional(),
          expression: z.string().optional(),
          returnData: z.boolean().optional(),
        }),
      )
      .optional(),
    alarmRule: z.string().optional(),
    reasonData: z.string().optional(),
  }),
  TriggerBaseSchema.extend({
    kind: z.literal("instance"),
    event: z.enum([
      "spot-interruption",
      "rebalance-recommendation",
      "instance-state-change",
      "scheduled-maintenance",
      "asg-terminate",
    ]),
    instanceId: InstanceIdSchema,
    instanceAction: z.enum(["hibernate", "stop", "terminate"]).optional(),
    state: InstanceStateSchema.optional(),
    window: z
      .object({
        start: z.iso.datetime({ offset: true }),
        end: z.iso.datetime({ offset: true }).optional(),
        healthEventArn: z.string().optional(),
        eventTypeCode: z.string().optional(),
      })
      .optional(),
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
  }),
  TriggerBaseSchema.extend({
    kind: z.literal("schedule"),
    policy: z.string().min(1),
    entry: z.string().min(1),
    scheduledTime: z.iso.datetime({ offset: true }).optional(),
  }),
  TriggerBaseSchema.extend({
    kind: z.literal("rollout-stalled"),
    namespace: z.string().min(1),
    deployment: z.string().min(1),
    reason: z.string().min(1),
    revision: z.number().int().nonnegative().optional(),
  }),
  TriggerBaseSchema.extend({
    kind: z.literal("command"),
    actor: z.string().min(1),
    text: z.string().min(1),
  }),
]);
