/**
 * normalize: every supported input → `Trigger[]`, or a rejection with a reason a person can act on.
 *
 * Inputs are recognised by shape, unwrapping delivery envelopes as deep as they nest (a Lambda SQS
 * event whose body is an SNS notification whose Message is an Auto Scaling hook, for example):
 *   - Lambda SQS / SNS events (`Records[]`): each record separately, see `normalizeBatch`;
 *   - SNS notifications (`Type: "Notification"`, `Message`);
 *   - EventBridge events (`detail-type`, `source`, `detail`);
 *   - CloudWatch alarm messages as SNS delivers them (`AlarmName`, `NewStateValue`);
 *   - Auto Scaling lifecycle hook messages without an envelope (`LifecycleTransition`, `Event`);
 *   - our own schedule payloads (`homeostat: "schedule"`).
 * No I/O, and no input makes it throw: rejections are values (the fuzz test holds it to that).
 */
import type { z } from "zod";
import { isInstanceId } from "../domain/instance-id.ts";
import {
  CloudWatchAlarmEventSchema,
  DeferredPayloadSchema,
  EventBridgeEnvelopeSchema,
  HealthDetailSchema,
  InstanceStateChangeDetailSchema,
  LifecycleActionSchema,
  LifecycleQueueMessageSchema,
  RebalanceRecommendationDetailSchema,
  SchedulePayloadSchema,
  SnsAlarmMessageSchema,
  SnsRecordSchema,
  SnsSqsNotificationSchema,
  SpotInterruptionDetailSchema,
  SqsRecordSchema,
  TERMINATING_TRANSITION,
  TEST_NOTIFICATION_EVENT,
} from "./schemas.ts";
import type { AlarmMetricQuery, AlarmTrigger, InstanceTrigger, ScheduleTrigger, Trigger } from "./trigger.ts";

/**
 * Why an input produced no trigger.
 * - `malformed`: a supported kind, but a field is missing or wrong;
 * - `unsupported`: not an input Homeostat handles at all;
 * - `ignored`: recognised and deliberately not acted on (Auto Scaling test notifications, AWS Health
 *   events other than EC2 scheduled changes, launch lifecycle hooks).
 * Never retryable: the same bytes will be just as wrong next time, so a handler must not ask for
 * redelivery (that is how queues loop forever).
 */
export interface NormalizeError {
  kind: "malformed" | "unsupported" | "ignored";
  /** What is wrong, naming the field and what was expected. */
  reason: string;
  retryable: false;
}

export type NormalizeResult =
  | {
      ok: true;
      triggers: Trigger[];
      /** Parts of the input that were skipped while the rest was used (e.g. a non-instance Health entity). */
      warnings?: string[];
    }
  | { ok: false; error: NormalizeError };

export interface NormalizeOptions {
  /** The current time, for inputs that carry none (a schedule payload without `scheduledTime`). */
  now?: Date;
}

/** The outcome for one record of a Lambda SQS/SNS event (or for the whole input when it has no records). */
export interface RecordResult {
  /** Position in `Records[]` (0 for an input that is not a batch). */
  index: number;
  /** SQS `messageId` (what an SQS handler reports in `batchItemFailures`) or SNS `MessageId`. */
  messageId?: string;
  result: NormalizeResult;
}

/** Envelopes deeper than this are not something AWS produces; stop instead of recursing on crafted input. */
const MAX_ENVELOPE_DEPTH = 4;

interface Delivery {
  /** Wrappers from outermost to innermost, for `origin` (`SQS`, `SNS`). */
  wrappers: string[];
  /** The innermost envelope's message id: the id a trigger without its own takes. */
  messageId?: string;
  region?: string;
  account?: string;
  now: Date;
}

const SUPPORTED_SHAPES =
  "an EventBridge event (source, detail-type, detail), a Lambda SQS or SNS event (Records[]), an SNS " +
  'notification (Type "Notification", Message), a CloudWatch alarm SNS message (AlarmName, NewStateValue), ' +
  'an Auto Scaling lifecycle hook message (LifecycleTransition), or a Homeostat schedule payload (homeostat: "schedule")';

// ------------------------------------------------------------------------------------------ public API

/**
 * Normalize one input. A batch (`Records[]`) is ok only when no record is malformed or unsupported;
 * handlers that must not lose good records to a bad one use `normalizeBatch`.
 *
 * @example
 * const result = normalize(JSON.parse(eventFileText));
 * if (!result.ok) console.error(`${result.error.kind}: ${result.error.reason}`);
 */
export function normalize(input: unknown, options: NormalizeOptions = {}): NormalizeResult {
  const records = normalizeBatch(input, options);
  if (!isBatch(input) && records.length === 1 && records[0]) return records[0].result;

  const triggers: Trigger[] = [];
  const warnings: string[] = [];
  let firstRejection: { record: RecordResult; error: NormalizeError } | undefined;
  let firstIgnored: { record: RecordResult; error: NormalizeError } | undefined;
  for (const record of records) {
    const { result } = record;
    if (result.ok) {
      triggers.push(...result.triggers);
      for (const warning of result.warnings ?? []) warnings.push(`${recordLabel(record)}: ${warning}`);
    } else if (result.error.kind === "ignored") {
      firstIgnored ??= { record, error: result.error };
      warnings.push(`${recordLabel(record)}: ignored: ${result.error.reason}`);
    } else {
      firstRejection ??= { record, error: result.error };
    }
  }
  const failure = firstRejection ?? (triggers.length === 0 ? firstIgnored : undefined);
  if (failure) {
    return rejection(failure.error.kind, `${recordLabel(failure.record)}: ${failure.error.reason}`);
  }
  return withWarnings(triggers, warnings);
}

/**
 * Normalize each record of a Lambda SQS or SNS event on its own, so one bad record is reported
 * (with its `messageId`) instead of failing the batch. Any other input gives one entry.
 *
 * @example
 * for (const { messageId, result } of normalizeBatch(sqsEvent)) {
 *   if (!result.ok) logger.warn("rejected", { messageId, ...result.error }); // not retried
 * }
 */
export function normalizeBatch(input: unknown, options: NormalizeOptions = {}): RecordResult[] {
  const now = options.now ?? new Date();
  try {
    if (!isObject(input) || !("Records" in input)) {
      return [{ index: 0, result: fromValue(input, { wrappers: [], now }, 0) }];
    }
    const records = input.Records;
    if (!Array.isArray(records)) {
      return [
        { index: 0, result: rejection("malformed", `Records: expected an array, got ${describe(records)}`) },
      ];
    }
    if (records.length === 0) {
      return [
        { index: 0, result: rejection("malformed", "Records: expected at least one record, got none") },
      ];
    }
    return records.map((record: unknown, index) => fromRecord(record, index, now));
  } catch (error) {
    return [{ index: 0, result: unreadable(error) }];
  }
}

// ------------------------------------------------------------------------------------------ envelopes

function isBatch(input: unknown): boolean {
  return isObject(input) && "Records" in input;
}

function fromRecord(record: unknown, index: number, now: Date): RecordResult {
  try {
    if (!isObject(record)) {
      return { index, result: rejection("malformed", `expected a record object, got ${describe(record)}`) };
    }
    const messageIdOf = (value: unknown) => (typeof value === "string" ? value : undefined);

    if (record.eventSource === "aws:sqs") {
      const messageId = messageIdOf(record.messageId);
      const parsed = SqsRecordSchema.safeParse(record);
      if (!parsed.success) {
        return { index, messageId, result: invalid("SQS record", parsed.error, record) };
      }
      const arn = parseArn(parsed.data.eventSourceARN);
      const delivery: Delivery = {
        wrappers: ["SQS"],
        messageId: parsed.data.messageId,
        region: parsed.data.awsRegion,
        account: arn?.account,
        now,
      };
      return { index, messageId, result: fromJsonText(parsed.data.body, "body", delivery, 1) };
    }

    if (record.EventSource === "aws:sns") {
      const sns = isObject(record.Sns) ? record.Sns : undefined;
      const messageId = messageIdOf(sns?.MessageId);
      const parsed = SnsRecordSchema.safeParse(record);
      if (!parsed.success) {
        return { index, messageId, result: invalid("SNS record", parsed.error, record) };
      }
      const arn = parseArn(parsed.data.Sns.TopicArn);
      const delivery: Delivery = {
        wrappers: ["SNS"],
        messageId: parsed.data.Sns.MessageId,
        region: arn?.region,
        account: arn?.account,
        now,
      };
      return { index, messageId, result: fromJsonText(parsed.data.Sns.Message, "Sns.Message", delivery, 1) };
    }

    return {
      index,
      result: rejection(
        "unsupported",
        `expected an SQS record (eventSource "aws:sqs") or an SNS record (EventSource "aws:sns"), ` +
          `got eventSource ${describe(record.eventSource ?? record.EventSource)}`,
      ),
    };
  } catch (error) {
    return { index, result: unreadable(error) };
  }
}

function fromJsonText(text: string, field: string, delivery: Delivery, depth: number): NormalizeResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return rejection("malformed", `${field}: expected a JSON document, got ${describe(text)}`);
  }
  const result = fromValue(value, delivery, depth);
  if (result.ok) return result;
  return rejection(result.error.kind, `${field}: ${result.error.reason}`);
}

function fromValue(value: unknown, delivery: Delivery, depth: number): NormalizeResult {
  if (depth > MAX_ENVELOPE_DEPTH) {
    return rejection(
      "unsupported",
      `envelopes nested more than ${MAX_ENVELOPE_DEPTH} deep; AWS never sends that`,
    );
  }
  if (!isObject(value)) {
    return rejection("malformed", `expected a JSON object (${SUPPORTED_SHAPES}), got ${describe(value)}`);
  }
  if ("Records" in value) {
    return rejection("unsupported", "a Records[] batch inside a message body is not a supported delivery");
  }
  if ("detail-type" in value || ("source" in value && "detail" in value)) {
    return fromEventBridge(value, delivery);
  }
  if (value.Type === "Notification" && "Message" in value) {
    return fromSnsNotification(value, delivery, depth);
  }
  if (value.homeostat === "deferred") return fromDeferredPayload(value);
  if ("homeostat" in value) return fromSchedulePayload(value, delivery);
  if ("AlarmName" in value && "NewStateValue" in value) return fromSnsAlarmMessage(value, delivery);
  if ("LifecycleTransition" in value || "LifecycleActionToken" in value || "Event" in value) {
    return fromLifecycleMessage(value, delivery);
  }
  return rejection(
    "unsupported",
    `unrecognised input with keys ${describeKeys(value)}; expected ${SUPPORTED_SHAPES}`,
  );
}

function fromSnsNotification(
  value: Record<string, unknown>,
  delivery: Delivery,
  depth: number,
): NormalizeResult {
  const parsed = SnsSqsNotificationSchema.safeParse(value);
  if (!parsed.success) return invalid("SNS notification", parsed.error, value);
  const arn = parseArn(parsed.data.TopicArn);
  return fromJsonText(
    parsed.data.Message,
    "Message",
    {
      ...delivery,
      wrappers: [...delivery.wrappers, "SNS"],
      messageId: parsed.data.MessageId,
      region: arn?.region ?? delivery.region,
      account: arn?.account ?? delivery.account,
    },
    depth + 1,
  );
}

// ------------------------------------------------------------------------------------------ EventBridge

type EventBridgeEvent = z.infer<typeof EventBridgeEnvelopeSchema>;

interface EventBridgeKind {
  source: string;
  read: (event: EventBridgeEvent, raw: Record<string, unknown>, delivery: Delivery) => NormalizeResult;
}

const EVENTBRIDGE_KINDS: Record<string, EventBridgeKind> = {
  "CloudWatch Alarm State Change": { source: "aws.cloudwatch", read: alarmFromEventBridge },
  "EC2 Spot Instance Interruption Warning": { source: "aws.ec2", read: spotInterruption },
  "EC2 Instance Rebalance Recommendation": { source: "aws.ec2", read: rebalanceRecommendation },
  "EC2 Instance State-change Notification": { source: "aws.ec2", read: instanceStateChange },
  "AWS Health Event": { source: "aws.health", read: healthEvent },
  "EC2 Instance-terminate Lifecycle Action": { source: "aws.autoscaling", read: lifecycleFromEventBridge },
  "EC2 Instance-launch Lifecycle Action": {
    source: "aws.autoscaling",
    read: () =>
      rejection(
        "ignored",
        "launch lifecycle hooks are not handled (only EC2_INSTANCE_TERMINATING); remove the launch hook's " +
          "rule target or the hook will wait for its timeout",
      ),
  },
};

function fromEventBridge(value: Record<string, unknown>, delivery: Delivery): NormalizeResult {
  const parsed = EventBridgeEnvelopeSchema.safeParse(value);
  if (!parsed.success) return invalid("EventBridge event", parsed.error, value);
  const event = parsed.data;
  if (!Object.hasOwn(EVENTBRIDGE_KINDS, event["detail-type"])) {
    return rejection(
      "unsupported",
      `EventBridge detail-type ${JSON.stringify(event["detail-type"])} (source ${JSON.stringify(event.source)}) ` +
        `is not handled; supported: ${Object.keys(EVENTBRIDGE_KINDS)
          .map((t) => JSON.stringify(t))
          .join(", ")}`,
    );
  }
  const kind = EVENTBRIDGE_KINDS[event["detail-type"]] as EventBridgeKind;
  // Only AWS may publish events whose source starts with "aws."; checking the source is what stops a
  // custom event that copies an AWS detail-type from draining nodes.
  if (event.source !== kind.source) {
    return rejection(
      "unsupported",
      `detail-type ${JSON.stringify(event["detail-type"])} is accepted only from source ` +
        `${JSON.stringify(kind.source)}, got ${JSON.stringify(event.source)}`,
    );
  }
  return kind.read(event, value, delivery);
}

/** `aws.ec2 via EventBridge via SQS`: the source, then each hop it took, innermost first. */
function eventOrigin(source: string, delivery: Delivery, via?: string): string {
  const hops = [...delivery.wrappers].reverse();
  return [source, ...(via ? [via] : []), ...hops].join(" via ");
}

function eventBase(event: EventBridgeEvent, delivery: Delivery) {
  return {
    id: event.id,
    time: new Date(event.time).toISOString(),
    origin: eventOrigin(event.source, delivery, "EventBridge"),
    region: event.region,
    account: event.account,
  };
}

function parseDetail<S extends z.ZodType>(
  schema: S,
  event: EventBridgeEvent,
): { ok: true; data: z.output<S> } | { ok: false; result: NormalizeResult } {
  const parsed = schema.safeParse(event.detail);
  if (parsed.success) return { ok: true, data: parsed.data };
  return {
    ok: false,
    result: invalid(`${event["detail-type"]} event`, parsed.error, event.detail, "detail"),
  };
}

function alarmFromEventBridge(
  _event: EventBridgeEvent,
  raw: Record<string, unknown>,
  delivery: Delivery,
): NormalizeResult {
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
}

function spotInterruption(event: EventBridgeEvent, _raw: unknown, delivery: Delivery): NormalizeResult {
  const detail = parseDetail(SpotInterruptionDetailSchema, event);
  if (!detail.ok) return detail.result;
  const trigger: InstanceTrigger = {
    ...eventBase(event, delivery),
    kind: "instance",
    event: "spot-interruption",
    // The resources ARN is zone-scoped (arn:aws:ec2:us-east-2a:instance/…): the id comes from detail.
    instanceId: detail.data["instance-id"],
    instanceAction: detail.data["instance-action"],
  };
  return { ok: true, triggers: [trigger] };
}

function rebalanceRecommendation(
  event: EventBridgeEvent,
  _raw: unknown,
  delivery: Delivery,
): NormalizeResult {
  const detail = parseDetail(RebalanceRecommendationDetailSchema, event);
  if (!detail.ok) return detail.result;
  const trigger: InstanceTrigger = {
    ...eventBase(event, delivery),
    kind: "instance",
    event: "rebalance-recommendation",
    instanceId: detail.data["instance-id"],
  };
  return { ok: true, triggers: [trigger] };
}

function instanceStateChange(event: EventBridgeEvent, _raw: unknown, delivery: Delivery): NormalizeResult {
  const detail = parseDetail(InstanceStateChangeDetailSchema, event);
  if (!detail.ok) return detail.result;
  const trigger: InstanceTrigger = {
    ...eventBase(event, delivery),
    kind: "instance",
    event: "instance-state-change",
    instanceId: detail.data["instance-id"],
    state: detail.data.state,
  };
  return { ok: true, triggers: [trigger] };
}

function healthEvent(event: EventBridgeEvent, _raw: unknown, delivery: Delivery): NormalizeResult {
  if (!isObject(event.detail)) {
    return rejection(
      "malformed",
      `AWS Health Event detail: expected an object, got ${describe(event.detail)}`,
    );
  }
  const { service, eventTypeCategory, eventTypeCode } = event.detail;
  if (service !== "EC2" || eventTypeCategory !== "scheduledChange") {
    return rejection(
      "ignored",
      `AWS Health event ${describe(eventTypeCode)} (service ${describe(service)}, category ` +
        `${describe(eventTypeCategory)}): only service "EC2" with eventTypeCategory "scheduledChange" is acted on`,
    );
  }
  const detail = parseDetail(HealthDetailSchema, event);
  if (!detail.ok) return detail.result;
  const base = eventBase(event, delivery);
  const triggers: InstanceTrigger[] = [];
  const skipped: string[] = [];
  const seen = new Set<string>();
  for (const { entityValue } of detail.data.affectedEntities) {
    if (!isInstanceId(entityValue)) {
      skipped.push(entityValue);
      continue;
    }
    if (seen.has(entityValue)) continue;
    seen.add(entityValue);
    const window: NonNullable<InstanceTrigger["window"]> = {
      start: detail.data.startTime,
      healthEventArn: detail.data.eventArn,
      eventTypeCode: detail.data.eventTypeCode,
    };
    if (detail.data.endTime !== undefined) window.end = detail.data.endTime;
    triggers.push({
      ...base,
      id: `${event.id}#${entityValue}`,
      kind: "instance",
      event: "scheduled-maintenance",
      instanceId: entityValue,
      window,
    });
  }
  const skippedNote = skipped.length
    ? `affected entities that are not EC2 instance ids were skipped: ${skipped
        .slice(0, 5)
        .map((s) => JSON.stringify(s))
        .join(", ")}${skipped.length > 5 ? ` and ${skipped.length - 5} more` : ""}`
    : undefined;
  if (triggers.length === 0) {
    return rejection(
      "ignored",
      `AWS Health event ${detail.data.eventTypeCode} names no EC2 instance: ${skippedNote}`,
    );
  }
  return withWarnings(triggers, skippedNote ? [skippedNote] : []);
}

type LifecycleAction = z.infer<typeof LifecycleActionSchema>;

function lifecycleFields(action: LifecycleAction): NonNullable<InstanceTrigger["lifecycle"]> {
  const lifecycle: NonNullable<InstanceTrigger["lifecycle"]> = {
    autoScalingGroupName: action.AutoScalingGroupName,
    lifecycleHookName: action.LifecycleHookName,
    lifecycleActionToken: action.LifecycleActionToken,
  };
  if (action.Destination !== undefined) lifecycle.destination = action.Destination;
  if (action.Origin !== undefined) lifecycle.origin = action.Origin;
  if (action.NotificationMetadata !== undefined) lifecycle.notificationMetadata = action.NotificationMetadata;
  return lifecycle;
}

function lifecycleFromEventBridge(
  event: EventBridgeEvent,
  _raw: unknown,
  delivery: Delivery,
): NormalizeResult {
  const detail = parseDetail(LifecycleActionSchema, event);
  if (!detail.ok) return detail.result;
  const trigger: InstanceTrigger = {
    ...eventBase(event, delivery),
    kind: "instance",
    event: "asg-terminate",
    instanceId: detail.data.EC2InstanceId,
    lifecycle: lifecycleFields(detail.data),
  };
  return { ok: true, triggers: [trigger] };
}

// ------------------------------------------------------------------------------------------ bare messages

function fromLifecycleMessage(value: Record<string, unknown>, delivery: Delivery): NormalizeResult {
  if (value.Event === TEST_NOTIFICATION_EVENT) {
    return rejection(
      "ignored",
      `Auto Scaling test notification for ${describe(value.AutoScalingGroupName)} (sent when a hook's target is set up)`,
    );
  }
  if (
    !("LifecycleTransition" in value) &&
    typeof value.Event === "string" &&
    value.Event.startsWith("autoscaling:")
  ) {
    return rejection(
      "unsupported",
      `Auto Scaling notification ${JSON.stringify(value.Event)} is not a lifecycle hook; Homeostat handles ` +
        `${TERMINATING_TRANSITION} lifecycle hooks`,
    );
  }
  if (value.LifecycleTransition === "autoscaling:EC2_INSTANCE_LAUNCHING") {
    return rejection(
      "ignored",
      "launch lifecycle hooks are not handled (only EC2_INSTANCE_TERMINATING); point only terminate hooks at Homeostat",
    );
  }
  if (!("LifecycleTransition" in value) && !("LifecycleActionToken" in value)) {
    return rejection(
      "unsupported",
      `unrecognised input with keys ${describeKeys(value)}; expected ${SUPPORTED_SHAPES}`,
    );
  }
  const parsed = LifecycleQueueMessageSchema.safeParse(value);
  if (!parsed.success) return invalid("Auto Scaling lifecycle hook message", parsed.error, value);
  const message = parsed.data;
  const trigger: InstanceTrigger = {
    // RequestId is Auto Scaling's own id for the action; the envelope id and the token are fallbacks.
    id: message.RequestId ?? delivery.messageId ?? `lifecycle:${message.LifecycleActionToken}`,
    time: message.Time ?? delivery.now.toISOString(),
    origin: eventOrigin("aws.autoscaling", delivery),
    region: delivery.region,
    account: message.AccountId ?? delivery.account,
    kind: "instance",
    event: "asg-terminate",
    instanceId: message.EC2InstanceId,
    lifecycle: lifecycleFields(message),
  };
  return { ok: true, triggers: [dropUndefined(trigger)] };
}

function fromSnsAlarmMessage(value: Record<string, unknown>, delivery: Delivery): NormalizeResult {
  const parsed = SnsAlarmMessageSchema.safeParse(value);
  if (!parsed.success) return invalid("CloudWatch alarm SNS message", parsed.error, value);
  const message = parsed.data;
  const trigger = message.Trigger ?? undefined;
  if (message.AlarmRule === undefined && !trigger?.MetricName && !trigger?.Metrics?.length) {
    return rejection(
      "malformed",
      "CloudWatch alarm SNS message: expected Trigger.MetricName (metric alarm), Trigger.Metrics (metric-math " +
        "alarm) or AlarmRule (composite alarm)",
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
  const origin = eventOrigin("aws.cloudwatch", delivery);
  const result = alarmTrigger({
    base: {
      id:
        delivery.messageId ??
        `alarm:${message.AlarmName}:${message.NewStateValue}:${message.StateChangeTime}`,
      time: message.StateChangeTime,
      origin,
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
}

/**
 * A deferred run: the original trigger again, with an id of its own (`#deferred@<time>`) so neither the
 * first delivery's claim nor an earlier deferred run of the same event (two policies with different
 * lead times) blocks it.
 */
function fromDeferredPayload(value: Record<string, unknown>): NormalizeResult {
  const parsed = DeferredPayloadSchema.safeParse(value);
  if (!parsed.success) return invalid("Homeostat deferred run", parsed.error, value);
  const trigger = parsed.data.trigger as Trigger;
  const original = trigger.id.replace(/#deferred(@.*)?$/, "");
  const id = `${original}#deferred${parsed.data.at ? `@${parsed.data.at}` : ""}`;
  return { ok: true, triggers: [{ ...trigger, id, origin: `${trigger.origin}, deferred by aws.scheduler` }] };
}

function fromSchedulePayload(value: Record<string, unknown>, delivery: Delivery): NormalizeResult {
  const parsed = SchedulePayloadSchema.safeParse(value);
  if (!parsed.success) return invalid("Homeostat schedule payload", parsed.error, value);
  const payload = parsed.data;
  // Without scheduledTime or executionId, redeliveries of one firing cannot be told apart from the next
  // firing; the envelope id (SQS) still dedupes redeliveries, and `now` is the last resort.
  const firing = payload.scheduledTime ?? delivery.messageId ?? delivery.now.toISOString();
  const trigger: ScheduleTrigger = {
    id: payload.executionId ?? `schedule:${payload.policy}:${payload.entry}:${firing}`,
    time: payload.scheduledTime ?? delivery.now.toISOString(),
    origin: eventOrigin("aws.scheduler", delivery),
    region: delivery.region,
    account: delivery.account,
    kind: "schedule",
    policy: payload.policy,
    entry: payload.entry,
    scheduledTime: payload.scheduledTime,
  };
  return { ok: true, triggers: [dropUndefined(trigger)] };
}

// ------------------------------------------------------------------------------------------ alarms

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

// ------------------------------------------------------------------------------------------ helpers

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function rejection(kind: NormalizeError["kind"], reason: string): NormalizeResult {
  return { ok: false, error: { kind, reason, retryable: false } };
}

function unreadable(error: unknown): NormalizeResult {
  const message = error instanceof Error ? error.message : String(error);
  return rejection(
    "malformed",
    `input could not be read (internal error: ${message}); report this with the event`,
  );
}

function withWarnings(triggers: Trigger[], warnings: string[]): NormalizeResult {
  return warnings.length ? { ok: true, triggers, warnings } : { ok: true, triggers };
}

function recordLabel(record: RecordResult): string {
  return record.messageId === undefined
    ? `Records[${record.index}]`
    : `Records[${record.index}] (messageId ${record.messageId})`;
}

/** Optional trigger fields are left out rather than set to undefined (clean JSON, exact equality in tests). */
function dropUndefined<T extends object>(value: T): T {
  for (const key of Object.keys(value) as (keyof T)[]) {
    if (value[key] === undefined) delete value[key];
  }
  return value;
}

/** A zod failure as `path: problem (got value)`, at most three, with the field's place in the input. */
function invalid(what: string, error: z.ZodError, input: unknown, pathPrefix?: string): NormalizeResult {
  const issues = error.issues.slice(0, 3).map((issue) => {
    const path = issue.path.filter((p): p is string | number => typeof p !== "symbol");
    const got = valueAt(input, path);
    const shown = [pathPrefix, formatPath(path)].filter(Boolean).join(".") || "(top level)";
    if (got === undefined && issue.code === "invalid_type")
      return `${shown}: missing (expected ${issue.expected})`;
    const showGot = got !== undefined && typeof got !== "object" && !issue.message.includes("received");
    return `${shown}: ${issue.message}${showGot ? ` (got ${describe(got)})` : ""}`;
  });
  const more = error.issues.length > 3 ? `; and ${error.issues.length - 3} more problem(s)` : "";
  return rejection("malformed", `${what}: ${issues.join("; ")}${more}`);
}

function formatPath(path: (string | number)[]): string {
  let text = "";
  for (const part of path) text += typeof part === "number" ? `[${part}]` : text ? `.${part}` : part;
  return text;
}

function valueAt(input: unknown, path: (string | number)[]): unknown {
  let current = input;
  for (const part of path) {
    if (typeof current !== "object" || current === null || !Object.hasOwn(current, part)) return undefined;
    current = (current as Record<string | number, unknown>)[part];
  }
  return current;
}

/** A short, safe rendering of a value for a reason string. */
function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === "object") return "an object";
  if (typeof value === "string") {
    const shown = value.length > 60 ? `${value.slice(0, 60)}…` : value;
    return JSON.stringify(shown);
  }
  if (typeof value === "bigint" || typeof value === "symbol" || typeof value === "function")
    return typeof value;
  return String(value);
}

function describeKeys(value: Record<string, unknown>): string {
  const keys = Object.keys(value);
  if (keys.length === 0) return "(none)";
  const shown = keys.slice(0, 8).map((k) => JSON.stringify(k.length > 40 ? `${k.slice(0, 40)}…` : k));
  return `${shown.join(", ")}${keys.length > 8 ? ` and ${keys.length - 8} more` : ""}`;
}

function parseArn(arn: string): { region?: string; account?: string } | undefined {
  const parts = arn.split(":");
  if (parts[0] !== "arn" || parts.length < 6) return undefined;
  const result: { region?: string; account?: string } = {};
  if (parts[3]) result.region = parts[3];
  if (parts[4]) result.account = parts[4];
  return result;
}
