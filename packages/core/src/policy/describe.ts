import { describeTarget } from "../domain/target.ts";
import { describeVerb } from "../domain/verbs/index.ts";
import type { NodeFact, PlannedAction } from "./plan.ts";

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

/** A short description of a node for reasons: `ip-10-0-1-5 (i-0abc…)`. */
export function describeNode(node: Pick<NodeFact, "name" | "instanceId">): string {
  return node.instanceId ? `${node.name} (${node.instanceId})` : node.name;
}
