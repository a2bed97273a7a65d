// What a verb acts on, and the two ways to write one: as a key (stable, for state and claims) and
// for people.
/** Node targets may be named by EC2 instance id; `name` is then resolved. */
export const workloadKinds = ["Deployment", "StatefulSet"] as const;
export type WorkloadKind = (typeof workloadKinds)[number];

export interface WorkloadTarget {
  kind: WorkloadKind;
  namespace: string;
  name: string;
}

export interface NodeTarget {
  kind: "Node";
  /** The node name (resolved from `instanceId` when the caller gave an instance id). */
  name: string;
  /** The EC2 instance id, when known (last segment of `spec.providerID`). */
  instanceId?: string;
}

export type Target = WorkloadTarget | NodeTarget;

/** The Auto Scaling lifecycle action to complete (the `asg-terminate` hook of an instance). */
export interface LifecycleActionTarget {
  kind: "LifecycleAction";
  autoScalingGroupName: string;
  lifecycleHookName: string;
  lifecycleActionToken: string;
  instanceId: string;
}

/**
 * `deployment/shop/checkout`, `node/ip-10-0-1-2.ec2.internal`, `lifecycle/<group>/<hook>/<instance>`:
 * the one key of a target — in cooldowns, claims, audit ids and handler summaries.
 */
export function targetKey(target: Target | LifecycleActionTarget): string {
  switch (target.kind) {
    case "Node":
      return `node/${target.name}`;
    case "LifecycleAction":
      return `lifecycle/${target.autoScalingGroupName}/${target.lifecycleHookName}/${target.instanceId}`;
    default:
      return `${target.kind.toLowerCase()}/${target.namespace}/${target.name}`;
  }
}

/** `deployment shop/checkout`, `node ip-10-0-1-5 (i-0abc…)`, `the terminate lifecycle action of i-0abc …`. */
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

/**
 * A target as command text, the inverse of command/target.ts's parsers: `shop/checkout` for a Deployment,
 * `shop/statefulset/db` for a StatefulSet, the node's name for a node.
 *
 * @example
 * formatTarget({ kind: "StatefulSet", namespace: "shop", name: "db" }); // "shop/statefulset/db"
 */
export function formatTarget(target: Target): string {
  if (target.kind === "Node") return target.name;
  return target.kind === "Deployment"
    ? `${target.namespace}/${target.name}`
    : `${target.namespace}/${target.kind.toLowerCase()}/${target.name}`;
}
