// What the notify function receives, read at the edge: Homeostat's result events (from its FIFO queue,
// or straight from EventBridge) and CloudWatch alarm state changes (an alarm back to OK resolves its
// thread even when no policy acts on OK).
import * as z from "zod";
import { normalizeBatch } from "../events/normalize.ts";
import type { AlarmTrigger } from "../events/trigger.ts";
import { TriggerSchema } from "../events/trigger-schema.ts";
import type { AuditRecord } from "../state/audit-log.ts";

/** The result bus's detail types (record/event-bus.ts publishes them). */
const resultDetailTypes = new Set(["Homeostat Action Result", "Homeostat Action Skipped"]);

/**
 * The fields of an audit record the notifier reads; the rest is kept as sent (lenient about what
 * nothing reads, so a newer publisher does not break an older notifier).
 */
const resultDetailSchema = z.looseObject({
  id: z.string().min(1),
  time: z.iso.datetime({ offset: true }),
  trigger: z.looseObject({
    id: z.string().min(1),
    kind: z.enum(["alarm", "instance", "schedule", "rollout-stalled", "command"]),
    summary: z.string(),
    detail: TriggerSchema.optional(),
  }),
  cluster: z.string().optional(),
  policy: z.string(),
  actor: z.string(),
  verb: z.string().min(1),
  target: z.looseObject({ kind: z.string() }),
  dryRun: z.boolean(),
  ok: z.boolean(),
  changed: z.boolean(),
  message: z.string(),
  warnings: z.array(z.string()).default([]),
  durationMs: z.number(),
  apiRequests: z.number().default(0),
  skippedReason: z.string().optional(),
  skippedBy: z.string().optional(),
  approvalId: z.string().optional(),
});

const eventBridgeSchema = z.looseObject({
  id: z.string().optional(),
  source: z.string(),
  "detail-type": z.string(),
  detail: z.unknown(),
});

export type InboxEvent =
  | { kind: "result"; record: AuditRecord }
  | { kind: "alarm-ok"; trigger: AlarmTrigger }
  /** Nothing to tell (an alarm going to ALARM: its results will say what was done). */
  | { kind: "ignored"; reason: string }
  /** Never retried: the same bytes fail the same way. */
  | { kind: "malformed"; reason: string };

export type InboxItem = { messageId?: string } & InboxEvent;

function readEvent(event: unknown, now: Date): InboxEvent {
  const envelope = eventBridgeSchema.safeParse(event);
  if (!envelope.success) return { kind: "malformed", reason: "not an EventBridge event" };
  const { source } = envelope.data;
  const detailType = envelope.data["detail-type"];
  if (source === "homeostat" && resultDetailTypes.has(detailType)) {
    const detail = resultDetailSchema.safeParse(envelope.data.detail);
    if (!detail.success) {
      return { kind: "malformed", reason: `result event detail: ${z.prettifyError(detail.error)}` };
    }
    // before/after are whatever the verb reported (absent when the event was truncated to fit)
    return { kind: "result", record: { before: undefined, after: undefined, ...detail.data } as AuditRecord };
  }
  if (source === "aws.cloudwatch" && detailType === "CloudWatch Alarm State Change") {
    const [read] = normalizeBatch(event, { now });
    if (!read) return { kind: "malformed", reason: "unreadable alarm event" };
    if (!read.result.ok) return { kind: "malformed", reason: read.result.error.reason };
    const trigger = read.result.triggers[0];
    if (trigger?.kind !== "alarm") return { kind: "malformed", reason: "not an alarm state change" };
    return trigger.state === "OK"
      ? { kind: "alarm-ok", trigger }
      : { kind: "ignored", reason: `alarm ${trigger.alarmName} went to ${trigger.state}` };
  }
  return { kind: "ignored", reason: `not for the notifier: ${source} / ${detailType}` };
}

const sqsSchema = z.object({
  Records: z.array(
    z.looseObject({ messageId: z.string(), body: z.string(), eventSource: z.literal("aws:sqs") }),
  ),
});

/** The items of one delivery, in order: each SQS record's body, or the EventBridge event itself. */
export function readInbox(event: unknown, now = new Date()): InboxItem[] {
  const sqs = sqsSchema.safeParse(event);
  if (!sqs.success) return [readEvent(event, now)];
  return sqs.data.Records.map((record): InboxItem => {
    let body: unknown;
    try {
      body = JSON.parse(record.body);
    } catch {
      return { messageId: record.messageId, kind: "malformed", reason: "the message body is not JSON" };
    }
    return { messageId: record.messageId, ...readEvent(body, now) };
  });
}
