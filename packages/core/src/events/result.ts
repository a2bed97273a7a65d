/**
 * What normalize answers, and the small helpers every envelope and reader builds its answer with.
 */
import type { Trigger } from "./trigger.ts";

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
  /**
   * Where in the input the problem is, as a path from its top (`detail.instance-id`,
   * `Records[0].body.EC2InstanceId`; a hop into a JSON string such as an SQS body is a `.` too), or
   * `(top level)` when it is the input as a whole. The reason names it too.
   */
  field: string;
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

/** The input as a whole, when no one field is at fault. */
export const TOP_LEVEL = "(top level)";

export function rejection(kind: NormalizeError["kind"], reason: string, field: string): NormalizeResult {
  return { ok: false, error: { kind, reason, field, retryable: false } };
}

/** `field` as seen from the value that holds it at `at` (`body`, `Records[2]`). */
export function fieldWithin(at: string, field: string): string {
  if (field === TOP_LEVEL) return at;
  return field.startsWith("[") ? `${at}${field}` : `${at}.${field}`;
}

export function unreadable(error: unknown): NormalizeResult {
  const message = error instanceof Error ? error.message : String(error);
  return rejection(
    "malformed",
    `input could not be read (internal error: ${message}); report this with the event`,
    TOP_LEVEL,
  );
}

export function withWarnings(triggers: Trigger[], warnings: string[]): NormalizeResult {
  return warnings.length ? { ok: true, triggers, warnings } : { ok: true, triggers };
}

/** Optional trigger fields are left out rather than set to undefined (clean JSON, exact equality in tests). */
export function dropUndefined<T extends object>(value: T): T {
  for (const key of Object.keys(value) as (keyof T)[]) {
    if (value[key] === undefined) delete value[key];
  }
  return value;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A short, safe rendering of a value for a reason string. */
export function describe(value: unknown): string {
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

export function describeKeys(value: Record<string, unknown>): string {
  const keys = Object.keys(value);
  if (keys.length === 0) return "(none)";
  const shown = keys.slice(0, 8).map((k) => JSON.stringify(k.length > 40 ? `${k.slice(0, 40)}…` : k));
  return `${shown.join(", ")}${keys.length > 8 ? ` and ${keys.length - 8} more` : ""}`;
}
