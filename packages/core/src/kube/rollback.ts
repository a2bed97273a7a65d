import type { V1Deployment, V1PodTemplateSpec } from "@kubernetes/client-node";
import { KubeVerbError } from "../domain/errors.ts";
import type { WorkloadTarget } from "../domain/target.ts";
import type { VerbOptions, VerbResult } from "../domain/verb.ts";
import { verbUndo } from "../domain/verbs/index.ts";
import type { Kube } from "./client.ts";
import { toKubeVerbError } from "./errors.ts";
import {
  CHANGE_CAUSE_ANNOTATION,
  type DeploymentJson,
  describeDeployment,
  REVISION_ANNOTATION,
  type ReplicaSetJson,
  readDeploymentAndReplicaSets,
  revisionOf,
} from "./history.ts";
import type { Wire } from "./raw.ts";
import { dryRunParam, jsonPatch, startVerb } from "./result.ts";

/** The label the Deployment controller adds to each ReplicaSet's template; never copied back. */
export const POD_TEMPLATE_HASH_LABEL = "pod-template-hash";

/** Deployment annotations a rollback keeps from the Deployment rather than taking from the ReplicaSet. */
export const ANNOTATIONS_KEPT_ON_ROLLBACK: ReadonlySet<string> = new Set([
  "kubectl.kubernetes.io/last-applied-configuration",
  REVISION_ANNOTATION,
  "deployment.kubernetes.io/revision-history",
  "deployment.kubernetes.io/desired-replicas",
  "deployment.kubernetes.io/max-replicas",
  "deprecated.deployment.rollback.to",
]);

export interface RollbackParams {
  /** 0 or absent: the previous revision (the second-highest). */
  toRevision?: number;
}

export interface RolloutState {
  /** The Deployment's `deployment.kubernetes.io/revision`. */
  revision: number | undefined;
  /** The revision whose template the Deployment runs (after a rollback: the one restored). */
  templateRevision?: number;
  changeCause?: string;
  images: string[];
}

export type JsonPatchOperation = { op: "replace"; path: string; value: unknown };

/** A pod template as the API server sent it, with every field (see `Wire`). */
export type PodTemplateJson = Wire<V1PodTemplateSpec>;

/** A deep copy of plain JSON: every field, known to client-node's models or not, is kept. */
function copyJson<T>(value: T): T {
  return structuredClone(value);
}

/**
 * Picks the ReplicaSet to roll back to, exactly as kubectl's `deploymentRevision`: for 0, the
 * second-highest revision among the controlled ReplicaSets (in list order on ties); otherwise the one
 * with that revision.
 */
export function chooseRollbackReplicaSet(
  deploymentName: string,
  replicaSets: readonly ReplicaSetJson[],
  toRevision = 0,
): { replicaSet: ReplicaSetJson; revision: number } {
  if (!Number.isInteger(toRevision) || toRevision < 0) {
    throw new KubeVerbError("invalid", `--to-revision must be a whole number ≥ 0; got ${toRevision}`);
  }
  let latest: { replicaSet: ReplicaSetJson; revision: number } | undefined;
  let previous: { replicaSet: ReplicaSetJson; revision: number } | undefined;
  for (const replicaSet of replicaSets) {
    const revision = revisionOf(replicaSet);
    if (revision === undefined) continue;
    if (toRevision === 0) {
      if ((latest?.revision ?? -1) < revision) {
        previous = latest;
        latest = { replicaSet, revision };
      } else if ((previous?.revision ?? -1) < revision) {
        previous = { replicaSet, revision };
      }
    } else if (toRevision === revision) {
      return { replicaSet, revision };
    }
  }
  if (toRevision > 0) {
    const known = replicaSets
      .map(revisionOf)
      .filter((r) => r !== undefined)
      .sort((a, b) => a - b);
    throw new KubeVerbError(
      "revision-not-found",
      `unable to find specified revision ${toRevision} in history of deployment "${deploymentName}"; revisions: ${
        known.join(", ") || "none"
      } (see homeostat history)`,
    );
  }
  if (!previous) {
    throw new KubeVerbError(
      "no-history",
      `no rollout history found for deployment "${deploymentName}": there is no previous revision to roll back to`,
    );
  }
  return previous;
}

function withoutHash(template: PodTemplateJson | undefined): PodTemplateJson {
  const copy = copyJson(template ?? {});
  if (copy.metadata?.labels) {
    delete copy.metadata.labels[POD_TEMPLATE_HASH_LABEL];
  }
  return copy;
}

/** Empty maps and lists equal absent ones, as in apimachinery's semantic equality. */
function isEmpty(value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (Array.isArray(value)) return value.length === 0;
  return typeof value === "object" && Object.keys(value).length === 0;
}

function semanticEqual(a: unknown, b: unknown): boolean {
  if (isEmpty(a) && isEmpty(b)) return true;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, index) => semanticEqual(item, b[index]));
  }
  if (a && b && typeof a === "object" && typeof b === "object" && !Array.isArray(a) && !Array.isArray(b)) {
    const left = a as Record<string, unknown>;
    const right = b as Record<string, unknown>;
    const keys = new Set([...Object.keys(left), ...Object.keys(right)]);
    return [...keys].every((key) => semanticEqual(left[key], right[key]));
  }
  return a === b;
}

/** kubectl's `equalIgnoreHash`: the templates are equal once `pod-template-hash` is removed. */
export function templatesEqualIgnoringHash(
  a: PodTemplateJson | undefined,
  b: PodTemplateJson | undefined,
): boolean {
  return semanticEqual(withoutHash(a), withoutHash(b));
}

/**
 * The annotations a Deployment has after rolling back to `replicaSet`: the kept ones from the
 * Deployment, everything else from the ReplicaSet (so its change-cause comes back).
 */
export function rollbackAnnotations(
  deployment: DeploymentJson,
  replicaSet: ReplicaSetJson,
): Record<string, string> {
  const annotations: Record<string, string> = {};
  const current = deployment.metadata?.annotations ?? {};
  for (const key of ANNOTATIONS_KEPT_ON_ROLLBACK) {
    const value = current[key];
    if (value !== undefined) annotations[key] = value;
  }
  for (const [key, value] of Object.entries(replicaSet.metadata?.annotations ?? {})) {
    if (!ANNOTATIONS_KEPT_ON_ROLLBACK.has(key)) annotations[key] = value;
  }
  return annotations;
}

/**
 * kubectl's rollback patch: one JSON Patch replacing the template and the annotations. The template is
 * the ReplicaSet's JSON as read, so fields client-node's models lack are restored too.
 */
export function rollbackPatch(deployment: DeploymentJson, replicaSet: ReplicaSetJson): JsonPatchOperation[] {
  return [
    { op: "replace", path: "/spec/template", value: withoutHash(replicaSet.spec?.template) },
    { op: "replace", path: "/metadata/annotations", value: rollbackAnnotations(deployment, replicaSet) },
  ];
}

/** What `rolloutState` reads; raw and typed Deployments (the patch's answer) both have it. */
interface RolloutFields {
  metadata?: { annotations?: Record<string, string> };
  spec?: { template?: { spec?: { containers?: readonly { image?: string }[] } } };
}

function rolloutState(deployment: RolloutFields, templateRevision?: number): RolloutState {
  const revision = deployment.metadata?.annotations?.[REVISION_ANNOTATION];
  const changeCause = deployment.metadata?.annotations?.[CHANGE_CAUSE_ANNOTATION];
  return {
    revision: revision === undefined ? undefined : Number(revision),
    ...(templateRevision === undefined ? {} : { templateRevision }),
    ...(changeCause ? { changeCause } : {}),
    images: (deployment.spec?.template?.spec?.containers ?? []).map((c) => c.image ?? ""),
  };
}

/**
 * `kubectl rollout undo deployment/NAME [--to-revision N]`, step for step (see reference/kubectl.md):
 * history from the controlled ReplicaSets, the second-highest revision by default, paused → error,
 * a matching template → success with "skipped rollback", one JSON Patch of template and annotations.
 * The controller then gives the restored ReplicaSet a new revision: a rollback is a roll forward, and
 * its undo is a rollback to the revision that ran before.
 * Not reverted (as with kubectl): replicas, ConfigMaps and Secrets the pods read.
 */
export async function rollback(
  kube: Kube,
  target: WorkloadTarget,
  params: RollbackParams = {},
  opts: VerbOptions = {},
): Promise<VerbResult<RolloutState>> {
  const dryRun = opts.dryRun ?? false;
  const run = startVerb(kube, "rollback", target, dryRun);
  if (target.kind !== "Deployment") {
    throw new KubeVerbError("invalid", `rollback works on Deployments; ${target.kind} is not supported`);
  }
  const toRevision = params.toRevision ?? 0;
  if (!Number.isInteger(toRevision) || toRevision < 0) {
    throw new KubeVerbError("invalid", `--to-revision must be a whole number ≥ 0; got ${toRevision}`);
  }
  const what = describeDeployment(target);

  const { deployment, replicaSets } = await readDeploymentAndReplicaSets(kube, target);
  const chosen = chooseRollbackReplicaSet(target.name, replicaSets, toRevision);
  if (deployment.spec?.paused) {
    throw new KubeVerbError(
      "paused",
      `you cannot rollback a paused deployment; resume ${what} first (kubectl rollout resume deployment/${target.name} -n ${target.namespace}) and try again`,
    );
  }
  const before = rolloutState(deployment);
  if (templatesEqualIgnoringHash(chosen.replicaSet.spec?.template, deployment.spec?.template)) {
    return run.finish({
      changed: false,
      before,
      after: before,
      message: `skipped rollback (current template already matches revision ${chosen.revision})`,
    });
  }
  // kubectl's patch as it is: no resourceVersion precondition. The Deployment's status changes every few
  // seconds during a rollout, so a precondition would fail for reasons that do not matter here; the
  // patch replaces the whole template and annotations, so it never merges into a half-changed state.
  let patched: V1Deployment;
  try {
    patched = await kube.apps.patchNamespacedDeployment(
      {
        name: target.name,
        namespace: target.namespace,
        body: rollbackPatch(deployment, chosen.replicaSet),
        dryRun: dryRunParam(dryRun),
      },
      jsonPatch(),
    );
  } catch (error) {
    throw toKubeVerbError(error, what);
  }
  const changeCause = chosen.replicaSet.metadata?.annotations?.[CHANGE_CAUSE_ANNOTATION];
  return run.finish({
    changed: true,
    before,
    after: rolloutState(patched, chosen.revision),
    message: `${dryRun ? "would roll back" : "rolled back"} ${what} to revision ${chosen.revision}${
      changeCause ? ` (${changeCause})` : ""
    }`,
    warnings: ["replicas, ConfigMaps and Secrets are not rolled back"],
    undo: verbUndo("rollback", target, before),
  });
}
