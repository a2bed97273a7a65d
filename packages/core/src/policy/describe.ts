import { describeTarget } from "../domain/target.ts";
import type { NodeFact, PlannedAction } from "./plan.ts";

/** One line saying what an action does: `scale deployment shop/checkout +2 (max 20)`. */
export function describeAction(action: PlannedAction): string {
  const target = describeTarget(action.target);
  switch (action.verb) {
    case "scale": {
      const bounds = [
        action.params.min === undefined ? undefined : `min ${action.params.min}`,
        action.params.max === undefined ? undefined : `max ${action.params.max}`,
      ].filter(Boolean);
      const change = /^\d+$/.test(action.params.change)
        ? `to ${action.params.change}`
        : `by ${action.params.change}`;
      return `scale ${target} ${change}${bounds.length > 0 ? ` (${bounds.join(", ")})` : ""}`;
    }
    case "rollback":
      return action.params.toRevision === undefined
        ? `roll back ${target} to its previous revision`
        : `roll back ${target} to revision ${action.params.toRevision}`;
    case "complete-lifecycle":
      return `complete ${target} with CONTINUE${action.params.afterDrain ? " after the drain" : ""}`;
    case "defer":
      return `${action.params.verb} ${target} at ${action.params.at} (one-time schedule ${action.params.scheduleName})`;
    default:
      return `${action.verb} ${target}`;
  }
}

/** A short description of a node for reasons: `ip-10-0-1-5 (i-0abc…)`. */
export function describeNode(node: Pick<NodeFact, "name" | "instanceId">): string {
  return node.instanceId ? `${node.name} (${node.instanceId})` : node.name;
}
