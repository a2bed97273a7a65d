/**
 * Stalled-rollout detection for plain Deployments (what Argo Rollouts needs a CRD for). Pure: it reads
 * the objects the scan fetched and the time, nothing else, so every rule is a unit test.
 */
import type { V1Deployment, V1Pod, V1ReplicaSet } from "@kubernetes/client-node";
import { controlledBy, REVISION_ANNOTATION, revisionOf } from "../kube/history.ts";

export interface StallThresholds {
  /** A new pod counts as crash looping at CrashLoopBackOff with at least this many restarts. */
  crashLoopRestarts: number;
  /** A new pod not Ready for at least this long (seconds) counts as never becoming ready. */
  notReadySeconds: number;
}

export const defaultStallThresholds: StallThresholds = { crashLoopRestarts: 3, notReadySeconds: 600 };

export type StallSignal = "progress-deadline" | "crash-loop" | "not-ready";

export type StallVerdict =
  | {
      stalled: true;
      signal: StallSignal;
      /** For people: what was seen, naming the pods or the condition. */
      reason: string;
      /** The revision that stalled (the Deployment's `deployment.kubernetes.io/revision`). */
      revision: number;
      /** The revision a rollback would go back to; absent when there is none (nothing to roll back to). */
      previousRevision?: number;
    }
  | { stalled: false; reason: string };

/** client-node deserializes timestamps to Date; objects from JSON carry strings. Either is fine here. */
function timeOf(value: Date | string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const time = new Date(value).getTime();
  return Number.isNaN(time) ? undefined : time;
}

function ownedBy(pod: V1Pod, replicaSet: V1ReplicaSet): boolean {
  const uid = replicaSet.metadata?.uid;
  return (pod.metadata?.ownerReferences ?? []).some((ref) => ref.controller === true && ref.uid === uid);
}

function crashLooping(pod: V1Pod, minRestarts: number): { container: string; restarts: number } | undefined {
  const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  for (const status of statuses) {
    if (status.state?.waiting?.reason === "CrashLoopBackOff" && status.restartCount >= minRestarts) {
      return { container: status.name, restarts: status.restartCount };
    }
  }
  return undefined;
}

/** Seconds the pod has been not Ready (since its Ready condition turned, else since it was created). */
function notReadyFor(pod: V1Pod, now: Date): number | undefined {
  if (pod.metadata?.deletionTimestamp) return undefined;
  const ready = pod.status?.conditions?.find((condition) => condition.type === "Ready");
  if (ready?.status === "True") return undefined;
  const since = timeOf(ready?.lastTransitionTime) ?? timeOf(pod.metadata?.creationTimestamp);
  if (since === undefined) return undefined;
  return Math.max(0, (now.getTime() - since) / 1000);
}

/** The RS name a ProgressDeadlineExceeded message names: `ReplicaSet "web-5d9c" has timed out progressing.` */
function replicaSetNamed(message: string | undefined): string | undefined {
  return message?.match(/ReplicaSet "([^"]+)"/)?.[1];
}

const notStalled = (reason: string): StallVerdict => ({ stalled: false, reason });

/**
 * Is this Deployment's current rollout stalled? Stalled means either:
 * - condition `Progressing=False` with reason `ProgressDeadlineExceeded` (the controller's own verdict), or
 * - a pod of the new ReplicaSet crash looping (`CrashLoopBackOff`, restarts ≥ `crashLoopRestarts`) or not
 *   Ready for `notReadySeconds`, while the previous revision is healthy (its ReplicaSets have ready
 *   replicas) — rolling back to a revision that is not healthy either would not help.
 * A rollout that completed, is paused, scales to zero, or that the controller has not observed yet is
 * never stalled (a stale condition from before a rollback must not trigger a second one).
 *
 * @example
 * const verdict = detectStall(deployment, replicaSets, pods, new Date(), defaultStallThresholds);
 * if (verdict.stalled) console.log(`revision ${verdict.revision}: ${verdict.reason}`);
 */
export function detectStall(
  deployment: V1Deployment,
  replicaSets: readonly V1ReplicaSet[],
  pods: readonly V1Pod[],
  now: Date,
  thresholds: StallThresholds = defaultStallThresholds,
): StallVerdict {
  if (deployment.spec?.paused) return notStalled("the rollout is paused");
  const desired = deployment.spec?.replicas ?? 1;
  if (desired === 0) return notStalled("the Deployment is scaled to zero");
  const generation = deployment.metadata?.generation ?? 0;
  if ((deployment.status?.observedGeneration ?? 0) < generation) {
    return notStalled("the controller has not observed the latest spec yet");
  }
  const revisionText = deployment.metadata?.annotations?.[REVISION_ANNOTATION];
  const revision = revisionText === undefined ? Number.NaN : Number(revisionText);
  if (!Number.isInteger(revision)) return notStalled("the Deployment has no revision yet");

  const owned = controlledBy(deployment, replicaSets);
  const newReplicaSet = owned.find((rs) => revisionOf(rs) === revision);
  if (!newReplicaSet) return notStalled(`the ReplicaSet of revision ${revision} does not exist yet`);
  if ((newReplicaSet.status?.availableReplicas ?? 0) >= desired) {
    return notStalled(`revision ${revision} is available (${desired} of ${desired} replicas)`);
  }

  const older = owned.filter((rs) => {
    const other = revisionOf(rs);
    return rs !== newReplicaSet && other !== undefined && other < revision;
  });
  const previousRevision = older.reduce<number | undefined>((best, rs) => {
    const other = revisionOf(rs) ?? 0;
    return best === undefined || other > best ? other : best;
  }, undefined);
  const stalled = (signal: StallSignal, reason: string): StallVerdict => ({
    stalled: true,
    signal,
    reason,
    revision,
    ...(previousRevision === undefined ? {} : { previousRevision }),
  });

  const progressing = deployment.status?.conditions?.find((condition) => condition.type === "Progressing");
  if (progressing?.status === "False" && progressing.reason === "ProgressDeadlineExceeded") {
    const named = replicaSetNamed(progressing.message);
    // The condition outlives the rollout it was about until the controller rewrites it.
    if (named === undefined || named === newReplicaSet.metadata?.name) {
      return stalled(
        "progress-deadline",
        `Progressing=False: ProgressDeadlineExceeded: ${progressing.message ?? "the rollout timed out"}`,
      );
    }
  }

  const newPods = pods.filter((pod) => ownedBy(pod, newReplicaSet));
  const looping = newPods.flatMap((pod) => {
    const found = crashLooping(pod, thresholds.crashLoopRestarts);
    return found ? [{ pod: pod.metadata?.name ?? "", ...found }] : [];
  });
  const unready = newPods.flatMap((pod) => {
    const seconds = notReadyFor(pod, now);
    return seconds !== undefined && seconds >= thresholds.notReadySeconds
      ? [{ pod: pod.metadata?.name ?? "", seconds: Math.round(seconds) }]
      : [];
  });
  if (looping.length === 0 && unready.length === 0) {
    return notStalled(`revision ${revision} is still rolling out`);
  }
  const oldReady = older.reduce((sum, rs) => sum + (rs.status?.readyReplicas ?? 0), 0);
  if (oldReady === 0) {
    return notStalled(
      `pods of revision ${revision} are failing, but the previous revision has no ready replicas either: a rollback would not help`,
    );
  }
  if (looping.length > 0) {
    const first = looping[0];
    return stalled(
      "crash-loop",
      `${looping.length} pod(s) of revision ${revision} crash looping (${first?.pod}: container ${first?.container} in CrashLoopBackOff after ${first?.restarts} restarts) while revision ${previousRevision} has ${oldReady} ready`,
    );
  }
  const first = unready[0];
  return stalled(
    "not-ready",
    `${unready.length} pod(s) of revision ${revision} not ready for ${thresholds.notReadySeconds}s or more (${first?.pod}: ${first?.seconds}s) while revision ${previousRevision} has ${oldReady} ready`,
  );
}
