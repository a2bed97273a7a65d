import type { V1Deployment, V1PodTemplateSpec } from "@kubernetes/client-node";
import { KubeVerbError } from "../domain/errors.ts";
import type { WorkloadTarget } from "../domain/target.ts";
import type { VerbOptions, VerbResult } from "../domain/verb.ts";
import { verbCommandLine, verbUndo } from "../domain/verbs/index.ts";
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
import { CONFIRMED_NOTE, writeAndConfirm } from "./lost-answer.ts";
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
  /**
   * The ReplicaSet whose template to restore, as a first attempt chose it (runtime/intent.ts): a
   * template, unlike a revision number, does not change when the controller renumbers it.
   */
  toReplicaSet?: string;
}

/** Where the Deployment controller keeps the revisions a ReplicaSet had before it was renumbered. */
export const REVISION_HISTORY_ANNOTATION = "deployment.kubernetes.io/revision-history";

/** The revisions a ReplicaSet had before its current one (`2,5` → [2, 5]). */
export function earlierRevisionsOf(replicaSet: ReplicaSetJson): number[] {
  const value = replicaSet.metadata?.annotations?.[REVISION_HISTORY_ANNOTATION] ?? "";
  return value
    .split(",")
    .map((part) => part.trim())
    .filter((part) => /^\d{1,18}$/.test(part))
    .map(Number);
}

/** The ReplicaSet a rollback restores, and its revision now (`was`: the number it was asked by, if renumbered). */
export interface RollbackChoice {
  replicaSet: ReplicaSetJson;
  revision: number;
  was?: number;
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
 * Picks the ReplicaSet to roll back to, as kubectl's `deploymentRevision`: for 0, the second-highest
 * revision among the controlled ReplicaSets (in list order on ties); otherwise the one with that revision.
 * Unlike kubectl, a revision that was renumbered (a rollback to it made it max+1; the controller keeps
 * the old number in `deployment.kubernetes.io/revision-history`) is still found by its old number, so
 * `--to-revision N` run again after a lost answer, or a printed undo, stays valid. `toReplicaSet` (an
 * intent's) names the ReplicaSet itself.
 */
export function chooseRollbackReplicaSet(
  deploymentName: string,
  replicaSets: readonly ReplicaSetJson[],
  toRevision = 0,
  toReplicaSet?: string,
): RollbackChoice {
  if (!Number.isInteger(toRevision) || toRevision < 0) {
    throw new KubeVerbError("invalid", `--to-revision must be a whole number ≥ 0; got ${toRevision}`);
  }
  if (toReplicaSet !== undefined) {
    const named = replicaSets.find((replicaSet) => replicaSet.metadata?.name === toReplicaSet);
    const revision = named ? revisionOf(named) : undefined;
    if (!named || revision === undefined) {
      throw new KubeVerbError(
        "revision-not-found",
        `the ReplicaSet ${toReplicaSet} this rollback restores is no longer in the history of deployment "${deploymentName}" (see homeostat history)`,
      );
    }
    return { replicaSet: named, revision };
  }
  let latest: RollbackChoice | undefined;
  let previous: RollbackChoice | undefined;
  let renumbered: RollbackChoice | undefined;
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
    } else if (earlierRevisionsOf(replicaSet).includes(toRevision)) {
      renumbered = { replicaSet, revision, was: toRevision };
    }
  }
  if (renumbered) return renumbered;
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

/**
 * The name of the ReplicaSet a rollback with `params` would restore now: what a pipeline's intent
 * records before the rollback runs (runtime/intent.ts).
 */
export async function rollbackReplicaSet(
  kube: Kube,
  target: WorkloadTarget,
  params: RollbackParams = {},
): Promise<string> {
  const { replicaSets } = await readDeploymentAndReplicaSets(kube, target);
  const chosen = chooseRollbackReplicaSet(
    target.name,
    replicaSets,
    params.toRevision ?? 0,
    params.toReplicaSet,
  );
  return chosen.replicaSet.metadata?.name ?? "";
}

/** `revision 2`, or `revision 2 (now 4)` for one the controller renumbered. */
function revisionText(choice: RollbackChoice): string {
  return choice.was === undefined
    ? `revision ${choice.revision}`
    : `revision ${choice.was} (now ${choice.revision})`;
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
  const chosen = chooseRollbackReplicaSet(target.name, replicaSets, toRevision, params.toReplicaSet);
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
      message: `skipped rollback (current template already matches ${revisionText(chosen)})`,
    });
  }
  // kubectl's patch as it is: no resourceVersion precondition. The Deployment's status changes every few
  // seconds during a rollout, so a precondition would fail for reasons that do not matter here; the
  // patch replaces the whole template and annotations, so it never merges into a half-changed state,
  // and sending it again after a lost answer is harmless.
  let outcome: Awaited<ReturnType<typeof writeAndConfirm<V1Deployment, DeploymentJson>>>;
  try {
    outcome = await writeAndConfirm({
      what,
      change: `rolling back ${what} to ${revisionText(chosen)}`,
      write: () =>
        kube.apps.patchNamespacedDeployment(
          {
            name: target.name,
            namespace: target.namespace,
            body: rollbackPatch(deployment, chosen.replicaSet),
            dryRun: dryRunParam(dryRun),
          },
          jsonPatch(),
        ),
      readBack: async () => {
        const seen = (await readDeploymentAndReplicaSets(kube, target)).deployment;
        return {
          inPlace: templatesEqualIgnoringHash(chosen.replicaSet.spec?.template, seen.spec?.template),
          state: `it runs ${(seen.spec?.template?.spec?.containers ?? []).map((c) => c.image).join(", ")}`,
          seen,
        };
      },
      // by its revision as it was asked: found again once the controller has renumbered it
      again: `safe to run again: ${verbCommandLine({
        verb: "rollback",
        target,
        params: { toRevision: chosen.was ?? chosen.revision },
      })}`,
      dryRun,
    });
  } catch (error) {
    throw toKubeVerbError(error, what);
  }
  const changeCause = chosen.replicaSet.metadata?.annotations?.[CHANGE_CAUSE_ANNOTATION];
  return run.finish({
    changed: true,
    before,
    after: rolloutState(outcome.kind === "written" ? outcome.value : outcome.seen, chosen.revision),
    message: `${dryRun ? "would roll back" : "rolled back"} ${what} to ${revisionText(chosen)}${
      changeCause ? ` (${changeCause})` : ""
    }${outcome.kind === "in-place" ? ` ${CONFIRMED_NOTE}` : ""}`,
    warnings: ["replicas, ConfigMaps and Secrets are not rolled back"],
    undo: verbUndo("rollback", target, before),
  });
}
