import type { V1Deployment, V1LabelSelector, V1ReplicaSet } from "@kubernetes/client-node";
import { KubeVerbError } from "../domain/errors.ts";
import type { WorkloadTarget } from "../domain/target.ts";
import { describeTarget } from "../domain/target.ts";
import type { VerbResult } from "../domain/verb.ts";
import type { Kube } from "./client.ts";
import { rawGet, rawList, type Wire } from "./raw.ts";
import { startVerb } from "./result.ts";

export const REVISION_ANNOTATION = "deployment.kubernetes.io/revision";
export const CHANGE_CAUSE_ANNOTATION = "kubernetes.io/change-cause";

/** A Deployment as the API server sent it: every field, known to client-node's models or not. */
export type DeploymentJson = Wire<V1Deployment>;
/** A ReplicaSet as the API server sent it: every field, known to client-node's models or not. */
export type ReplicaSetJson = Wire<V1ReplicaSet>;

/** What `revisionOf` reads; typed and raw ReplicaSets both have it. */
interface Annotated {
  metadata?: { annotations?: Record<string, string> };
}

/** What `controlledBy` reads of a ReplicaSet. */
interface Owned {
  metadata?: { ownerReferences?: readonly { controller?: boolean; uid: string }[] };
}

/** One revision as `kubectl rollout history` lists it, plus what is useful to pick one. */
export interface RevisionEntry {
  revision: number;
  /** `kubernetes.io/change-cause` of the revision's ReplicaSet, if any. */
  changeCause?: string;
  replicaSet: string;
  images: string[];
  /** The revision the Deployment currently runs. */
  current: boolean;
  createdAt?: string;
}

export interface DeploymentHistory {
  deployment: string;
  revisions: RevisionEntry[];
}

/** A LabelSelector as the `labelSelector` query string. */
export function labelSelectorString(selector: V1LabelSelector | undefined): string {
  const parts = Object.entries(selector?.matchLabels ?? {}).map(([key, value]) => `${key}=${value}`);
  for (const expression of selector?.matchExpressions ?? []) {
    const values = (expression.values ?? []).join(",");
    switch (expression.operator) {
      case "In":
        parts.push(`${expression.key} in (${values})`);
        break;
      case "NotIn":
        parts.push(`${expression.key} notin (${values})`);
        break;
      case "Exists":
        parts.push(expression.key);
        break;
      case "DoesNotExist":
        parts.push(`!${expression.key}`);
        break;
      default:
        throw new KubeVerbError("invalid", `unknown label selector operator "${expression.operator}"`);
    }
  }
  return parts.join(",");
}

/**
 * The revision of a ReplicaSet, as kubectl's `deploymentutil.Revision`: a missing annotation is 0;
 * one that is not an integer makes the ReplicaSet invisible to history and rollback (undefined).
 */
export function revisionOf(replicaSet: Annotated): number | undefined {
  const value = replicaSet.metadata?.annotations?.[REVISION_ANNOTATION];
  if (value === undefined) return 0;
  return /^[+-]?\d{1,18}$/.test(value) ? Number(value) : undefined;
}

/** ReplicaSets whose controller is this Deployment (kubectl's `GetAllReplicaSets`). */
export function controlledBy<ReplicaSet extends Owned>(
  deployment: { metadata?: { uid?: string } },
  replicaSets: readonly ReplicaSet[],
): ReplicaSet[] {
  const uid = deployment.metadata?.uid;
  return replicaSets.filter((rs) =>
    (rs.metadata?.ownerReferences ?? []).some((ref) => ref.controller === true && ref.uid === uid),
  );
}

export function describeDeployment(target: { namespace: string; name: string }): string {
  return describeTarget({ kind: "Deployment", ...target });
}

/**
 * Reads the Deployment and the ReplicaSets it controls (two requests; more only past 500 ReplicaSets
 * under one selector), as raw JSON: a rollback copies a ReplicaSet's template back whole, and a field
 * client-node's models do not know (a cluster newer than the client) must come back with it, as it
 * does with kubectl.
 */
export async function readDeploymentAndReplicaSets(
  kube: Kube,
  target: { namespace: string; name: string },
): Promise<{ deployment: DeploymentJson; replicaSets: ReplicaSetJson[] }> {
  const what = describeDeployment(target);
  const namespace = `/apis/apps/v1/namespaces/${encodeURIComponent(target.namespace)}`;
  const deployment = await rawGet<DeploymentJson>(
    kube,
    `${namespace}/deployments/${encodeURIComponent(target.name)}`,
    { what },
  );
  const replicaSets = await rawList<ReplicaSetJson>(kube, `${namespace}/replicasets`, {
    what,
    query: { labelSelector: labelSelectorString(deployment.spec?.selector) },
  });
  return { deployment, replicaSets: controlledBy(deployment, replicaSets) };
}

/** The history view of a Deployment's ReplicaSets, oldest revision first (one entry per revision). */
export function deploymentHistory(
  deployment: DeploymentJson,
  replicaSets: readonly ReplicaSetJson[],
): DeploymentHistory {
  const currentRevision = deployment.metadata?.annotations?.[REVISION_ANNOTATION];
  const byRevision = new Map<number, RevisionEntry>();
  for (const rs of replicaSets) {
    const revision = revisionOf(rs);
    if (revision === undefined) continue;
    const changeCause = rs.metadata?.annotations?.[CHANGE_CAUSE_ANNOTATION];
    byRevision.set(revision, {
      revision,
      ...(changeCause ? { changeCause } : {}),
      replicaSet: rs.metadata?.name ?? "",
      images: (rs.spec?.template?.spec?.containers ?? []).map((c) => c.image ?? ""),
      current: currentRevision !== undefined && String(revision) === currentRevision,
      ...(rs.metadata?.creationTimestamp
        ? { createdAt: new Date(rs.metadata.creationTimestamp).toISOString() }
        : {}),
    });
  }
  return {
    deployment: deployment.metadata?.name ?? "",
    revisions: [...byRevision.values()].sort((a, b) => a.revision - b.revision),
  };
}

/**
 * `kubectl rollout history deployment/NAME`: the revisions of a Deployment with their change-cause.
 * Read-only: `before` and `after` are the same observation.
 */
export async function history(kube: Kube, target: WorkloadTarget): Promise<VerbResult<DeploymentHistory>> {
  const run = startVerb(kube, "history", target);
  if (target.kind !== "Deployment") {
    throw new KubeVerbError(
      "invalid",
      `history is kept for Deployments only; ${target.kind} has no ReplicaSet history`,
    );
  }
  const { deployment, replicaSets } = await readDeploymentAndReplicaSets(kube, target);
  const view = deploymentHistory(deployment, replicaSets);
  return run.finish({
    changed: false,
    before: view,
    after: view,
    message:
      view.revisions.length === 0
        ? `${describeDeployment(target)} has no rollout history`
        : `${describeDeployment(target)} has ${view.revisions.length} revision(s), current ${
            view.revisions.find((r) => r.current)?.revision ?? "unknown"
          }`,
  });
}
