// Undo from Slack: a result's Undo button — on the notify stage's messages and on this endpoint's own
// replies alike — carries only the id of the result's audit record (a button cannot carry an action);
// the record in the audit log is authoritative: its `undo` is what runs, on its cluster. The click runs
// the undo as a command of the clicker's — the same authorization and guard as any command — under a
// trigger id of the record's, so a second click (or a redelivered job) finds it already handled and
// acts once.
import { formatTarget } from "../../command/index.ts";
import { describeTarget } from "../../domain/target.ts";
import type { UndoAction } from "../../domain/verb.ts";
import { type VerbRequest, verbCommandArgs } from "../../domain/verbs/index.ts";
import { type AuditRecord, defaultAuditRetentionDays } from "../../state/audit-log.ts";
import { SLACK_TRIGGER_ID_PREFIX } from "../incident.ts";

/** The undo as a command of the grammar: `scale shop/web 3`, `uncordon ip-10-0-1-2`. */
export function undoCommandText(undo: UndoAction): string {
  // an undo is the registry's own verb, target and params: TypeScript cannot pair them through the union
  const request = { verb: undo.verb, target: undo.target, params: undo.params } as VerbRequest;
  return [undo.verb, formatTarget(undo.target), ...verbCommandArgs(request)].join(" ");
}

/** The command trigger id of the undo of audit record `id`: a second click is the same trigger. */
export const undoTriggerId = (id: string) => `${SLACK_TRIGGER_ID_PREFIX}undo#${id}`;

/** What an Undo click of audit record `id` runs, or why nothing does. */
export type UndoPlan =
  | { kind: "undo"; cluster: string; text: string; undoes: string }
  | { kind: "refused"; reason: string };

/** Reads the audit record an Undo button names (`record`: what the audit log holds for `id`). */
export function undoPlanOf(
  id: string,
  record: AuditRecord | undefined,
  /** The clusters this deployment serves. */
  served: readonly string[],
): UndoPlan {
  if (!record) {
    return {
      kind: "refused",
      reason: `no audit record ${id} (the audit log keeps records ${defaultAuditRetentionDays} days): nothing ran`,
    };
  }
  const what = `${record.verb} ${describeTarget(record.target)}`;
  if (!record.undo) {
    return {
      kind: "refused",
      reason: `the audit record of ${what} has no undo (it changed nothing, or its verb cannot be undone): nothing ran`,
    };
  }
  if (record.cluster === undefined || !served.includes(record.cluster)) {
    return {
      kind: "refused",
      reason: `the audit record of ${what} is for cluster ${record.cluster ?? "(unnamed)"}, which this deployment does not serve (it serves ${served.join(", ")}): nothing ran`,
    };
  }
  return { kind: "undo", cluster: record.cluster, text: undoCommandText(record.undo), undoes: what };
}
