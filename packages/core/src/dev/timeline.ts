// The timeline `homeostat dev` prints: every trigger handled, what was decided and done, and why.
// Rendered from the handler summaries (runtime/summary.ts) for now; `renderTimelineEntry` is the one
// place to switch to the notify stage's text (slack/text.ts) once it exists.
import type { HomeostatConfig } from "../config/schema.ts";
import { matchPolicies } from "../policy/match.ts";
import { summarizeTrigger } from "../record/audit-record.ts";
import type { RecordOutcome, TriggerOutcome } from "../runtime/pipeline.ts";
import { summarizeOutcome } from "../runtime/summary.ts";

/** `20:04:05`: the local wall-clock time, which is what a person watching the terminal reads. */
export function clockTime(at: Date): string {
  return at.toTimeString().slice(0, 8);
}

/**
 * One trigger on one cluster: a header naming it, then each action that ran (with its result and the
 * policy's reason) and each policy that was for this trigger but did not act (with the guard's or
 * decide's reason). Policies that are not for this trigger at all are counted, not listed.
 */
export function renderTimelineEntry(outcome: TriggerOutcome, config: HomeostatConfig, at: Date): string {
  const summary = summarizeOutcome(outcome);
  const lines = [
    `${clockTime(at)}  ${summarizeTrigger(outcome.trigger)}  [${summary.kind} ${summary.trigger}, cluster ${summary.cluster}]`,
  ];
  summary.ran.forEach((action, index) => {
    const mark = !action.ok ? "FAILED" : action.dryRun ? "dry run" : action.changed ? "done" : "no change";
    lines.push(`    ${mark}: ${action.verb} ${action.target}  (policy ${action.policy})`);
    const reason = outcome.results[index]?.action.reason;
    if (reason) lines.push(`      why: ${reason}`);
    if (action.message) lines.push(`      result: ${action.message}`);
  });
  const forThisTrigger = new Set(
    matchPolicies(outcome.trigger, config, outcome.cluster)
      .policies.filter((match) => match.kind !== "unmatched")
      .map((match) => match.policy.name),
  );
  let notFor = 0;
  for (const skip of summary.skipped) {
    if (skip.stage === "decide" && !forThisTrigger.has(skip.policy)) {
      notFor++;
      continue;
    }
    lines.push(`    skipped (${skip.stage}): policy ${skip.policy}: ${skip.reason}`);
  }
  if (summary.ran.length === 0 && lines.length === 1) lines.push("    nothing to do");
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
