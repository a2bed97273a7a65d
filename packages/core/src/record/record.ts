import type { Trigger } from "../events/trigger.ts";
import type { GuardedPlan } from "../guard/types.ts";
import type { AuditRecord } from "../state/audit-log.ts";
import { auditRecordFromResult, skippedAuditRecord } from "./audit-record.ts";
import type { ResultSink } from "./sinks.ts";

/** One action that ran, as the record stage needs it. */
export interface RecordedAction {
  action: { policy: string; reason?: string };
  result: Parameters<typeof auditRecordFromResult>[0];
}

/** A sink that did not take a record: which, which record, why. */
export interface SinkFailure {
  sink: string;
  id: string;
  error: string;
}

export interface RecordReport {
  records: AuditRecord[];
  failures: SinkFailure[];
}

/**
 * The audit records of one trigger on one cluster: one per action that ran (its end time) and one
 * per action the guard held back (the decision's time). Skips by `decide` are policies that did not
 * match: they are in the plan and the log, not the audit.
 */
export function auditRecordsOf(
  trigger: Trigger,
  guarded: Pick<GuardedPlan, "skipped">,
  results: readonly RecordedAction[],
  options: { actor: string; now: Date; endedAt?: Date; cluster?: string },
): AuditRecord[] {
  const { actor, now } = options;
  const endedAt = options.endedAt ?? new Date();
  const cluster = options.cluster === undefined ? {} : { cluster: options.cluster };
  const records: AuditRecord[] = results.map(({ action, result }) =>
    auditRecordFromResult(result, {
      trigger,
      ...cluster,
      policy: action.policy,
      ...(action.reason === undefined ? {} : { reason: action.reason }),
      actor,
      time: endedAt,
    }),
  );
  for (const skip of guarded.skipped) {
    if (!skip.action || skip.stage === "decide") continue;
    records.push(
      skippedAuditRecord(skip.action, skip.reason, {
        trigger,
        ...cluster,
        policy: skip.policy,
        reason: skip.action.reason,
        actor,
        time: now,
        skippedBy: skip.stage,
        ...(skip.approvalId === undefined ? {} : { approvalId: skip.approvalId }),
      }),
    );
  }
  return records;
}

/**
 * The record stage: hands every record to every sink, in order. A sink that fails is reported and
 * the rest go on — a lost notification must never undo or repeat an action, and a full audit table
 * must not keep the result bus from hearing of it.
 */
export async function writeRecords(
  records: readonly AuditRecord[],
  sinks: readonly ResultSink[],
): Promise<RecordReport> {
  const failures: SinkFailure[] = [];
  for (const record of records) {
    for (const sink of sinks) {
      try {
        await sink.write(record);
      } catch (error) {
        failures.push({
          sink: sink.name,
          id: record.id,
          error: error instanceof Error ? error.message : String(error),
        });
      }
    }
  }
  return { records: [...records], failures };
}
