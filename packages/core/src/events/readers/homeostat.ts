/**
 * Homeostat's own payloads, tagged `homeostat: <kind>`: the Input of our EventBridge Scheduler
 * schedules (`schedule`), and of the one-time schedules that run a trigger again later (`deferred`).
 * No AWS message carries the tag, so a message with it is read here whatever else it holds.
 */
import * as z from "zod";
import { TimestampSchema } from "../fields.ts";
import { dropUndefined, type NormalizeResult } from "../result.ts";
import type { ScheduleTrigger, Trigger } from "../trigger.ts";
import { TriggerSchema } from "../trigger-schema.ts";
import { invalid } from "../zod-errors.ts";
import { type Delivery, eventOrigin, type MessageReader } from "./reader.ts";

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
 * What a deferred run delivers (runtime/aws.ts writes it as a one-time schedule's Input): the trigger
 * that asked to act later, to be decided again when the schedule fires.
 */
export const DeferredPayloadSchema = z.object({
  homeostat: z.literal("deferred"),
  version: z.literal(1),
  /** When the run was scheduled for (RFC 3339): part of the new trigger's id. */
  at: z.string().min(1).optional(),
  trigger: TriggerSchema,
});

export type DeferredPayload = z.output<typeof DeferredPayloadSchema>;

/** The Input of a one-time schedule that runs `trigger` again later (see `DeferredPayloadSchema`). */
export function deferredPayload(trigger: Trigger, at?: string): DeferredPayload {
  return { homeostat: "deferred", version: 1, ...(at ? { at } : {}), trigger };
}

function readSchedule(value: Record<string, unknown>, delivery: Delivery): NormalizeResult {
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

/**
 * A deferred run: the original trigger again, with an id of its own (`#deferred@<time>`) so neither the
 * first delivery's claim nor an earlier deferred run of the same event (two policies with different
 * lead times) blocks it.
 */
function readDeferred(value: Record<string, unknown>): NormalizeResult {
  const parsed = DeferredPayloadSchema.safeParse(value);
  if (!parsed.success) return invalid("Homeostat deferred run", parsed.error, value);
  const { trigger, at } = parsed.data;
  const original = trigger.id.replace(/#deferred(@.*)?$/, "");
  const id = `${original}#deferred${at ? `@${at}` : ""}`;
  return { ok: true, triggers: [{ ...trigger, id, origin: `${trigger.origin}, deferred by aws.scheduler` }] };
}

/** The payload kinds by tag; any other tag is read as a schedule, whose schema names what is wrong. */
const PAYLOADS = new Map<unknown, MessageReader["read"]>([
  ["schedule", readSchedule],
  ["deferred", readDeferred],
]);

export const homeostatPayloads: MessageReader = {
  shape: 'a Homeostat schedule payload (homeostat: "schedule")',
  accepts: (value) => "homeostat" in value,
  read: (value, delivery) => (PAYLOADS.get(value.homeostat) ?? readSchedule)(value, delivery),
};
