import { describeTarget } from "../domain/target.ts";
import { describeVerb } from "../domain/verbs/index.ts";
import type { PlannedAction } from "./plan.ts";

/** One line saying what an action does: `scale deployment shop/checkout by +2 (max 20)`. */
export function describeAction(action: PlannedAction): string {
  switch (action.verb) {
    case "complete-lifecycle":
      return `complete ${describeTarget(action.target)} with CONTINUE${action.params.afterDrain ? " after the drain" : ""}`;
    case "defer":
      return `${action.params.verb} ${describeTarget(action.target)} at ${action.params.at} (one-time schedule ${action.params.scheduleName})`;
    default:
      return describeVerb(action);
  }
}
