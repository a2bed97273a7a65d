/**
 * normalize: every supported input → `Trigger[]`, or a rejection with a reason a person can act on.
 *
 * The envelopes (envelopes.ts) are unwrapped as deep as they nest, and the message inside is read by
 * the reader of its source (readers/: CloudWatch alarms, EC2, AWS Health, Auto Scaling, Homeostat's
 * own payloads). A Lambda SQS / SNS event (`Records[]`) is read record by record, see `normalizeBatch`.
 * No I/O, and no input makes it throw: rejections are values (the fuzz test holds it to that).
 */
import { readRecord, readValue } from "./envelopes.ts";
import {
  describe,
  isObject,
  type NormalizeError,
  type NormalizeOptions,
  type NormalizeResult,
  type RecordResult,
  rejection,
  unreadable,
  withWarnings,
} from "./result.ts";
import type { Trigger } from "./trigger.ts";

export type { NormalizeError, NormalizeOptions, NormalizeResult, RecordResult } from "./result.ts";

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
    return rejection(
      failure.error.kind,
      `${recordLabel(failure.record)}: ${failure.error.reason}`,
      failure.error.field,
    );
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
    if (!isBatch(input)) {
      return [{ index: 0, result: readValue(input, { wrappers: [], now }, 0) }];
    }
    const records = input.Records;
    if (!Array.isArray(records)) {
      return [
        {
          index: 0,
          result: rejection("malformed", `Records: expected an array, got ${describe(records)}`, "Records"),
        },
      ];
    }
    if (records.length === 0) {
      return [
        {
          index: 0,
          result: rejection("malformed", "Records: expected at least one record, got none", "Records"),
        },
      ];
    }
    return records.map((record: unknown, index) => readRecord(record, index, now));
  } catch (error) {
    return [{ index: 0, result: unreadable(error) }];
  }
}

function isBatch(input: unknown): input is { Records: unknown } {
  return isObject(input) && "Records" in input;
}

function recordLabel(record: RecordResult): string {
  return record.messageId === undefined
    ? `Records[${record.index}]`
    : `Records[${record.index}] (messageId ${record.messageId})`;
}
