import type { V1Deployment, V1Node, V1StatefulSet } from "@kubernetes/client-node";
import type { Target } from "../domain/target.ts";
import type { VerbResult } from "../domain/verb.ts";
import type { Kube } from "./client.ts";
import { toKubeVerbError } from "./errors.ts";
import { REVISION_ANNOTATION } from "./history.ts";
import { resolveNode } from "./nodes.ts";
import { startVerb } from "./result.ts";

export interface ConditionView {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

export interface WorkloadStatus {
  kind: "Deployment" | "StatefulSet";
  /** spec.replicas: what is asked for. */
  replicas: number;
  ready: number;
  updated: number;
  available: number;
  /** Deployment: its revision annotation; StatefulSet: status.updateRevision. */
  revision?: string;
  paused: boolean;
  /** The controller has seen the latest spec. */
  observed: boolean;
  conditions: ConditionView[];
  images: string[];
}

export interface NodeStatus {
  kind: "Node";
  ready: "True" | "False" | "Unknown";
  unschedulable: boolean;
  taints: { key: string; value?: string; effect: string }[];
  /** Pods bound to the node that have not finished (Pending or Running). */
  pods: number;
  instanceId?: string;
}

export type TargetStatus = WorkloadStatus | NodeStatus;

function conditions(list: { type: string; status: string; reason?: string; message?: string }[] | undefined) {
  return (list ?? []).map(({ type, status, reason, message }) => ({
    type,
    status,
    ...(reason ? { reason } : {}),
    ...(message ? { message } : {}),
  }));
}

export function deploymentStatus(deployment: V1Deployment): WorkloadStatus {
  const revision = deployment.metadata?.annotations?.[REVISION_ANNOTATION];
  return {
    kind: "Deployment",
    replicas: deployment.spec?.replicas ?? 1,
    ready: deployment.status?.readyReplicas ?? 0,
    updated: deployment.status?.updatedReplicas ?? 0,
    available: deployment.status?.availableReplicas ?? 0,
    ...(revision ? { revision } : {}),
    paused: deployment.spec?.paused ?? false,
    observed: (deployment.status?.observedGeneration ?? 0) >= (deployment.metadata?.generation ?? 0),
    conditions: conditions(deployment.status?.conditions),
    images: (deployment.spec?.template?.spec?.containers ?? []).map((c) => c.image ?? ""),
  };
}

export function statefulSetStatus(statefulSet: V1StatefulSet): WorkloadStatus {
  const revision = statefulSet.status?.updateRevision;
  return {
    kind: "StatefulSet",
    replicas: statefulSet.spec?.replicas ?? 1,
    ready: statefulSet.status?.readyReplicas ?? 0,
    updated: statefulSet.status?.updatedReplicas ?? 0,
    available: statefulSet.status?.availableReplicas ?? 0,
    ...(revision ? { revision } : {}),
    paused: false,
    observed: (statefulSet.status?.observedGeneration ?? 0) >= (statefulSet.metadata?.generation ?? 0),
    conditions: conditions(statefulSet.status?.conditions),
    images: (statefulSet.spec?.template?.spec?.containers ?? []).map((c) => c.image ?? ""),
  };
}

export function nodeStatus(node: V1Node, pods: number, instanceId?: string): NodeStatus {
  const ready = node.status?.conditions?.find((c) => c.type === "Ready")?.status;
  return {
    kind: "Node",
    ready: ready === "True" || ready === "False" ? ready : "Unknown",
    unschedulable: node.spec?.unschedulable ?? false,
    taints: (node.spec?.taints ?? []).map(({ key, value, effect }) => ({
      key,
      ...(value ? { value } : {}),
      effect,
    })),
    pods,
    ...(instanceId ? { instanceId } : {}),
  };
}

function summary(target: Target, status: TargetStatus): string {
  if (status.kind === "Node") {
    return `node ${target.name}: Ready=${status.ready}${status.unschedulable ? ", cordoned" : ""}, ${status.pods} pod(s)${
      status.taints.length ? `, taints ${status.taints.map((t) => `${t.key}:${t.effect}`).join(" ")}` : ""
    }`;
  }
  const where = target.kind === "Node" ? target.name : `${target.namespace}/${target.name}`;
  return `${status.kind.toLowerCase()} ${where}: ${status.ready}/${status.replicas} ready, ${status.updated} updated, ${
    status.available
  } available${status.revision ? `, revision ${status.revision}` : ""}${status.paused ? ", paused" : ""}`;
}

/** Status of a Deployment, StatefulSet or node (by name or EC2 instance id). Read-only. */
export async function status(kube: Kube, target: Target): Promise<VerbResult<TargetStatus>> {
  const run = startVerb(kube, "status", target);
  let view: TargetStatus;
  if (target.kind === "Node") {
    const resolved = await resolveNode(kube, target.instanceId ?? target.name);
    run.setTarget(resolved.target);
    try {
      const pods = await kube.core.listPodForAllNamespaces({
        fieldSelector: `spec.nodeName=${resolved.target.name},status.phase!=Succeeded,status.phase!=Failed`,
      });
      view = nodeStatus(resolved.node, pods.items.length, resolved.target.instanceId);
    } catch (error) {
      throw toKubeVerbError(error, `pods on node ${resolved.target.name}`);
    }
  } else {
    const request = { name: target.name, namespace: target.namespace };
    const what = `${target.kind.toLowerCase()} ${target.namespace}/${target.name}`;
    try {
      view =
        target.kind === "Deployment"
          ? deploymentStatus(await kube.apps.readNamespacedDeployment(request))
          : statefulSetStatus(await kube.apps.readNamespacedStatefulSet(request));
    } catch (error) {
      throw toKubeVerbError(error, what);
    }
  }
  return run.finish({ changed: false, before: view, after: view, message: summary(run.target, view) });
}
