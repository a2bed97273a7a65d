import type { Target } from "../kube/types.ts";
import type { LifecycleActionTarget, PlannedAction } from "./plan.ts";

/** A stable key for a target: the unit of cooldowns and of de-duplication. */
export function planTargetKey(target: Target | LifecycleActionTarget): string {
  switch (target.kind) {
    case "Node":
      return `node/${target.name}`;
    case "LifecycleAction":
      return `lifecycle/${target.autoScalingGroupName}/${target.lifecycleActionToken}`;
    default:
      return `${target.kind.toLowerCase()}/${target.namespace}/${target.name}`;
  }
}

/** `deployment shop/checkout`, `node ip-10-0-1-5 (i-0abc…)`, `lifecycle action of i-0abc in asg web`. */
export function describeTarget(target: Target | LifecycleActionTarget): string {
  switch (target.kind) {
    case "Node":
      return target.instanceId && target.instanceId !== target.name
        ? `node ${target.name} (${target.instanceId})`
        : `node ${target.name}`;
    case "LifecycleAction":
      return `the terminate lifecycle action of ${target.instanceId} (Auto Scaling group ${target.autoScalingGroupName}, hook ${target.lifecycleHookName})`;
    default:
      return `${target.kind.toLowerCase()} ${target.namespace}/${target.name}`;
  }
}

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
