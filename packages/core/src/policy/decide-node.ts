// Nodes as policies name them, and the node verbs (cordon, uncordon, drain) planned on them.
import type { Policy, PolicyAction } from "../config/schema.ts";
import type { NodeTarget } from "../domain/target.ts";
import { describeTarget } from "../domain/target.ts";
import { verbUndo } from "../domain/verbs/index.ts";
import { describeAction } from "./describe.ts";
import { type Outcome, skip } from "./outcome.ts";
import type { ClusterFacts, DrainParams, NodeFact, NodePlanAction } from "./plan.ts";

export function nodeTargetOf(node: NodeFact): NodeTarget {
  return { kind: "Node", name: node.name, ...(node.instanceId ? { instanceId: node.instanceId } : {}) };
}

export function findNode(nameOrInstanceId: string, facts: ClusterFacts): NodeFact | undefined {
  return (
    facts.nodes.find((node) => node.name === nameOrInstanceId) ??
    facts.nodes.find((node) => node.instanceId === nameOrInstanceId)
  );
}

export function resolveNamedNode(target: string, facts: ClusterFacts): { node: NodeFact } | { skip: string } {
  if (target === "trigger-node") return { skip: '"trigger-node" needs an instance event' };
  const node = findNode(target, facts);
  return node ? { node } : { skip: `${target} is not a node of cluster ${facts.cluster}` };
}

function drainParams(action: Extract<PolicyAction, { verb: "drain" }>): DrainParams {
  return {
    ignoreDaemonSets: action.ignoreDaemonSets,
    deleteEmptyDirData: action.deleteEmptyDirData,
    force: action.force,
    timeoutSeconds: action.timeout,
    ...(action.gracePeriod === undefined ? {} : { gracePeriodSeconds: action.gracePeriod }),
  };
}

export function nodeActionsFor(
  action: PolicyAction,
  policy: Policy,
  resolved: { node: NodeFact } | { skip: string },
  why: string,
): Outcome {
  if ("skip" in resolved) return skip(resolved.skip);
  const target = nodeTargetOf(resolved.node);
  let planned: NodePlanAction;
  switch (action.verb) {
    case "cordon":
    case "uncordon":
      planned = { policy: policy.name, verb: action.verb, target, params: {}, reason: "" };
      break;
    case "drain":
      planned = { policy: policy.name, verb: "drain", target, params: drainParams(action), reason: "" };
      break;
    default:
      return skip(`${action.verb} acts on workloads, and the target is ${describeTarget(target)}`);
  }
  const undo = verbUndo(planned.verb, target);
  if (undo) planned.undo = undo;
  planned.reason = `${why}: ${describeAction(planned)}`;
  return { actions: [planned], skipped: [] };
}
