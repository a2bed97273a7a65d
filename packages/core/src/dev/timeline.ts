// The timeline `homeostat dev` prints: every trigger handled, what was decided and done, and why.
// Each result is the notify stage's text (slack/text.ts): the same message Slack shows and `homeostat
// invoke` prints, made from the audit records the record stage writes.
import type { HomeostatConfig } from "../config/schema.ts";
import { matchPolicies } from "../policy/match.ts";
import { summarizeTrigger } from "../record/audit-record.ts";
import type { RecordOutcome, TriggerOutcome } from "../runtime/pipeline.ts";
import { renderResultText } from "../slack/text.ts";
import type { AuditRecord } from "../state/audit-log.ts";

/** `20:04:05`: the local wall-clock time, which is what a person watching the terminal reads. */
export function clockTime(at: Date): string {
  return at.toTimeString().slice(0, 8);
}

/** A block of text shifted right under its timeline header. */
function indented(text: string, by: string): string {
  return text
    .split("\n")
    .map((line) => `${by}${line}`)
    .join("\n");
}

/**
 * One trigger on one cluster: a header naming it, then each of its audit records (an action that ran,
 * or one the guard held back) as the notify stage renders it, then each policy that was for this
 * trigger but planned nothing (decide's reason; those are not audit records). Policies that are not
 * for this trigger at all are counted, not listed.
 */
export function renderTimelineEntry(
  outcome: TriggerOutcome,
  records: readonly AuditRecord[],
  config: HomeostatConfig,
  at: Date,
): string {
  const { trigger, cluster } = outcome;
  const lines = [
    `${clockTime(at)}  ${summarizeTrigger(trigger)}  [${trigger.kind} ${trigger.id}, cluster ${cluster}]`,
  ];
  for (const record of records) lines.push(indented(renderResultText(record), "    "));
  const forThisTrigger = new Set(
    matchPolicies(trigger, config, cluster)
      .policies.filter((match) => match.kind !== "unmatched")
      .map((match) => match.policy.name),
  );
  let notFor = 0;
  for (const skip of outcome.guarded.skipped) {
    // a skip with an action the guard held back is one of the records above
    if (skip.stage !== "decide" && skip.action) continue;
    if (skip.stage === "decide" && !forThisTrigger.has(skip.policy)) {
      notFor++;
      continue;
    }
    lines.push(`    skipped (${skip.stage}): policy ${skip.policy}: ${skip.reason}`);
  }
  if (lines.length === 1) lines.push("    nothing to do");
  if (notFor > 0)
    lines.push(`    (${notFor} other ${notFor === 1 ? "policy is" : "policies are"} not for this trigger)`);
  if (outcome.retry) lines.push("    will be tried again: in Lambda this event would be delivered again");
  return lines.join("\n");
}

/** A record of an event delivery that was rejected or could not be handled (no trigger to show). */
export function renderRecordProblem(record: RecordOutcome, at: Date): string | undefined {
  const which = `record ${record.messageId ?? record.index}`;
  if (record.rejected) {
    return `${clockTime(at)}  rejected ${which}: ${record.rejected.kind}: ${record.rejected.reason}`;
  }
  if (record.error) {
    return `${clockTime(at)}  could not handle ${which}: ${record.error}${record.retry ? " (Lambda would deliver it again)" : ""}`;
  }
  return undefined;
}
