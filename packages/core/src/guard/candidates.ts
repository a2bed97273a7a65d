import type { PlannedAction } from "../policy/plan.ts";
import type { Candidate, CheckState, SkipFn, Verdict } from "./types.ts";

/** Which actions change what a node runs, and so spend the disruption budget. */
export const disruptsNode = (action: PlannedAction): boolean =>
  action.verb === "cordon" || action.verb === "drain";

/** The pipeline's own steps (completing an ASG hook, scheduling a deferred drain) change no workload. */
export const isClusterVerb = (action: PlannedAction): boolean =>
  action.verb !== "complete-lifecycle" && action.verb !== "defer";

/** An action that waits for a person before it runs (never a dry run, never a pipeline step). */
export function needsApproval(state: CheckState, candidate: Candidate): boolean {
  const { ctx } = state;
  if (candidate.dryRun || !isClusterVerb(candidate.action) || ctx.approval?.granted !== undefined)
    return false;
  return (
    ctx.approval?.required === true || (candidate.policy?.guard.approval ?? ctx.config.defaults.approval)
  );
}

/** Runs `check` on every candidate in order; those it returns a verdict for are skipped. */
export async function keep(
  state: CheckState,
  skip: SkipFn,
  check: (candidate: Candidate) => Promise<Verdict | undefined> | Verdict | undefined,
): Promise<void> {
  const kept: Candidate[] = [];
  for (const candidate of state.candidates) {
    const verdict = await check(candidate);
    if (verdict) await skip(candidate, verdict);
    else kept.push(candidate);
  }
  state.candidates = kept;
}
