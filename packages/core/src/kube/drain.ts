import { setMaxListeners } from "node:events";
import type { V1Pod } from "@kubernetes/client-node";
import { KubeVerbError } from "../domain/errors.ts";
import type { VerbOptions, VerbResult } from "../domain/verb.ts";
import { verbCommandLine, verbUndo } from "../domain/verbs/index.ts";
import { type Kube, withRequestSignal } from "./client.ts";
import { isUnschedulable, patchUnschedulable, requestedNodeTarget } from "./cordon.ts";
import { evictPod, formatDelay, listPodsOnNode, watchDeletions } from "./drain-evict.ts";
import {
  type DaemonSetLookup,
  type DrainFilterOptions,
  daemonSetKey,
  daemonSetsToLookUp,
  describeErrors,
  type PodWithReason,
  planDrain,
  podKey,
} from "./drain-filters.ts";
import { apiStatus, toKubeVerbError } from "./errors.ts";
import { resolveNode } from "./nodes.ts";
import { startVerb } from "./result.ts";

export type DrainOptions = VerbOptions & {
  /** One deadline for the whole drain, in ms; absent or 0: wait as long as it takes (kubectl's default). */
  timeoutMs?: number;
  /** Passed to every eviction when ≥ 0; otherwise each pod's own terminationGracePeriodSeconds. */
  gracePeriodSeconds?: number;
  /** Evict pods with emptyDir volumes (their data is lost). */
  deleteEmptyDirData?: boolean;
  /** Evict pods no controller will recreate, and orphaned DaemonSet pods. */
  force?: boolean;
  /** Leave DaemonSet pods in place (default true: every EKS node runs some). */
  ignoreDaemonSets?: boolean;
  /**
   * Don't wait for pods whose deletion started more than this many seconds ago. Pods on a NotReady
   * node never finish terminating (no kubelet confirms it); set this to drain such a node anyway.
   */
  skipWaitForDeleteTimeoutSeconds?: number;
  /** Wait between eviction attempts that a PodDisruptionBudget refused (429); default 5000 as kubectl. */
  evictionRetryDelayMs?: number;
  /** Interval between checks that evicted pods are gone; default 1000 as kubectl. */
  podDeletePollMs?: number;
};

/** The node before the drain: was it cordoned, and which pods (`namespace/name`) ran on it. */
export interface DrainBefore {
  unschedulable: boolean;
  pods: string[];
}

/** What the drain did (or, in a dry run, would do). */
export interface DrainReport {
  unschedulable: boolean;
  /** Pods confirmed gone (their UID no longer on the node); in a dry run, the pods that would be evicted. */
  evicted: string[];
  /** Pods left in place on purpose (DaemonSet, mirror, long-deleting), with the reason. */
  skipped: PodWithReason[];
  /** Pods that block the drain or could not be evicted, including those left when the deadline came. */
  failed: PodWithReason[];
}

const DEFAULT_RETRY_DELAY_MS = 5000;
const DEFAULT_POLL_MS = 1000;
/** How long putting a node back (uncordoning after a failed read) may take once the drain is over. */
const CLEANUP_MS = 5000;

async function lookUpDaemonSets(
  kube: Kube,
  wanted: { namespace: string; name: string }[],
): Promise<Map<string, DaemonSetLookup>> {
  const entries = await Promise.all(
    wanted.map(async ({ namespace, name }): Promise<[string, DaemonSetLookup]> => {
      const key = daemonSetKey(namespace, name);
      try {
        await kube.apps.readNamespacedDaemonSet({ name, namespace });
        return [key, { found: true }];
      } catch (error) {
        if (apiStatus(error) === 404) return [key, { found: false }];
        return [key, { error: toKubeVerbError(error, `DaemonSet ${key}`).message }];
      }
    }),
  );
  return new Map(entries);
}

/**
 * Drains a node like `kubectl drain --ignore-daemonsets`: cordon, list its pods, run kubectl's filter
 * chain, evict through the Eviction API in parallel under one deadline, confirm each pod gone by UID.
 *
 * Deliberately unlike kubectl: when a filter blocks the drain (say an emptyDir pod without
 * `deleteEmptyDirData`), nothing is evicted and a node we cordoned is uncordoned again, so the
 * cluster is left as it was. When the deadline passes the node stays cordoned and the report lists
 * what is left. Dry run: a server-side dry-run cordon and one dry-run eviction per pod, no waiting.
 *
 * @example
 * const result = await drain(kube, "i-0123456789abcdef0", {
 *   timeoutMs: 300_000, deleteEmptyDirData: true, onProgress: console.log,
 * });
 * if (!result.ok) console.error(result.message, result.after?.failed);
 */
export async function drain(
  kube: Kube,
  nodeOrInstanceId: string,
  opts: DrainOptions = {},
): Promise<VerbResult<DrainBefore, DrainReport>> {
  const dryRun = opts.dryRun === true;
  const run = startVerb(kube, "drain", requestedNodeTarget(nodeOrInstanceId), dryRun);
  const progress = (line: string) => opts.onProgress?.(line);
  const timeoutMs = opts.timeoutMs && opts.timeoutMs > 0 ? opts.timeoutMs : undefined;
  const retryDelayMs = opts.evictionRetryDelayMs ?? DEFAULT_RETRY_DELAY_MS;
  const filterOptions: DrainFilterOptions = {
    force: opts.force === true,
    ignoreDaemonSets: opts.ignoreDaemonSets ?? true,
    deleteEmptyDirData: opts.deleteEmptyDirData === true,
    skipWaitForDeleteTimeoutSeconds: opts.skipWaitForDeleteTimeoutSeconds,
  };

  // One overall deadline, started before the first request, as kubectl's --timeout.
  const deadline = timeoutMs ? AbortSignal.timeout(timeoutMs) : undefined;
  const signals = [opts.signal, deadline].filter((s): s is AbortSignal => s !== undefined);
  const stop = signals.length > 0 ? AbortSignal.any(signals) : new AbortController().signal;
  // every pod waiting out a 429 listens on it: hundreds of listeners are expected, not a leak
  setMaxListeners(0, stop);
  const stopReason = () =>
    opts.signal?.aborted ? "drain cancelled" : `deadline of ${formatDelay(timeoutMs ?? 0)} reached`;
  /** An error while `stop` ended the requests in flight is the deadline's (or the cancel's), not the network's. */
  const stopped = (error: unknown, during: string): unknown =>
    stop.aborted
      ? new KubeVerbError(opts.signal?.aborted ? "failed" : "timeout", `${stopReason()} ${during}`, {
          cause: error,
        })
      : error;

  // every request of the drain ends when it stops: its deadline bounds the requests in flight too
  return await withRequestSignal(stop, async () => {
    let resolved: Awaited<ReturnType<typeof resolveNode>>;
    try {
      resolved = await resolveNode(kube, nodeOrInstanceId);
    } catch (error) {
      throw stopped(
        error,
        `while reading node ${nodeOrInstanceId} (in flight: GET of the node); nothing changed`,
      );
    }
    const { node, target } = resolved;
    run.setTarget(target);
    const nodeName = target.name;
    const wasCordoned = isUnschedulable(node);
    // stopped (Ctrl-C, or the deadline) while finding the node: do not cordon after all
    if (stop.aborted) {
      throw stopped(undefined, `before the cordon of node ${nodeName}; nothing changed`);
    }
    const undo = verbCommandLine({ verb: "uncordon", target, params: {} });
    if (!wasCordoned) {
      try {
        const cordoned = await patchUnschedulable(
          kube,
          nodeName,
          true,
          dryRun,
          `${verbCommandLine({
            verb: "drain",
            target,
            params: {
              ignoreDaemonSets: filterOptions.ignoreDaemonSets,
              deleteEmptyDirData: filterOptions.deleteEmptyDirData,
              force: filterOptions.force,
              ...(timeoutMs === undefined ? {} : { timeoutSeconds: timeoutMs / 1000 }),
              ...(opts.gracePeriodSeconds === undefined
                ? {}
                : { gracePeriodSeconds: opts.gracePeriodSeconds }),
              ...(opts.skipWaitForDeleteTimeoutSeconds === undefined
                ? {}
                : { skipWaitForDeleteTimeoutSeconds: opts.skipWaitForDeleteTimeoutSeconds }),
            },
          })}; if the node is cordoned and should not be: ${undo}`,
        );
        progress(
          dryRun
            ? `node ${nodeName} would be cordoned (dry run)`
            : `node ${nodeName} cordoned${cordoned.confirmed ? " (the answer was lost; the node is cordoned)" : ""}`,
        );
      } catch (error) {
        throw stopped(
          error,
          `while cordoning node ${nodeName} (in flight: the PATCH of the node; whether it landed is unknown: ${undo} puts it back)`,
        );
      }
    }
    const cordonedByUs = !wasCordoned && !dryRun;

    let pods: V1Pod[];
    let daemonSets: Awaited<ReturnType<typeof lookUpDaemonSets>>;
    const now = new Date();
    try {
      pods = await listPodsOnNode(kube, nodeName);
      daemonSets = await lookUpDaemonSets(kube, daemonSetsToLookUp(pods, filterOptions, now));
    } catch (error) {
      const why = stopped(
        error,
        "while reading the node's pods (in flight: the pod list or a DaemonSet GET)",
      );
      const reason = why instanceof Error ? why.message : String(why);
      if (!cordonedByUs) throw why;
      // Nothing was evicted: leave the node as it was, as when the filters block the drain. This runs
      // after the drain's own signal may have ended, under a short deadline of its own.
      const uncordoned = await withRequestSignal(AbortSignal.timeout(CLEANUP_MS), () =>
        patchUnschedulable(kube, nodeName, false, false),
      ).then(
        () => undefined,
        (uncordonError: unknown) =>
          uncordonError instanceof Error ? uncordonError.message : String(uncordonError),
      );
      if (uncordoned === undefined) {
        progress(`node ${nodeName} uncordoned again: the drain could not read its pods`);
        throw why;
      }
      const message = `cannot drain node ${nodeName}: ${reason}; nothing was evicted, and the node stays cordoned: uncordoning it again failed (${uncordoned}); to put it back: ${undo}`;
      progress(message);
      return run.finish({
        ok: false,
        retryable: true,
        changed: true,
        before: { unschedulable: wasCordoned, pods: [] },
        after: { unschedulable: true, evicted: [], skipped: [], failed: [] },
        message,
        undo: verbUndo("drain", target),
      });
    }
    const plan = planDrain(pods, filterOptions, { now, daemonSets });
    const before: DrainBefore = { unschedulable: wasCordoned, pods: pods.map(podKey) };
    const warnings = [...plan.warnings];

    if (plan.errors.length > 0) {
      if (cordonedByUs) {
        await withRequestSignal(AbortSignal.timeout(CLEANUP_MS), () =>
          patchUnschedulable(kube, nodeName, false, false),
        );
      }
      return run.finish({
        ok: false,
        changed: false,
        before,
        after: { unschedulable: wasCordoned, evicted: [], skipped: plan.skipped, failed: plan.errors },
        message:
          `cannot drain node ${nodeName}: ${describeErrors(plan.errors)}; nothing was evicted` +
          (cordonedByUs ? " and the node was uncordoned again" : ""),
        warnings,
      });
    }

    const total = plan.evict.length;
    const evicted: string[] = [];
    const failed: PodWithReason[] = [];
    let unanswered = 0;
    const watcher = watchDeletions(
      kube,
      nodeName,
      opts.podDeletePollMs ?? DEFAULT_POLL_MS,
      opts.skipWaitForDeleteTimeoutSeconds,
      stop,
    );

    if (total > 0) {
      progress(
        dryRun
          ? `would evict ${total} pods from node ${nodeName} (dry run)…`
          : `evicting ${total} pods from node ${nodeName}…`,
      );
    }
    const left: PodWithReason[] = [];
    await Promise.all(
      plan.evict.map(async (pod) => {
        const key = podKey(pod);
        const outcome = await evictPod(kube, pod, {
          dryRun,
          gracePeriodSeconds: opts.gracePeriodSeconds,
          retryDelayMs,
          stop,
          progress,
          watcher,
        });
        if (outcome.kind === "evicted") {
          evicted.push(key);
          if (outcome.note) warnings.push(outcome.note);
          progress(`${dryRun ? "would evict" : "evicted"} ${key} (${evicted.length}/${total})`);
        } else if (outcome.kind === "failed") {
          failed.push({ pod: key, reason: outcome.reason });
          if (outcome.transient) unanswered++;
          progress(`failed to evict ${key}: ${outcome.reason}`);
        } else {
          left.push({ pod: key, reason: outcome.reason });
        }
      }),
    );

    for (const entry of left) failed.push({ pod: entry.pod, reason: `${stopReason()}: ${entry.reason}` });
    evicted.sort();
    failed.sort((a, b) => a.pod.localeCompare(b.pod));

    const report: DrainReport = { unschedulable: true, evicted, skipped: plan.skipped, failed };
    const counts = `${evicted.length} evicted, ${plan.skipped.length} skipped, ${failed.length} failed`;
    let message: string;
    if (dryRun) {
      message = `dry run: draining node ${nodeName} would evict ${evicted.length} pods (${counts})`;
    } else if (left.length > 0) {
      message =
        `${stopReason()} while draining node ${nodeName} (${counts}); the node stays cordoned; ` +
        `left: ${left.map((entry) => `${entry.pod} (${entry.reason})`).join("; ")}`;
    } else if (failed.length > 0) {
      message =
        `drained node ${nodeName} only in part (${counts}); the node stays cordoned; ` +
        `failed: ${failed.map((entry) => `${entry.pod} (${entry.reason})`).join("; ")}`;
    } else {
      message = `drained node ${nodeName} (${counts})`;
    }
    if (!dryRun) progress(message);

    // Evictions the API server could not answer may well succeed on the next attempt; the pods left at
    // the deadline (a PDB holding them) and those it refused would not.
    return run.finish({
      ok: failed.length === 0,
      ...(unanswered > 0 && !dryRun ? { retryable: true } : {}),
      changed: !wasCordoned || evicted.length > 0,
      before,
      after: report,
      message,
      warnings,
      ...(cordonedByUs ? { undo: verbUndo("drain", target) } : {}),
    });
  });
}
