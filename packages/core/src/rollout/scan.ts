import type { V1Deployment } from "@kubernetes/client-node";
import { rolloutStalledTrigger } from "../events/constructors.ts";
import type { RolloutStalledTrigger } from "../events/trigger.ts";
import type { Kube } from "../kube/client.ts";
import { toKubeVerbError } from "../kube/errors.ts";
import { labelSelectorString } from "../kube/history.ts";
import { isGlob, matchesAnyGlob } from "../policy/glob.ts";
import { defaultStallThresholds, detectStall, type StallThresholds, type StallVerdict } from "./detect.ts";

export interface ScanOptions {
  thresholds?: Partial<StallThresholds>;
  now?: Date;
  region?: string;
  account?: string;
  /** Called for each Deployment looked at closely, stalled or not (the handler logs these). */
  onVerdict?: (deployment: { namespace: string; name: string }, verdict: StallVerdict) => void;
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

async function deploymentsIn(kube: Kube, namespaces: readonly string[]): Promise<V1Deployment[]> {
  // Namespaces cannot be listed with the shipped RBAC (it never touches namespaces): a glob is matched
  // against the Deployments listed cluster-wide instead, which `list deployments` already allows.
  if (namespaces.some(isGlob)) {
    const all = await kube.apps.listDeploymentForAllNamespaces({});
    return all.items.filter((item) => matchesAnyGlob(namespaces, item.metadata?.namespace ?? ""));
  }
  const lists = await Promise.all(
    [...new Set(namespaces)].map((namespace) => kube.apps.listNamespacedDeployment({ namespace })),
  );
  return lists.flatMap((list) => list.items);
}

/**
 * The rollout guard's scan: every Deployment in `namespaces` (names or globs) whose current rollout
 * stalled (see `detectStall`) and has a previous revision to go back to, as a trigger for the rollback
 * policy. Reads one list of Deployments per namespace (or one cluster-wide for globs), then the
 * ReplicaSets and pods only of Deployments still rolling out. The trigger id names the Deployment and
 * the stalled revision, so the scans that keep finding it every minute act once.
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
  let deployments: V1Deployment[];
  try {
    deployments = await deploymentsIn(kube, namespaces);
  } catch (error) {
    throw toKubeVerbError(error, `deployments in ${namespaces.join(", ")}`);
  }
  const rollingOut = deployments.filter((deployment) => !rolloutComplete(deployment));
  const verdicts = await Promise.all(
    rollingOut.map(async (deployment) => {
      const namespace = deployment.metadata?.namespace ?? "";
      const name = deployment.metadata?.name ?? "";
      const labelSelector = labelSelectorString(deployment.spec?.selector);
      try {
        const [replicaSets, pods] = await Promise.all([
          kube.apps.listNamespacedReplicaSet({ namespace, labelSelector }),
          kube.core.listNamespacedPod({ namespace, labelSelector }),
        ]);
        const verdict = detectStall(deployment, replicaSets.items, pods.items, now, thresholds);
        options.onVerdict?.({ namespace, name }, verdict);
        return { namespace, name, verdict };
      } catch (error) {
        throw toKubeVerbError(error, `deployment ${namespace}/${name}`);
      }
    }),
  );
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
