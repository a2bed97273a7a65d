import { targetKey } from "../../domain/target.ts";
import { describeAction } from "../../policy/describe.ts";
import { reserveBudget } from "../budget.ts";
import { disruptsNode, keep, needsApproval } from "../candidates.ts";
import type { GuardCheck } from "../types.ts";

/**
 * Cordons and drains take places in the cluster's node disruption budget, atomically and all or
 * nothing for the plan. Dry runs and actions awaiting approval take none: an approved action
 * reserves when it runs.
 */
export const disruptionBudget: GuardCheck = {
  name: "disruption-budget",
  async run(state, skip) {
    const { ctx, reservation } = state;
    const disrupting = state.candidates.filter(
      (candidate) => disruptsNode(candidate.action) && !candidate.dryRun && !needsApproval(state, candidate),
    );
    if (disrupting.length === 0) return;
    const nodes = [
      ...new Set(disrupting.map(({ action: { target } }) => ("name" in target ? target.name : ""))),
    ];
    const outcome = await reserveBudget(
      ctx.store,
      ctx.cluster,
      nodes,
      ctx.config.defaults.nodeDisruptionBudget,
      ctx.facts,
      ctx.now,
      ctx.currentNodes,
    );
    if ("denial" in outcome) {
      await keep(state, skip, (candidate) =>
        disrupting.includes(candidate)
          ? {
              stage: "disruption-budget",
              reason: `${outcome.denial}: not running ${describeAction(candidate.action)}`,
            }
          : undefined,
      );
      return;
    }
    // only the places this run took: a node another run already holds stays that run's to release
    reservation.nodes.push(...outcome.reserved);
    for (const candidate of disrupting) {
      const { target } = candidate.action;
      if (target.kind === "Node" && outcome.reserved.includes(target.name)) {
        candidate.reservedNodes.push(target.name);
      }
    }
  },
};

/**
 * An Auto Scaling terminate hook completes after its node's drain. When that drain waits for a budget
 * place the hook stays pending and the event is retried (completing it would terminate the node
 * undrained); when no drain runs here at all, the hook is completed at once.
 */
export const lifecycleHooks: GuardCheck = {
  name: "lifecycle-hooks",
  async run(state, skip) {
    const { facts } = state.ctx;
    const nodeOf = (instanceId: string) => facts.nodes.find((fact) => fact.instanceId === instanceId);
    const waitingForBudget = new Set(
      state.result.skipped
        .filter((skipped) => skipped.stage === "disruption-budget" && skipped.action?.verb === "drain")
        .map((skipped) => (skipped.action ? targetKey(skipped.action.target) : "")),
    );
    await keep(state, skip, ({ action }) => {
      if (action.verb !== "complete-lifecycle" || !action.params.afterDrain) return undefined;
      const node = nodeOf(action.target.instanceId);
      if (!node || !waitingForBudget.has(targetKey({ kind: "Node", name: node.name }))) return undefined;
      state.result.retryLater = `the drain of node ${node.name} waits for a place in the node disruption budget`;
      return {
        stage: "disruption-budget",
        reason: `${state.result.retryLater}: the lifecycle action stays pending (heartbeat sent) and the event is retried`,
      };
    });

    const drainedNodes = new Set(
      state.candidates
        .filter((candidate) => candidate.action.verb === "drain")
        .map((candidate) => targetKey(candidate.action.target)),
    );
    for (const candidate of state.candidates) {
      const { action } = candidate;
      if (action.verb !== "complete-lifecycle" || !action.params.afterDrain) continue;
      const node = nodeOf(action.target.instanceId);
      if (!node || !drainedNodes.has(targetKey({ kind: "Node", name: node.name }))) {
        candidate.action = { ...action, params: { ...action.params, afterDrain: false } };
        candidate.notes.push(
          "the drain is not running in this plan: completing the lifecycle action at once",
        );
      }
    }
  },
};
