// The rollout guard's run: scan each served cluster for stalled rollouts and run each one through
// the pipeline (the rollback policy). A cluster that cannot be scanned is reported and the others
// are still scanned: one sick cluster must not leave the healthy ones unguarded.

import { rolloutNamespaces } from "../policy/rollout-namespaces.ts";
import type { StallThresholds } from "../rollout/detect.ts";
import { scanForStalledRollouts } from "../rollout/scan.ts";
import { handleTrigger, type PipelineDeps, type TriggerOutcome } from "./pipeline.ts";
import { summarizeOutcome, type TriggerSummary } from "./summary.ts";
import { reasonOf } from "./transient.ts";

export interface ClusterScan {
  cluster: string;
  namespaces: string[];
  /** Each stalled rollout found: `namespace/name`, the revision, and why it counts as stalled. */
  stalled: Array<{ deployment: string; revision?: number; reason: string }>;
  /** Why this cluster could not be scanned (or its rollouts handled); the next scan tries again. */
  error?: string;
}

export interface RolloutGuardResult {
  handler: "rollout-guard";
  clusters: ClusterScan[];
  triggers: TriggerSummary[];
}

export interface RolloutGuardOptions {
  thresholds?: Partial<StallThresholds>;
  /** Each trigger's outcome as it ends (the Lambda handler counts them as metrics). */
  onOutcome?: (outcome: TriggerOutcome) => void;
}

/**
 * Scans every served cluster's `rolloutStalled` namespaces and runs each stalled rollout through
 * `handleTrigger`. Never throws for one cluster: a retryable failure released its claims, so the next
 * scan (a minute later) finds the same stalled revision and tries again.
 */
export async function guardRollouts(
  deps: PipelineDeps,
  options: RolloutGuardOptions = {},
): Promise<RolloutGuardResult> {
  const result: RolloutGuardResult = { handler: "rollout-guard", clusters: [], triggers: [] };
  const log = deps.log;
  for (const cluster of deps.clusters ?? Object.keys(deps.config.clusters)) {
    const namespaces = rolloutNamespaces(deps.config, cluster);
    if (namespaces.length === 0) continue;
    const scan: ClusterScan = { cluster, namespaces, stalled: [] };
    result.clusters.push(scan);
    try {
      const kube = await deps.connect(cluster);
      const triggers = await scanForStalledRollouts(kube, namespaces, {
        ...(options.thresholds ? { thresholds: options.thresholds } : {}),
        now: deps.now?.() ?? new Date(),
        onVerdict: (deployment, verdict) =>
          log?.debug?.("rollout verdict", { cluster, ...deployment, ...verdict }),
      });
      scan.stalled = triggers.map((trigger) => ({
        deployment: `${trigger.namespace}/${trigger.deployment}`,
        ...(trigger.revision === undefined ? {} : { revision: trigger.revision }),
        reason: trigger.reason,
      }));
      for (const trigger of triggers) {
        log?.info("stalled rollout", { cluster, trigger: trigger.id, reason: trigger.reason });
        const outcome = await handleTrigger(trigger, cluster, deps);
        options.onOutcome?.(outcome);
        result.triggers.push(summarizeOutcome(outcome));
      }
    } catch (error) {
      scan.error = reasonOf(error);
      log?.error("could not guard the rollouts of a cluster", { cluster, error: scan.error });
    }
  }
  return result;
}
