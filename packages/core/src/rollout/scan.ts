import type { V1Deployment } from "@kubernetes/client-node";
import { rolloutStalledTrigger } from "../events/constructors.ts";
import type { RolloutStalledTrigger } from "../events/trigger.ts";
import type { Kube } from "../kube/client.ts";
import { toKubeVerbError } from "../kube/errors.ts";
import { labelSelectorString } from "../kube/history.ts";
import { isGlob, matchesAnyGlob } from "../policy/glob.ts";
import { defaultStallThresholds, detectStall, type StallThresholds, type StallVerdict } from "./detect.ts";
import { type Lister, lister, requestPool, SCAN_CONCURRENCY, SCAN_PAGE_SIZE } from "./requests.ts";

export interface ScanOptions {
  thresholds?: Partial<StallThresholds>;
  now?: Date;
  region?: string;
  account?: string;
  /** Called for each Deployment looked at closely, stalled or not (the handler logs these). */
  onVerdict?: (deployment: { namespace: string; name: string }, verdict: StallVerdict) => void;
  /** Most API requests in flight at once, lists and detail reads together (default 8). */
  concurrency?: number;
  /** Items per list page (default 500); 0 reads every list in one unpaginated request. */
  pageSize?: number;
}

/** Cheap status-only check: a finished rollout needs no ReplicaSet or pod reads. */
function rolloutComplete(deployment: V1Deployment): boolean {
  const desired = deployment.spec?.replicas ?? 1;
  const status = deployment.status ?? {};
  return (
    deployment.spec?.paused === true ||
    desired === 0 ||
    ((status.observedGeneration ?? 0) >= (deployment.metadata?.generation ?? 0) &&
      (status.updatedReplicas ?? 0) === desired &&
      (status.replicas ?? 0) === desired &&
      (status.availableReplicas ?? 0) === desired)
  );
}

/** The Deployments in `namespaces` still rolling out (finished ones are dropped page by page). */
async function deploymentsRollingOut(
  kube: Kube,
  namespaces: readonly string[],
  list: Lister,
): Promise<V1Deployment[]> {
  // Namespaces cannot be listed with the shipped RBAC (it never touches namespaces): a glob is matched
  // against the Deployments listed cluster-wide instead, which `list deployments` already allows.
  if (namespaces.some(isGlob)) {
    return await list(
      (page) => kube.apps.listDeploymentForAllNamespaces(page),
      (item) => matchesAnyGlob(namespaces, item.metadata?.namespace ?? "") && !rolloutComplete(item),
    );
  }
  const lists = await Promise.all(
    [...new Set(namespaces)].map((namespace) =>
      list(
        (page) => kube.apps.listNamespacedDeployment({ namespace, ...page }),
        (item) => !rolloutComplete(item),
      ),
    ),
  );
  return lists.flat();
}

/**
 * The rollout guard's scan: every Deployment in `namespaces` (names or globs) whose current rollout
 * stalled (see `detectStall`) and has a previous revision to go back to, as a trigger for the rollback
 * policy. Reads one list of Deployments per namespace (or one cluster-wide for globs), then the
 * ReplicaSets and pods only of Deployments still rolling out. The trigger id names the Deployment and
 * the stalled revision, so the scans that keep finding it every minute act once.
 *
 * At scale: every list is read in pages of `pageSize`, and all of the scan's requests (lists and detail
 * reads) share one pool of `concurrency` in flight, so a scan never bursts however many namespaces
 * and rollouts there are (docs/rollout-guard.md has the figures for 2,000 Deployments).
 *
 * @example
 * for (const trigger of await scanForStalledRollouts(kube, ["shop", "team-*"])) {
 *   await handleTrigger(trigger, "prod", deps);
 * }
 */
export async function scanForStalledRollouts(
  kube: Kube,
  namespaces: readonly string[],
  options: ScanOptions = {},
): Promise<RolloutStalledTrigger[]> {
  if (namespaces.length === 0) return [];
  const now = options.now ?? new Date();
  const thresholds = { ...defaultStallThresholds, ...options.thresholds };
  const pool = requestPool(options.concurrency ?? SCAN_CONCURRENCY);
  const list = lister(pool, options.pageSize ?? SCAN_PAGE_SIZE);
  try {
    let rollingOut: V1Deployment[];
    try {
      rollingOut = await deploymentsRollingOut(kube, namespaces, list);
    } catch (error) {
      throw toKubeVerbError(error, `deployments in ${namespaces.join(", ")}`);
    }
    const verdicts = await Promise.all(
      rollingOut.map(async (deployment) => {
        const namespace = deployment.metadata?.namespace ?? "";
        const name = deployment.metadata?.name ?? "";
        const labelSelector = labelSelectorString(deployment.spec?.selector);
        try {
          const [replicaSets, pods] = await Promise.all([
            list((page) => kube.apps.listNamespacedReplicaSet({ namespace, labelSelector, ...page })),
            list((page) => kube.core.listNamespacedPod({ namespace, labelSelector, ...page })),
          ]);
          const verdict = detectStall(deployment, replicaSets, pods, now, thresholds);
          options.onVerdict?.({ namespace, name }, verdict);
          return { namespace, name, verdict };
        } catch (error) {
          throw toKubeVerbError(error, `deployment ${namespace}/${name}`);
        }
      }),
    );
    return triggersOf(verdicts, now, options);
  } finally {
    // after a failure, the requests still waiting are dropped rather than sent for a scan that is over
    pool.close();
  }
}

function triggersOf(
  verdicts: ReadonlyArray<{ namespace: string; name: string; verdict: StallVerdict }>,
  now: Date,
  options: ScanOptions,
): RolloutStalledTrigger[] {
  const triggers: RolloutStalledTrigger[] = [];
  for (const { namespace, name, verdict } of verdicts) {
    if (!verdict.stalled) continue;
    if (verdict.previousRevision === undefined) {
      options.onVerdict?.(
        { namespace, name },
        { stalled: false, reason: `${verdict.reason}; but there is no previous revision to roll back to` },
      );
      continue;
    }
    triggers.push(
      rolloutStalledTrigger({
        namespace,
        deployment: name,
        reason: verdict.reason,
        revision: verdict.revision,
        now,
        ...(options.region ? { region: options.region } : {}),
        ...(options.account ? { account: options.account } : {}),
      }),
    );
  }
  return triggers;
}
