import type { V1Node } from "@kubernetes/client-node";
import { isUnschedulable } from "../kube/cordon.ts";
import { instanceIdOf } from "../kube/nodes.ts";
import type { NodeFact } from "./plan.ts";

/** The facts `decide` and `guard` need about a node, from the node object. */
export function nodeFactOf(node: V1Node): NodeFact {
  const instanceId = instanceIdOf(node);
  const ready = node.status?.conditions?.some(
    (condition) => condition.type === "Ready" && condition.status === "True",
  );
  return {
    name: node.metadata?.name ?? "",
    ...(instanceId ? { instanceId } : {}),
    labels: { ...(node.metadata?.labels ?? {}) },
    ready: ready === true,
    unschedulable: isUnschedulable(node),
  };
}

/** A short description of a node for reasons: `ip-10-0-1-5 (i-0abc…)`. */
export function describeNode(node: Pick<NodeFact, "name" | "instanceId">): string {
  return node.instanceId ? `${node.name} (${node.instanceId})` : node.name;
}
