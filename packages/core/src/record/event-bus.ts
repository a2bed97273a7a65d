import {
  type EventBridgeClient,
  PutEventsCommand,
  type PutEventsCommandOutput,
  type PutEventsRequestEntry,
} from "@aws-sdk/client-eventbridge";
import type { AuditRecord } from "../state/audit-log.ts";
import { AuditPublishError } from "./errors.ts";

/** `source` of every event Homeostat publishes: match it in an EventBridge rule to consume results. */
export const resultEventSource = "homeostat";

export const resultDetailTypes = {
  /** An action ran (or was dry-run), successfully or not. */
  result: "Homeostat Action Result",
  /** The guard skipped a planned action (`skippedReason` says why). */
  skipped: "Homeostat Action Skipped",
} as const;

/**
 * The event detail: the audit record, flagged when `before`/`after` were dropped to fit EventBridge's
 * entry size limit (the full record stays in the state store).
 */
export type ResultEventDetail = AuditRecord & { truncated?: true };

/** EventBridge rejects entries over 256 KB; leave room for the envelope fields. */
const maxDetailBytes = 240 * 1024;

const retryableCodes = new Set([
  "ThrottlingException",
  "InternalFailure",
  "InternalException",
  "ServiceUnavailable",
]);

/** The PutEvents entry for one audit record (pure; exported for tests and batching callers). */
export function resultEventEntry(busName: string, record: AuditRecord): PutEventsRequestEntry {
  let detail = JSON.stringify(record);
  if (Buffer.byteLength(detail, "utf8") > maxDetailBytes) {
    const { before: _before, after: _after, ...rest } = record;
    const slim: ResultEventDetail = { ...rest, before: undefined, after: undefined, truncated: true };
    detail = JSON.stringify(slim);
  }
  return {
    EventBusName: busName,
    Source: resultEventSource,
    DetailType: record.skippedReason === undefined ? resultDetailTypes.result : resultDetailTypes.skipped,
    Detail: detail,
    Time: new Date(record.time),
  };
}

/**
 * Publishes one audit record on the project's bus, for notification and for anyone else to consume.
 * Throws `AuditPublishError` when EventBridge refuses the call or the entry (PutEvents reports
 * per-entry failures in a successful response, so `FailedEntryCount` is checked).
 *
 * @example
 * ```ts
 * const { eventId } = await publishResult(new EventBridgeClient({}), Resource.Bus.name, record);
 * ```
 */
export async function publishResult(
  client: EventBridgeClient,
  busName: string,
  record: AuditRecord,
): Promise<{ eventId: string }> {
  let output: PutEventsCommandOutput;
  try {
    output = await client.send(new PutEventsCommand({ Entries: [resultEventEntry(busName, record)] }));
  } catch (error) {
    const name = error instanceof Error ? error.name : "Error";
    throw new AuditPublishError(
      `Publishing audit record ${record.id} to event bus "${busName}" failed (${name}: ${
        error instanceof Error ? error.message : String(error)
      }). Check that the bus exists and the function's role may call events:PutEvents on it.`,
      { busName, errorCode: name, retryable: retryableCodes.has(name), cause: error },
    );
  }
  const entry = output.Entries?.[0];
  if ((output.FailedEntryCount ?? 0) > 0 || !entry?.EventId) {
    const errorCode = entry?.ErrorCode;
    throw new AuditPublishError(
      `Event bus "${busName}" rejected audit record ${record.id}: ${errorCode ?? "no event id returned"}${
        entry?.ErrorMessage ? ` (${entry.ErrorMessage})` : ""
      }. ${errorCode !== undefined && retryableCodes.has(errorCode) ? "Retry later." : "Check the bus name and the role's events:PutEvents permission."}`,
      { busName, errorCode, retryable: errorCode !== undefined && retryableCodes.has(errorCode) },
    );
  }
  return { eventId: entry.EventId };
}
