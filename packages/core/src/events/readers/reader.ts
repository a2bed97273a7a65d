/**
 * The reader contract: what a reader is handed once the envelopes are unwrapped (the delivery, and
 * for EventBridge the validated envelope), what it declares it reads, and the helpers readers share.
 */
import * as z from "zod";
import { NonEmptyIdSchema, unread } from "../fields.ts";
import type { NormalizeResult } from "../result.ts";
import type { InstanceTrigger } from "../trigger.ts";
import { invalid } from "../zod-errors.ts";

/**
 * The EventBridge envelope (Powertools Parser's shape, ours for the reason in envelopes.ts) with a
 * non-empty `id` (it becomes the idempotency key). Strict about what is read (id, source, detail-type,
 * detail, time, account, region); `version` is read by nothing and `resources` only by the alarm reader
 * (its ARN, when there is one), so neither is required.
 */
export const EventBridgeEnvelopeSchema = z.object({
  ...unread("version"),
  id: NonEmptyIdSchema,
  source: z.string(),
  account: z.string(),
  time: z.iso.datetime(),
  region: z.string(),
  resources: z.array(z.string()).optional().default([]),
  "detail-type": z.string(),
  detail: z.unknown(),
  ...unread("replay-name"),
});

export type EventBridgeEvent = z.output<typeof EventBridgeEnvelopeSchema>;

/** How a message reached us: what a trigger without ids, times or places of its own takes. */
export interface Delivery {
  /** Wrappers from outermost to innermost, for `origin` (`SQS`, `SNS`). */
  wrappers: string[];
  /** The innermost envelope's message id: the id a trigger without its own takes. */
  messageId?: string;
  region?: string;
  account?: string;
  now: Date;
}

/** Reads the EventBridge events of one `detail-type` (from its source reader's `source` only). */
export interface EventReader {
  detailType: string;
  /** `event` is the validated envelope; `raw` the event as it came, for readers that validate it whole. */
  read(event: EventBridgeEvent, raw: Record<string, unknown>, delivery: Delivery): NormalizeResult;
}

/** Reads a message that arrives without an EventBridge envelope (straight to SQS, or inside SNS). */
export interface MessageReader {
  /** The shape it reads, for people: listed when no reader accepts an input. */
  shape: string;
  /** Whether `value` has this reader's shape; the first reader that accepts it reads (or rejects) it. */
  accepts(value: Record<string, unknown>): boolean;
  read(value: Record<string, unknown>, delivery: Delivery): NormalizeResult;
}

/** Everything normalize reads from one source: its EventBridge events and its bare messages. */
export interface SourceReader {
  /**
   * The EventBridge `source` its events must come from. Only AWS may publish `aws.*` sources, so this
   * is what stops a custom event that copies an AWS detail-type from draining nodes.
   */
  source: string;
  events: readonly EventReader[];
  messages: readonly MessageReader[];
}

/** `aws.ec2 via EventBridge via SQS`: the source, then each hop it took, innermost first. */
export function eventOrigin(source: string, delivery: Delivery, via?: string): string {
  const hops = [...delivery.wrappers].reverse();
  return [source, ...(via ? [via] : []), ...hops].join(" via ");
}

/** The trigger fields an EventBridge event gives every trigger made from it. */
export function eventBase(event: EventBridgeEvent, delivery: Delivery) {
  return {
    id: event.id,
    time: new Date(event.time).toISOString(),
    origin: eventOrigin(event.source, delivery, "EventBridge"),
    region: event.region,
    account: event.account,
  };
}

/** The event's `detail` through `schema`, or the rejection naming the field (`detail.…`). */
export function parseDetail<S extends z.ZodType>(
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

/** The fields an instance event's detail gives its trigger (the envelope gives the rest). */
export type InstanceEventFields = Omit<
  InstanceTrigger,
  "id" | "time" | "origin" | "region" | "account" | "kind"
>;

/**
 * The reader of an EventBridge event about one instance: `detail` through `schema`, then one
 * instance trigger with the envelope's fields and what `fields` takes from the detail.
 */
export function instanceEventReader<S extends z.ZodType>(
  detailType: string,
  schema: S,
  fields: (detail: z.output<S>) => InstanceEventFields,
): EventReader {
  return {
    detailType,
    read(event, _raw, delivery) {
      const detail = parseDetail(schema, event);
      if (!detail.ok) return detail.result;
      const trigger: InstanceTrigger = {
        ...eventBase(event, delivery),
        kind: "instance",
        ...fields(detail.data),
      };
      return { ok: true, triggers: [trigger] };
    },
  };
}

export function parseArn(arn: string): { region?: string; account?: string } | undefined {
  const parts = arn.split(":");
  if (parts[0] !== "arn" || parts.length < 6) return undefined;
  const result: { region?: string; account?: string } = {};
  if (parts[3]) result.region = parts[3];
  if (parts[4]) result.account = parts[4];
  return result;
}
