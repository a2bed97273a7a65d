import type { PlannedAction } from "./plan.ts";

/** What one policy makes of a trigger: actions, and reasons for whatever it does not do. */
export interface Outcome {
  actions: PlannedAction[];
  skipped: string[];
}

export const skip = (reason: string): Outcome => ({ actions: [], skipped: [reason] });

/** Adds one planned action to the outcome, or the reason it was not planned. */
export function addTo(outcome: Outcome, planned: PlannedAction | { skip: string }): void {
  if ("skip" in planned) outcome.skipped.push(planned.skip);
  else outcome.actions.push(planned);
}
