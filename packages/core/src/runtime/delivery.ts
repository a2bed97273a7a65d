// How one delivery ends, by the rules of whoever delivered it: SQS gets a partial batch response;
// EventBridge, SNS and Scheduler (Lambda's asynchronous invocation) get a throw when a retry could
// help, so Lambda delivers the event again and, after its retries, to the dead-letter queue.
import type { RecordOutcome } from "./pipeline.ts";

export type Delivery =
  /** Done: nothing to deliver again (rejected records included: the same bytes would fail the same way). */
  | { kind: "done" }
  /** From SQS: only these messages come back. */
  | { kind: "batch"; batchItemFailures: Array<{ itemIdentifier: string }> }
  /** Lambda should deliver the event again; `reason` names every failure that asked for it. */
  | { kind: "retry"; reason: string };

/** Thrown to make Lambda (or EventBridge, or Scheduler) deliver the event again: a retry can help. */
export class RetryableFailureError extends Error {
  override readonly name = "RetryableFailureError";
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function isSqsEvent(event: unknown): event is { Records: Array<{ messageId?: string }> } {
  if (!isObject(event) || !Array.isArray(event.Records)) return false;
  const first: unknown = event.Records[0];
  return isObject(first) && first.eventSource === "aws:sqs";
}

/** The id logs are correlated by: the EventBridge event id, else the first record's message id. */
export function correlationIdOf(event: unknown): string | undefined {
  if (!isObject(event)) return undefined;
  if (typeof event.id === "string") return event.id;
  if (Array.isArray(event.Records) && isObject(event.Records[0])) {
    const record = event.Records[0];
    if (typeof record.messageId === "string") return record.messageId;
    if (isObject(record.Sns) && typeof record.Sns.MessageId === "string") return record.Sns.MessageId;
  }
  if (typeof event.executionId === "string") return event.executionId;
  return undefined;
}

/** Every reason a record asks for a retry: failed actions, a hook kept pending, an unhandled record. */
function retryReasons(record: RecordOutcome): string[] {
  const reasons = record.outcomes.flatMap((outcome) => [
    ...outcome.results
      .filter(({ result }) => !result.ok && result.retryable)
      .map(
        ({ action, result }) =>
          `${outcome.cluster}: ${action.policy} ${action.verb}: ${result.message || "failed"}`,
      ),
    ...(outcome.guarded.retryLater ? [`${outcome.cluster}: ${outcome.guarded.retryLater}`] : []),
  ]);
  if (record.error) reasons.push(record.error);
  return reasons.length > 0 ? reasons : ["a transient failure (see the log)"];
}

/** How a delivery of `event` whose records came out as `records` ends. */
export function deliveryOf(event: unknown, records: readonly RecordOutcome[]): Delivery {
  if (isSqsEvent(event)) {
    // Partial batch response: only records that asked for a retry come back; a rejected record is
    // logged and counted, and deleting it is right.
    const batchItemFailures = records
      .filter((record) => record.retry && record.messageId)
      .map((record) => ({ itemIdentifier: record.messageId as string }));
    return { kind: "batch", batchItemFailures };
  }
  const retrying = records.filter((record) => record.retry);
  if (retrying.length === 0) return { kind: "done" };
  // Claims were released by the pipeline: the redelivery acts instead of being skipped as a duplicate.
  return { kind: "retry", reason: `retrying the event: ${retrying.flatMap(retryReasons).join("; ")}` };
}
