// One pod's eviction during a drain, and the confirmation that evicted pods are gone: the Eviction API
// asked again while a PodDisruptionBudget or the API server's throttling says not yet (429), a refused
// precondition or a terminating namespace looked at afresh (409 / 403), and an answer lost to a
// server error or a dropped connection checked against the pod before anything is said (502-504, no
// answer). drain.ts runs these for every pod of a node under one deadline.
import type { V1Eviction, V1Pod } from "@kubernetes/client-node";
import type { Kube } from "./client.ts";
import { deletingLongerThan, podKey } from "./drain-filters.ts";
import { apiHeader, apiMessage, apiStatus, toKubeVerbError } from "./errors.ts";
import { ApiException } from "./k8s.ts";
import { dryRunParam } from "./result.ts";
import { retryAfterMs } from "./retrying-http.ts";

/** How often one pod's eviction is asked again after a server error or a lost answer. */
const MAX_LOST_EVICTION_ANSWERS = 3;
const POD_PAGE = 500;

export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

export function formatDelay(ms: number): string {
  return ms < 1000 ? `${ms}ms` : `${Number((ms / 1000).toFixed(1))}s`;
}

/** `details.causes[].type` of an API error's Status, e.g. NamespaceTerminating. */
function statusCauseTypes(error: unknown): string[] {
  if (!(error instanceof ApiException) || typeof error.body !== "string") return [];
  try {
    const status = JSON.parse(error.body) as { details?: { causes?: { type?: unknown }[] } };
    return (status.details?.causes ?? []).map((cause) => String(cause.type));
  } catch {
    return [];
  }
}

export async function listPodsOnNode(kube: Kube, nodeName: string): Promise<V1Pod[]> {
  const pods: V1Pod[] = [];
  let continueToken: string | undefined;
  try {
    do {
      const page = await kube.core.listPodForAllNamespaces({
        fieldSelector: `spec.nodeName=${nodeName}`,
        limit: POD_PAGE,
        _continue: continueToken,
      });
      pods.push(...page.items);
      continueToken = page.metadata?._continue || undefined;
    } while (continueToken);
  } catch (error) {
    throw toKubeVerbError(error, `the pods on node ${nodeName}`);
  }
  return pods;
}

export type PodOutcome =
  | { kind: "evicted"; note?: string }
  /** `transient`: the API server could not answer (502/503/504, no answer): a later drain may succeed. */
  | { kind: "failed"; reason: string; transient?: boolean }
  | { kind: "left"; reason: string };

export interface DeletionWatcher {
  /** Resolves when the pod is gone, or when the drain stops (deadline or cancel). */
  waitFor(pod: V1Pod): Promise<PodOutcome>;
}

/**
 * Confirms evicted pods are gone with one LIST of the node's pods per interval for all of them
 * (kubectl GETs each pod every second). Gone = absent from the node or present with another UID.
 */
export function watchDeletions(
  kube: Kube,
  nodeName: string,
  pollMs: number,
  skipWaitSeconds: number | undefined,
  stop: AbortSignal,
): DeletionWatcher {
  const waiting = new Map<string, { uid: string; done: (outcome: PodOutcome) => void }>();
  let running = false;

  const settle = (key: string, outcome: PodOutcome) => {
    waiting.get(key)?.done(outcome);
    waiting.delete(key);
  };

  const loop = async () => {
    let lastError = "";
    while (waiting.size > 0) {
      await sleep(pollMs, stop);
      if (stop.aborted) {
        for (const key of [...waiting.keys()]) {
          settle(key, { kind: "left", reason: `eviction accepted, still terminating${lastError}` });
        }
        break;
      }
      let current: V1Pod[];
      try {
        current = await listPodsOnNode(kube, nodeName);
        lastError = "";
      } catch (error) {
        // A failed check is not a failed eviction: try again at the next interval, until the deadline.
        lastError = ` (last check failed: ${error instanceof Error ? error.message : String(error)})`;
        continue;
      }
      const byKey = new Map(current.map((pod) => [podKey(pod), pod]));
      const now = new Date();
      for (const [key, { uid }] of [...waiting]) {
        const pod = byKey.get(key);
        if (!pod || pod.metadata?.uid !== uid) settle(key, { kind: "evicted" });
        else if (deletingLongerThan(pod, skipWaitSeconds, now)) {
          settle(key, {
            kind: "evicted",
            note: `${key} still terminating after ${skipWaitSeconds}s; not waiting for it (skip-wait-for-delete-timeout)`,
          });
        }
      }
    }
    running = false;
  };

  return {
    waitFor(pod) {
      return new Promise((done) => {
        waiting.set(podKey(pod), { uid: pod.metadata?.uid ?? "", done });
        if (!running) {
          running = true;
          void loop();
        }
      });
    },
  };
}

/** What one pod's eviction works with: the drain's mode, deadline, progress lines and deletion watcher. */
export interface EvictContext {
  dryRun: boolean;
  /** Passed to the eviction when ≥ 0; otherwise the pod's own terminationGracePeriodSeconds. */
  gracePeriodSeconds: number | undefined;
  /** Wait before asking again after a refusal without Retry-After. */
  retryDelayMs: number;
  /** The drain's deadline or cancel: the pod is then left, with what blocked it. */
  stop: AbortSignal;
  progress: (line: string) => void;
  watcher: DeletionWatcher;
}

/** Evicts one pod (exactly that pod: a UID precondition) and waits until it is gone, or says why not. */
export async function evictPod(kube: Kube, pod: V1Pod, ctx: EvictContext): Promise<PodOutcome> {
  const name = pod.metadata?.name ?? "";
  const namespace = pod.metadata?.namespace ?? "";
  const key = podKey(pod);
  const uid = pod.metadata?.uid ?? "";
  const { dryRun, retryDelayMs, stop, progress, watcher } = ctx;
  const eviction: V1Eviction = {
    apiVersion: "policy/v1",
    kind: "Eviction",
    metadata: { name, namespace },
    deleteOptions: {
      // The UID precondition makes "evict this pod" exact: a same-named replacement is never evicted.
      preconditions: { uid },
      ...(ctx.gracePeriodSeconds !== undefined && ctx.gracePeriodSeconds >= 0
        ? { gracePeriodSeconds: ctx.gracePeriodSeconds }
        : {}),
    },
  };
  /** The pod as it is now: gone (or replaced by a same-named one), on its way out, or still there. */
  const podNow = async (): Promise<"gone" | "going" | "there"> => {
    let fresh: V1Pod | undefined;
    try {
      fresh = await kube.core.readNamespacedPod({ name, namespace });
    } catch (readError) {
      if (apiStatus(readError) === 404) return "gone";
    }
    if (fresh && fresh.metadata?.uid !== uid) return "gone";
    return fresh?.metadata?.deletionTimestamp ? "going" : "there";
  };
  const notYet = "eviction not yet requested";
  let blockedBy = notYet;
  let lostAnswers = 0;
  for (;;) {
    if (stop.aborted) return { kind: "left", reason: blockedBy };
    try {
      await kube.core.createNamespacedPodEviction({
        name,
        namespace,
        body: eviction,
        dryRun: dryRunParam(dryRun),
      });
      break;
    } catch (error) {
      // the drain stopped with this eviction in flight: whether it landed is not known
      if (stop.aborted) {
        const inFlight = "an eviction request was in flight (whether it landed is unknown)";
        return { kind: "left", reason: blockedBy === notYet ? inFlight : `${blockedBy}; ${inFlight}` };
      }
      const status = apiStatus(error);
      const detail = apiMessage(error) ?? (error instanceof Error ? error.message : String(error));
      if (status === 404) return { kind: "evicted" };
      // A retry re-sends the eviction without re-reading the pod (kubectl.md says re-read): the UID
      // precondition keeps it exact, and 404 / 409 already say the pod is gone, so one request per try.
      if (status === 429) {
        if (dryRun) {
          return { kind: "failed", reason: `eviction would be refused now (429): ${detail}` };
        }
        // A PodDisruptionBudget's no and the API server's throttling both answer 429; only the
        // throttle says when to come back (Retry-After), and only the budget is worth naming.
        const byBudget = /disruption budget/i.test(detail);
        const wait = retryAfterMs(apiHeader(error, "retry-after")) ?? retryDelayMs;
        blockedBy = `eviction refused (429): ${detail}`;
        progress(
          byBudget
            ? `waiting for PDB on ${key}: 429, retrying in ${formatDelay(wait)}`
            : `the API server is throttling the eviction of ${key} (429), retrying in ${formatDelay(wait)}`,
        );
        await sleep(wait, stop);
        continue;
      }
      const namespaceTerminating = status === 403 && statusCauseTypes(error).includes("NamespaceTerminating");
      if (status === 409 || namespaceTerminating) {
        // 409: the UID precondition failed (or the PDB kept changing); 403: the namespace is going away.
        // Either way, look at the pod as it is now.
        const now = await podNow();
        if (now === "gone") return { kind: "evicted" };
        if (now === "going") break;
        if (dryRun) return { kind: "failed", reason: `eviction would be refused now (${status}): ${detail}` };
        blockedBy = `eviction refused (${status}): ${detail}`;
        progress(`eviction of ${key} refused (${status}), retrying in ${formatDelay(retryDelayMs)}`);
        await sleep(retryDelayMs, stop);
        continue;
      }
      // 500 is an answer (the API server refuses, e.g. a pod under two PDBs); 502-504 and no answer at
      // all are not, and the eviction may have landed.
      const unanswered = status === undefined || status >= 502;
      if (unanswered && !dryRun && lostAnswers++ < MAX_LOST_EVICTION_ANSWERS) {
        // A server error or a lost connection: the eviction may have landed all the same. Look at the
        // pod before saying anything: gone or going is evicted; still there is asked again.
        const now = await podNow();
        if (now === "gone") return { kind: "evicted" };
        if (now === "going") break;
        blockedBy = `eviction failed (${status ? `HTTP ${status}` : "no answer"}): ${detail}`;
        progress(`eviction of ${key} got no answer it could trust (${status ?? "network"}), asking again`);
        await sleep(Math.min(retryDelayMs, 1000), stop);
        continue;
      }
      return {
        kind: "failed",
        reason: `eviction ${unanswered ? "failed" : "refused"}${status ? ` (HTTP ${status})` : ""}: ${detail}`,
        ...(unanswered ? { transient: true } : {}),
      };
    }
  }
  if (dryRun) return { kind: "evicted" };
  return watcher.waitFor(pod);
}
