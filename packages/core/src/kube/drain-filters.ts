import type { V1OwnerReference, V1Pod } from "@kubernetes/client-node";

/**
 * kubectl drain's pod filters (k8s.io/kubectl/pkg/drain/filters.go), as pure functions.
 *
 * Each filter looks at one pod and says evict / skip / error; the first filter that does not say
 * "evict" decides. Any error anywhere blocks the whole drain (kubectl's all-or-nothing check).
 * The only fact that needs the API server (does a DaemonSet still exist?) is looked up beforehand
 * and passed in, so the chain itself does no I/O.
 */

/** kubectl's own wording, so people who know kubectl recognise the messages. */
export const DAEMONSET_FATAL = "DaemonSet-managed Pods (use --ignore-daemonsets to ignore)";
export const DAEMONSET_WARNING = "ignoring DaemonSet-managed Pods";
export const LOCAL_STORAGE_FATAL =
  "cannot delete Pods with local storage (use --delete-emptydir-data to override)";
export const LOCAL_STORAGE_WARNING = "deleting Pods with local storage";
export const UNMANAGED_FATAL = "cannot delete Pods that declare no controller (use --force to override)";
export const UNMANAGED_WARNING = "deleting Pods that declare no controller";
export const MIRROR_POD_ANNOTATION = "kubernetes.io/config.mirror";

export interface DrainFilterOptions {
  force: boolean;
  ignoreDaemonSets: boolean;
  deleteEmptyDirData: boolean;
  /** Pods deleting for longer than this are skipped (and not waited for); 0 or absent: off. */
  skipWaitForDeleteTimeoutSeconds?: number;
}

/** What the API server said about a DaemonSet that owns a pod on the node. */
export type DaemonSetLookup = { found: true } | { found: false } | { error: string };

export interface DrainFacts {
  now: Date;
  /** Keyed by `namespace/name` of the DaemonSet (see {@link daemonSetKey}). */
  daemonSets: ReadonlyMap<string, DaemonSetLookup>;
}

export type PodVerdict =
  | { action: "evict"; warning?: string }
  | { action: "skip"; reason: string; warning?: string }
  | { action: "error"; reason: string };

export type PodFilter = (pod: V1Pod, options: DrainFilterOptions, facts: DrainFacts) => PodVerdict;

const EVICT: PodVerdict = { action: "evict" };

export function podKey(pod: V1Pod): string {
  return `${pod.metadata?.namespace ?? ""}/${pod.metadata?.name ?? ""}`;
}

export function daemonSetKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

export function controllerOf(pod: V1Pod): V1OwnerReference | undefined {
  return pod.metadata?.ownerReferences?.find((ref) => ref.controller === true);
}

function isFinished(pod: V1Pod): boolean {
  const phase = pod.status?.phase;
  return phase === "Succeeded" || phase === "Failed";
}

/** True when the pod has been deleting for longer than the threshold (kubectl's shouldSkipPod). */
export function deletingLongerThan(pod: V1Pod, thresholdSeconds: number | undefined, now: Date): boolean {
  const deletedAt = pod.metadata?.deletionTimestamp;
  if (!thresholdSeconds || thresholdSeconds <= 0 || !deletedAt) return false;
  return Math.floor((now.getTime() - new Date(deletedAt).getTime()) / 1000) > thresholdSeconds;
}

export const skipDeletedFilter: PodFilter = (pod, options, facts) =>
  deletingLongerThan(pod, options.skipWaitForDeleteTimeoutSeconds, facts.now)
    ? {
        action: "skip",
        reason: `deleting for more than ${options.skipWaitForDeleteTimeoutSeconds}s (skip-wait-for-delete-timeout)`,
      }
    : EVICT;

export const daemonSetFilter: PodFilter = (pod, options, facts) => {
  const controller = controllerOf(pod);
  if (controller?.kind !== "DaemonSet") return EVICT;
  // The DaemonSet controller does not recreate finished pods, so they can go.
  if (isFinished(pod)) return EVICT;
  const key = daemonSetKey(pod.metadata?.namespace ?? "", controller.name);
  const lookup = facts.daemonSets.get(key);
  if (!lookup) {
    return { action: "error", reason: `DaemonSet ${key} was not looked up (a bug in Homeostat's drain)` };
  }
  if ("error" in lookup) return { action: "error", reason: lookup.error };
  if (!lookup.found) {
    const missing = `daemonsets.apps "${controller.name}" not found`;
    // An orphan nobody will recreate: only --force deletes it (kubectl does the same).
    return options.force ? { action: "evict", warning: missing } : { action: "error", reason: missing };
  }
  if (!options.ignoreDaemonSets) return { action: "error", reason: DAEMONSET_FATAL };
  return { action: "skip", reason: "DaemonSet-managed (left in place)", warning: DAEMONSET_WARNING };
};

export const mirrorPodFilter: PodFilter = (pod) =>
  pod.metadata?.annotations?.[MIRROR_POD_ANNOTATION] !== undefined
    ? { action: "skip", reason: "mirror pod of a static pod (managed by the kubelet)" }
    : EVICT;

function hasEmptyDir(pod: V1Pod): boolean {
  return (pod.spec?.volumes ?? []).some(
    (volume) => volume.emptyDir !== undefined && volume.emptyDir !== null,
  );
}

export const localStorageFilter: PodFilter = (pod, options) => {
  if (!hasEmptyDir(pod) || isFinished(pod)) return EVICT;
  if (!options.deleteEmptyDirData) return { action: "error", reason: LOCAL_STORAGE_FATAL };
  return { action: "evict", warning: LOCAL_STORAGE_WARNING };
};

export const unreplicatedFilter: PodFilter = (pod, options) => {
  if (isFinished(pod) || controllerOf(pod) !== undefined) return EVICT;
  if (!options.force) return { action: "error", reason: UNMANAGED_FATAL };
  return { action: "evict", warning: UNMANAGED_WARNING };
};

/** In kubectl's order. */
export const DRAIN_FILTERS: readonly PodFilter[] = [
  skipDeletedFilter,
  daemonSetFilter,
  mirrorPodFilter,
  localStorageFilter,
  unreplicatedFilter,
];

export function classifyPod(pod: V1Pod, options: DrainFilterOptions, facts: DrainFacts): PodVerdict {
  // Unlike kubectl (which keeps only the last filter's status), collect every warning on the way.
  const warnings: string[] = [];
  for (const filter of DRAIN_FILTERS) {
    const verdict = filter(pod, options, facts);
    if (verdict.action === "error") return verdict;
    if (verdict.warning) warnings.push(verdict.warning);
    if (verdict.action === "skip") {
      return warnings.length > 0 ? { ...verdict, warning: warnings.join("; ") } : verdict;
    }
  }
  return warnings.length > 0 ? { action: "evict", warning: warnings.join("; ") } : EVICT;
}

export interface PodWithReason {
  pod: string;
  reason: string;
}

export interface DrainPlan {
  evict: V1Pod[];
  skipped: PodWithReason[];
  /** Non-empty: the drain must not evict anything. */
  errors: PodWithReason[];
  /** kubectl-style lines, one per warning text: "ignoring DaemonSet-managed Pods: kube-system/a, kube-system/b". */
  warnings: string[];
}

function groupByText(entries: { pod: string; text: string }[], separator: string): string[] {
  const byText = new Map<string, string[]>();
  for (const { pod, text } of entries) {
    const pods = byText.get(text) ?? [];
    pods.push(pod);
    byText.set(text, pods);
  }
  return [...byText].map(([text, pods]) => `${text}${separator}${pods.join(", ")}`);
}

/** Runs the chain over every pod on the node. */
export function planDrain(pods: readonly V1Pod[], options: DrainFilterOptions, facts: DrainFacts): DrainPlan {
  const plan: DrainPlan = { evict: [], skipped: [], errors: [], warnings: [] };
  const warned: { pod: string; text: string }[] = [];
  for (const pod of pods) {
    const key = podKey(pod);
    const verdict = classifyPod(pod, options, facts);
    if (verdict.action === "error") {
      plan.errors.push({ pod: key, reason: verdict.reason });
      continue;
    }
    if (verdict.warning) warned.push({ pod: key, text: verdict.warning });
    if (verdict.action === "skip") plan.skipped.push({ pod: key, reason: verdict.reason });
    else plan.evict.push(pod);
  }
  plan.warnings = groupByText(warned, ": ");
  return plan;
}

/** kubectl's aggregated error text: "cannot delete Pods with local storage (...): shop/a, shop/b". */
export function describeErrors(errors: readonly PodWithReason[]): string {
  return groupByText(
    errors.map((e) => ({ pod: e.pod, text: e.reason })),
    ": ",
  ).join("; ");
}

/**
 * The DaemonSets whose existence the chain needs to know: owners of running DaemonSet pods that the
 * skip-deleted filter does not already drop. Deduplicated, so one GET per DaemonSet (kubectl does one per pod).
 */
export function daemonSetsToLookUp(
  pods: readonly V1Pod[],
  options: DrainFilterOptions,
  now: Date,
): { namespace: string; name: string }[] {
  const wanted = new Map<string, { namespace: string; name: string }>();
  for (const pod of pods) {
    const controller = controllerOf(pod);
    if (controller?.kind !== "DaemonSet" || isFinished(pod)) continue;
    if (deletingLongerThan(pod, options.skipWaitForDeleteTimeoutSeconds, now)) continue;
    const namespace = pod.metadata?.namespace ?? "";
    wanted.set(daemonSetKey(namespace, controller.name), { namespace, name: controller.name });
  }
  return [...wanted.values()];
}
