/**
 * CloudWatch alarms (source `aws.cloudwatch`): the `CloudWatch Alarm State Change` EventBridge
 * event, and the alarm notification CloudWatch sends to SNS, whose shape differs (`AlarmName`,
 * `NewStateValue`, `Trigger.Dimensions` as an array). Single-metric, metric-math and composite alarms.
 */
import * as z from "zod";
import { TimestampSchema } from "../fields.ts";
import { dropUndefined, rejection } from "../result.ts";
import type { AlarmMetricQuery, AlarmTrigger } from "../trigger.ts";
import { AlarmStateSchema } from "../trigger-schema.ts";
import { invalid } from "../zod-errors.ts";
import {
  EventBridgeEnvelopeSchema,
  type EventReader,
  eventBase,
  eventOrigin,
  type MessageReader,
  parseArn,
  type SourceReader,
} from "./reader.ts";

const SOURCE = "aws.cloudwatch";

// ---------------------------------------------------------------- via EventBridge

const AlarmStateChangeSchema = z.object({
  value: AlarmStateSchema,
  reason: z.string(),
  /** A JSON string; kept as a string (it is for people and audit, and its shape varies by alarm type). */
  reasonData: z.string().optional(),
  timestamp: TimestampSchema,
});

const MetricDimensionsMapSchema = z.record(z.string(), z.string());

const AlarmMetricEntrySchema = z
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

const CloudWatchAlarmDetailSchema = z.object({
  alarmName: z.string().min(1),
  state: AlarmStateChangeSchema,
  // Only the previous state's value is read; its reason, reasonData and timestamp never reject.
  previousState: z.object({ value: AlarmStateSchema }).optional(),
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

const CloudWatchAlarmEventSchema = EventBridgeEnvelopeSchema.extend({
  source: z.literal(SOURCE),
  "detail-type": z.literal("CloudWatch Alarm State Change"),
  detail: CloudWatchAlarmDetailSchema,
});

const alarmStateChange: EventReader = {
  detailType: "CloudWatch Alarm State Change",
  read(_event, raw, delivery) {
    const parsed = CloudWatchAlarmEventSchema.safeParse(raw);
    if (!parsed.success) return invalid("CloudWatch Alarm State Change event", parsed.error, raw);
    const event = parsed.data;
    const { detail } = event;
    const metrics: AlarmMetricQuery[] | undefined = detail.configuration.metrics?.map((entry) => {
      const query: AlarmMetricQuery = { id: entry.id };
      if (entry.metricStat) {
        query.namespace = entry.metricStat.metric.namespace;
        query.name = entry.metricStat.metric.name;
        query.dimensions = entry.metricStat.metric.dimensions ?? {};
      }
      if (entry.expression !== undefined) query.expression = entry.expression;
      if (entry.returnData !== undefined) query.returnData = entry.returnData;
      return query;
    });
    const trigger = alarmTrigger({
      base: { ...eventBase(event, delivery), time: detail.state.timestamp },
      alarmName: detail.alarmName,
      alarmArn: event.resources.find((arn) => arn.includes(":alarm:")),
      state: detail.state.value,
      previousState: detail.previousState?.value,
      reason: detail.state.reason,
      reasonData: detail.state.reasonData,
      alarmRule: detail.configuration.alarmRule,
      metrics,
    });
    return { ok: true, triggers: [trigger] };
  },
};

// ---------------------------------------------------------------- via SNS

const SnsDimensionSchema = z.object({ name: z.string(), value: z.string() });

const SnsAlarmMetricEntrySchema = z.object({
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
const SnsAlarmMessageSchema = z.object({
  AlarmName: z.string().min(1),
  AlarmArn: z.string().optional(),
  AWSAccountId: z.string().optional(),
  NewStateValue: AlarmStateSchema,
  OldStateValue: AlarmStateSchema.optional(),
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

const snsAlarmMessage: MessageReader = {
  shape: "a CloudWatch alarm SNS message (AlarmName, NewStateValue)",
  accepts: (value) => "AlarmName" in value && "NewStateValue" in value,
  read(value, delivery) {
    const parsed = SnsAlarmMessageSchema.safeParse(value);
    if (!parsed.success) return invalid("CloudWatch alarm SNS message", parsed.error, value);
    const message = parsed.data;
    const trigger = message.Trigger ?? undefined;
    if (message.AlarmRule === undefined && !trigger?.MetricName && !trigger?.Metrics?.length) {
      return rejection(
        "malformed",
        "CloudWatch alarm SNS message: expected Trigger.MetricName (metric alarm), Trigger.Metrics (metric-math " +
          "alarm) or AlarmRule (composite alarm)",
        message.Trigger ? "Trigger.MetricName" : "Trigger",
      );
    }
    const toMap = (dimensions: { name: string; value: string }[] | undefined) =>
      Object.fromEntries((dimensions ?? []).map((d) => [d.name, d.value]));
    let metrics: AlarmMetricQuery[] | undefined;
    if (trigger?.Metrics?.length) {
      metrics = trigger.Metrics.map((entry) => {
        const query: AlarmMetricQuery = { id: entry.Id };
        if (entry.MetricStat) {
          query.namespace = entry.MetricStat.Metric.Namespace;
          query.name = entry.MetricStat.Metric.MetricName;
          query.dimensions = toMap(entry.MetricStat.Metric.Dimensions);
        }
        if (entry.Expression !== undefined) query.expression = entry.Expression;
        if (entry.ReturnData !== undefined) query.returnData = entry.ReturnData;
        return query;
      });
    } else if (trigger?.MetricName && trigger.Namespace) {
      metrics = [
        {
          id: "m1",
          namespace: trigger.Namespace,
          name: trigger.MetricName,
          dimensions: toMap(trigger.Dimensions),
          returnData: true,
        },
      ];
    }
    const arn = message.AlarmArn ? parseArn(message.AlarmArn) : undefined;
    const result = alarmTrigger({
      base: {
        id:
          delivery.messageId ??
          `alarm:${message.AlarmName}:${message.NewStateValue}:${message.StateChangeTime}`,
        time: message.StateChangeTime,
        origin: eventOrigin(SOURCE, delivery),
        region: arn?.region ?? delivery.region,
        account: message.AWSAccountId ?? arn?.account ?? delivery.account,
      },
      alarmName: message.AlarmName,
      alarmArn: message.AlarmArn,
      state: message.NewStateValue,
      previousState: message.OldStateValue,
      reason: message.NewStateReason,
      alarmRule: message.AlarmRule,
      metrics,
    });
    return { ok: true, triggers: [result] };
  },
};

export const cloudwatch: SourceReader = {
  source: SOURCE,
  events: [alarmStateChange],
  messages: [snsAlarmMessage],
};

// ---------------------------------------------------------------- the alarm trigger, from either

interface AlarmParts {
  base: Pick<AlarmTrigger, "id" | "time" | "origin" | "region" | "account">;
  alarmName: string;
  alarmArn: string | undefined;
  state: AlarmTrigger["state"];
  previousState: AlarmTrigger["previousState"];
  reason: string;
  reasonData?: string | undefined;
  alarmRule: string | undefined;
  metrics: AlarmMetricQuery[] | undefined;
}

function alarmTrigger(parts: AlarmParts): AlarmTrigger {
  const { metrics } = parts;
  const metricEntries = (metrics ?? []).filter((m) => m.namespace !== undefined && m.name !== undefined);
  let alarmType: AlarmTrigger["alarmType"];
  if (parts.alarmRule !== undefined) alarmType = "composite";
  else if ((metrics ?? []).some((m) => m.expression !== undefined) || metricEntries.length > 1)
    alarmType = "metric-math";
  else alarmType = "metric";

  const single = alarmType === "metric" ? metricEntries[0] : undefined;
  const dimensions =
    alarmType === "composite"
      ? {}
      : single
        ? { ...single.dimensions }
        : commonDimensions(metricEntries.map((m) => m.dimensions ?? {}));

  const trigger: AlarmTrigger = {
    ...parts.base,
    kind: "alarm",
    alarmName: parts.alarmName,
    alarmArn: parts.alarmArn,
    alarmType,
    state: parts.state,
    previousState: parts.previousState,
    reason: parts.reason,
    dimensions,
    metric: single?.namespace && single.name ? { namespace: single.namespace, name: single.name } : undefined,
    metrics: alarmType === "composite" ? undefined : metrics,
    alarmRule: parts.alarmRule,
    reasonData: parts.reasonData,
  };
  return dropUndefined(trigger);
}

/** The dimensions every map has with the same value. */
function commonDimensions(maps: Record<string, string>[]): Record<string, string> {
  const [first, ...rest] = maps;
  if (!first) return {};
  const common: Record<string, string> = {};
  for (const [name, value] of Object.entries(first)) {
    if (rest.every((m) => Object.hasOwn(m, name) && m[name] === value)) common[name] = value;
  }
  return common;
}
