// What a handler returns and logs: per trigger and cluster, what ran and what was skipped, and why.
import { targetKey } from "../domain/target.ts";
import type { NormalizeError } from "../events/normalize.ts";
import type { RecordOutcome, TriggerOutcome } from "./pipeline.ts";

export interface ActionSummary {
  policy: string;
  verb: string;
  /** `deployment/shop/checkout`, `node/ip-…` (`targetKey`). */
  target: string;
  ok: boolean;
  changed: boolean;
  dryRun: boolean;
  message: string;
}

export interface SkipSummary {
  policy: string;
  stage: string;
  reason: string;
}

/** One trigger on one cluster: what ran and what was skipped, with the reasons. */
export interface TriggerSummary {
  trigger: string;
  kind: string;
  cluster: string;
  ran: ActionSummary[];
  skipped: SkipSummary[];
}

export interface RecordSummary {
  index: number;
  messageId?: string;
  /** Why the record was rejected; it is not retried. */
  rejected?: NormalizeError;
  /** Why the record could not be handled (the cluster or the store unreachable, a bug). */
  error?: string;
  retry: boolean;
  triggers: TriggerSummary[];
}

export function summarizeOutcome(outcome: TriggerOutcome): TriggerSummary {
  return {
    trigger: outcome.trigger.id,
    kind: outcome.trigger.kind,
    cluster: outcome.cluster,
    ran: outcome.results.map(({ action, result }) => ({
      policy: action.policy,
      verb: action.verb,
      target: targetKey(action.target),
      ok: result.ok,
      changed: result.changed,
      dryRun: result.dryRun,
      message: result.message ?? "",
    })),
    skipped: outcome.guarded.skipped.map(({ policy, stage, reason }) => ({ policy, stage, reason })),
  };
}

export function summarizeRecord(record: RecordOutcome): RecordSummary {
  return {
    index: record.index,
    ...(record.messageId ? { messageId: record.messageId } : {}),
    ...(record.rejected ? { rejected: record.rejected } : {}),
    ...(record.error ? { error: record.error } : {}),
    retry: record.retry,
    triggers: record.outcomes.map(summarizeOutcome),
  };
}
