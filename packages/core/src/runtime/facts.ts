import type { V1Node } from "@kubernetes/client-node";
import type { HomeostatConfig, PolicyAction } from "../config/schema.ts";
import type { Trigger } from "../events/trigger.ts";
import type { Kube } from "../kube/client.ts";
import { isUnschedulable } from "../kube/cordon.ts";
import { toKubeVerbError } from "../kube/errors.ts";
import { instanceIdOf } from "../kube/nodes.ts";
import { matchedActions, matchPolicies } from "../policy/match.ts";
import type { ClusterFacts, NodeFact, WorkloadFact } from "../policy/plan.ts";
import { priorReplicas } from "../state/records.ts";
import type { StateStore } from "../state/store.ts";

// which policies could act on a trigger is the policy's call; run.ts and cli/local.ts ask it here
export { candidateActions, couldAct } from "../policy/match.ts";

const NODE_VERBS = new Set(["cordon", "uncordon", "drain"]);

/** Namespaces whose workloads `decide` may need to see: explicit targets, globs, alarm dimensions. */
function namespacesOfInterest(trigger: Trigger, actions: PolicyAction[]): Set<string> {
  const namespaces = new Set<string>();
  for (const action of actions) {
    if (NODE_VERBS.has(action.verb) || !("target" in action)) continue;
    const target = action.target;
    if (target === "trigger-workload") {
      if (trigger.kind === "rollout-stalled") namespaces.add(trigger.namespace);
    } else if (typeof target === "string") {
      const namespace = target.split("/")[0];
      if (namespace) namespaces.add(namespace);
    } else if (trigger.kind === "alarm") {
      const namespace = trigger.dimensions[target.fromDimensions.namespace];
      if (namespace) namespaces.add(namespace);
    }
  }
  return namespaces;
}

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

/** Every node of the cluster, as facts (paginated). */
export async function listNodes(kube: Kube): Promise<NodeFact[]> {
  const nodes: NodeFact[] = [];
  let _continue: string | undefined;
  do {
    const page = await kube.core
      .listNode({ limit: 500, ...(_continue ? { _continue } : {}) })
      .catch((error: unknown) => {
        throw toKubeVerbError(error, "the nodes");
      });
    nodes.push(...page.items.map(nodeFactOf));
    _continue = page.metadata?._continue || undefined;
  } while (_continue);
  return nodes;
}

async function listWorkloads(kube: Kube, namespace: string): Promise<WorkloadFact[]> {
  const [deployments, statefulSets] = await Promise.all([
    kube.apps.listNamespacedDeployment({ namespace }),
    kube.apps.listNamespacedStatefulSet({ namespace }),
  ]).catch((error: unknown) => {
    throw toKubeVerbError(error, `the workloads in namespace ${namespace}`);
  });
  const fact =
    (kind: WorkloadFact["kind"]) =>
    (item: { metadata?: { name?: string }; spec?: { replicas?: number } }) => ({
      kind,
      name: item.metadata?.name ?? "",
      ...(item.spec?.replicas === undefined ? {} : { replicas: item.spec.replicas }),
    });
  return [...deployments.items.map(fact("Deployment")), ...statefulSets.items.map(fact("StatefulSet"))];
}

/**
 * Reads what `decide` and `guard` need to know about the cluster for this trigger — and no more: nodes
 * only when a candidate policy acts on nodes, workloads only in the namespaces candidate policies name,
 * remembered replica counts only for restores. Everything after this is pure until `act`.
 */
export async function gatherFacts(
  kube: Kube,
  trigger: Trigger,
  config: HomeostatConfig,
  cluster: string,
  store: StateStore,
  now: Date,
): Promise<ClusterFacts> {
  const matched = matchPolicies(trigger, config, cluster);
  const actions = matchedActions(matched);
  const namespaces = namespacesOfInterest(trigger, actions);
  let needNodes = actions.some((action) => NODE_VERBS.has(action.verb));
  // the command a person's trigger carries, when it reads (decide reports it when it does not)
  const command = matched.command?.kind === "command" ? matched.command.command : undefined;
  if (command && "node" in command) needNodes = true;
  else if (command && "target" in command && command.target.kind !== "Node")
    namespaces.add(command.target.namespace);

  const [nodes, workloadLists] = await Promise.all([
    needNodes ? listNodes(kube) : Promise.resolve([]),
    Promise.all(
      [...namespaces].map(async (namespace) => [namespace, await listWorkloads(kube, namespace)] as const),
    ),
  ]);
  const workloads = Object.fromEntries(workloadLists);

  const prior: Record<string, number> = {};
  const restores = actions.some((action) => action.verb === "scale" && action.restore === true);
  if (restores) {
    await Promise.all(
      workloadLists.flatMap(([namespace, list]) =>
        list.map(async (workload) => {
          const remembered = await priorReplicas(store, {
            cluster,
            namespace,
            kind: workload.kind,
            name: workload.name,
          });
          if (remembered) prior[`${namespace}/${workload.name}`] = remembered.replicas;
        }),
      ),
    );
  }
  return { cluster, now, nodes, workloads, priorReplicas: prior };
}
