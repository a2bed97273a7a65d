import type { NodeDisruptionBudget } from "../config/schema.ts";
import type { ClusterFacts, NodeFact } from "../policy/plan.ts";
import { disruptionHolders, releaseDisruption, reserveDisruption } from "../state/records.ts";
import type { StateStore } from "../state/store.ts";

/**
 * The most nodes automation may have cordoned or draining at once: `maxUnavailable` as a number, or as
 * a percentage of `totalNodes` rounded DOWN — but at least 1, unless the percentage is 0%.
 */
export function disruptionLimit(budget: NodeDisruptionBudget, totalNodes: number): number {
  const { maxUnavailable } = budget;
  if (typeof maxUnavailable === "number") return maxUnavailable;
  const percent = Number(maxUnavailable.slice(0, -1));
  if (percent === 0) return 0;
  return Math.max(1, Math.floor((totalNodes * percent) / 100));
}

/**
 * Reserves places for `nodes` in the cluster's disruption budget, all or nothing. Counts as unavailable
 * the budget's holders plus every node already unschedulable or not ready (cordoned by a person, say),
 * and keeps at least `minHealthyNodes` ready, schedulable nodes outside the budget. Returns why not,
 * or undefined when every node holds a place.
 */
export async function reserveBudget(
  store: StateStore,
  cluster: string,
  nodes: string[],
  budget: NodeDisruptionBudget,
  facts: ClusterFacts,
  now: Date,
  currentNodes: (() => Promise<NodeFact[]>) | undefined,
): Promise<{ reserved: string[] } | { denial: string }> {
  const limit = disruptionLimit(budget, facts.nodes.length);
  const limitText =
    typeof budget.maxUnavailable === "number"
      ? `${limit}`
      : `${limit} (${budget.maxUnavailable} of ${facts.nodes.length} nodes, rounded down, at least 1)`;
  if (limit === 0) {
    return {
      denial: `the node disruption budget allows no node to be disrupted (maxUnavailable ${budget.maxUnavailable})`,
    };
  }
  const before = new Set(await disruptionHolders(store, cluster, { now }));
  const reservedNow: string[] = [];
  let denial: string | undefined;
  try {
    let holders: string[] = [...before];
    for (const node of nodes) {
      const reservation = await reserveDisruption(store, cluster, node, {
        max: limit,
        ttlSeconds: budget.reservationTtl,
        now,
      });
      holders = reservation.holders;
      if (!reservation.reserved) {
        denial = `the node disruption budget is full: ${reservation.holders.length} of ${limitText} places held (${reservation.holders.join(", ")})`;
        break;
      }
      if (!before.has(node)) reservedNow.push(node);
    }
    if (!denial) {
      const held = new Set(holders);
      const nodesNow = currentNodes ? await currentNodes() : facts.nodes;
      const alsoUnavailable = nodesNow.filter(
        (node) => !held.has(node.name) && (node.unschedulable || !node.ready),
      );
      if (held.size + alsoUnavailable.length > limit) {
        denial = `the node disruption budget is full: ${held.size} held by automation + ${alsoUnavailable.length} already unschedulable or not ready (${alsoUnavailable.map((node) => node.name).join(", ")}) > ${limitText}`;
      } else {
        const healthy = nodesNow.filter(
          (node) => !held.has(node.name) && node.ready && !node.unschedulable,
        ).length;
        if (healthy < budget.minHealthyNodes) {
          denial = `disrupting ${nodes.join(", ")} would leave ${healthy} healthy nodes, fewer than minHealthyNodes ${budget.minHealthyNodes}`;
        }
      }
    }
  } catch (error) {
    for (const node of reservedNow) await releaseDisruption(store, cluster, node).catch(() => undefined);
    throw error;
  }
  if (denial) {
    for (const node of reservedNow) await releaseDisruption(store, cluster, node);
    return { denial };
  }
  return { reserved: reservedNow };
}
