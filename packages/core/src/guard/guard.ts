import { createHash } from "node:crypto";
import type { HomeostatConfig, NodeDisruptionBudget, Policy } from "../config/schema.ts";
import { formatDuration } from "../domain/duration.ts";
import { applyScaleChange, formatScaleChange, parseScaleChange } from "../domain/scale-change.ts";
import { describeTarget, targetKey } from "../domain/target.ts";
import { describeAction } from "../policy/describe.ts";
import { matchesAnyGlob } from "../policy/glob.ts";
import type { ClusterFacts, NodeFact, Plan, PlannedAction } from "../policy/plan.ts";
import { stateKeys } from "../state/keys.ts";
import {
  acquireCooldown,
  claimEvent,
  disruptionHolders,
  recordPendingApproval,
  releaseClaim,
  releaseDisruption,
  reserveDisruption,
} from "../state/records.ts";
import type { StateStore } from "../state/store.ts";
import { activeFreeze } from "./freeze.ts";

export interface GuardContext {
  store: StateStore;
  config: HomeostatConfig;
  /** The configured cluster name this run is for. */
  cluster: string;
  now: Date;
  facts: ClusterFacts;
  /** Force a dry run of every action (the CLI's --dry-run), on top of per-policy settings. */
  dryRun?: boolean;
  /**
   * Reads the nodes again. The budget check calls it after reserving: a node that a concurrent run
   * cordoned and whose place it has since released was schedulable in `facts`, read earlier, and
   * counts only in a read made after our reservation. Without it, `facts.nodes` is used.
   */
  currentNodes?: () => Promise<NodeFact[]>;
}

/** A planned action cleared to run, with what the guard changed or holds for it. */
export type GuardedAction = PlannedAction & {
  /** Run as a server-side dry run (no change persisted, no AWS side effects). */
  dryRun: boolean;
  /** What the guard adjusted, for people: clamped replicas, a hook completed without a drain. */
  notes: string[];
  /**
   * Nodes this action holds in the cluster's disruption budget. The pipeline releases them when the
   * action ends, success or failure (`releaseGuardedAction`); the reservation lapses after
   * `nodeDisruptionBudget.reservationTtl` if it never does.
   */
  reservedNodes: string[];
  /**
   * State keys taken for this action besides the event's own claim: the node + action claim and the
   * cooldown. Release them (`releaseClaim`) when the action failed in a way a redelivery could fix, so
   * the next event may act at once.
   */
  claims: string[];
};

export type GuardStage =
  | "decide"
  | "idempotency"
  | "protected-namespace"
  | "freeze"
  | "replica-bounds"
  | "cooldown"
  | "disruption-budget"
  | "approval";

export interface GuardSkip {
  policy: string;
  reason: string;
  /** Which check skipped it (`decide`: the policy did not plan anything). */
  stage: GuardStage;
  action?: PlannedAction;
  /** Set when the action waits for a person (stage `approval`). */
  approvalId?: string;
}

export interface GuardedPlan {
  trigger: Plan["trigger"];
  cluster: string;
  run: GuardedAction[];
  skipped: GuardSkip[];
  /**
   * Why the event should come again later: an Auto Scaling hook whose drain waits for a place in the
   * node disruption budget is kept pending (the pipeline sends it a heartbeat) instead of being
   * completed — completing it would terminate the node undrained and defeat the budget.
   */
  retryLater?: string;
}

/**
 * The state key that marks an event as handled on a cluster. A dry run (the CLI's or invoke's
 * --dry-run) claims under its own key: rehearsing an event must not make its real delivery look like
 * a duplicate.
 */
export function eventClaimKey(cluster: string, triggerId: string, dryRun: boolean): string {
  return stateKeys.event(`${cluster}#${dryRun ? "dry-run#" : ""}${triggerId}`);
}

/** How long an event id counts as handled: EventBridge and SQS redeliver well within a day. */
export const EVENT_CLAIM_TTL_SECONDS = 24 * 3600;

/** Which actions change what a node runs, and so spend the disruption budget. */
const disruptsNode = (action: PlannedAction): boolean => action.verb === "cordon" || action.verb === "drain";
/** The pipeline's own steps (completing an ASG hook, scheduling a deferred drain) change no workload. */
const isClusterVerb = (action: PlannedAction): boolean =>
  action.verb !== "complete-lifecycle" && action.verb !== "defer";

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

/** A short id for an approval, the same for the same action of the same event (redeliveries meet). */
export function approvalIdFor(cluster: string, triggerId: string, action: PlannedAction): string {
  return createHash("sha256")
    .update(`${cluster}\n${triggerId}\n${action.policy}\n${action.verb}\n${targetKey(action.target)}`)
    .digest("hex")
    .slice(0, 12);
}

/** Releases what the guard holds for an action that has ended: its disruption budget places. */
export async function releaseGuardedAction(
  store: StateStore,
  cluster: string,
  action: Pick<GuardedAction, "reservedNodes">,
): Promise<void> {
  for (const node of action.reservedNodes) await releaseDisruption(store, cluster, node);
}

interface Candidate {
  action: PlannedAction;
  policy: Policy | undefined;
  dryRun: boolean;
  notes: string[];
  claims: string[];
  reservedNodes: string[];
}

/**
 * Checks a plan against the guard rails and the state store, in this order: idempotency (the event id,
 * and node + action for the several events one interruption produces), protected namespaces, freeze
 * windows, replica bounds (clamped, and said so), cooldown per target (acquired atomically), the node
 * disruption budget (reserved atomically, all-or-nothing for the plan), dry run, approval.
 *
 * Dry-run actions take their cooldown under a separate key and no budget places, so rehearsing never
 * blocks real automation. Actions awaiting approval take their cooldown (so an alarm storm asks a
 * person once) but no budget places: those are reserved when the approved action runs.
 */
export async function guard(plan: Plan, ctx: GuardContext): Promise<GuardedPlan> {
  const taken: Taken = { claims: [], nodes: [] };
  try {
    return await guardPlan(plan, ctx, taken);
  } catch (error) {
    // Something failed half-way (the store throttled, the node list could not be read): give back
    // everything taken so far, so the redelivery the caller asks for is not skipped as a duplicate.
    for (const claim of taken.claims) await releaseClaim(ctx.store, claim).catch(() => undefined);
    for (const node of taken.nodes)
      await releaseDisruption(ctx.store, ctx.cluster, node).catch(() => undefined);
    throw error;
  }
}

/** State the guard has taken so far in one run: released if the run fails before it returns. */
interface Taken {
  claims: string[];
  nodes: string[];
}

/** The key of a planned action of an event: what `actionDone` marks once it has run. */
export function plannedActionKey(action: PlannedAction): string {
  return `${action.policy}#${action.verb}#${targetKey(action.target)}`;
}

async function guardPlan(plan: Plan, ctx: GuardContext, taken: Taken): Promise<GuardedPlan> {
  const { store, config, cluster, now, facts, trigger } = { ...ctx, trigger: plan.trigger };
  const policies = new Map(config.policies.map((policy) => [policy.name, policy]));
  const result: GuardedPlan = {
    trigger,
    cluster,
    run: [],
    skipped: plan.skipped.map((skipped) => ({ ...skipped, stage: "decide" as const })),
  };
  let candidates: Candidate[] = plan.actions.map((action) => {
    const policy = policies.get(action.policy);
    return {
      action,
      policy,
      dryRun: ctx.dryRun === true || (policy?.guard.dryRun ?? config.defaults.dryRun),
      notes: [],
      claims: [],
      reservedNodes: [],
    };
  });
  if (candidates.length === 0) return result;

  const drop = async (
    candidate: Candidate,
    stage: GuardStage,
    reason: string,
    extra: Partial<GuardSkip> = {},
  ) => {
    // A skipped action did not happen: let the next event about the node try again.
    for (const claim of candidate.claims) await releaseClaim(store, claim);
    result.skipped.push({
      policy: candidate.action.policy,
      reason,
      stage,
      action: candidate.action,
      ...extra,
    });
  };
  const keep = async (
    check: (
      candidate: Candidate,
    ) =>
      | Promise<{ stage: GuardStage; reason: string } | undefined>
      | undefined
      | { stage: GuardStage; reason: string },
  ) => {
    const kept: Candidate[] = [];
    for (const candidate of candidates) {
      const verdict = await check(candidate);
      if (verdict) await drop(candidate, verdict.stage, verdict.reason);
      else kept.push(candidate);
    }
    candidates = kept;
  };

  // 1. Idempotency: the delivery, then the node + action.
  const eventKey = eventClaimKey(cluster, trigger.id, ctx.dryRun === true);
  const eventClaimed = await claimEvent(store, eventKey, { ttlSeconds: EVENT_CLAIM_TTL_SECONDS, now });
  if (!eventClaimed) {
    for (const candidate of candidates) {
      await drop(candidate, "idempotency", `event ${trigger.id} was already handled (a duplicate delivery)`);
    }
    return result;
  }
  taken.claims.push(eventKey);
  // A redelivery after a retryable failure: the actions of this event that did run are not run again.
  if (!ctx.dryRun) {
    const donePrefix = stateKeys.actionDone(cluster, trigger.id, "");
    const done = new Set((await store.list(donePrefix)).map((record) => record.key.slice(donePrefix.length)));
    if (done.size > 0) {
      await keep((candidate) =>
        done.has(plannedActionKey(candidate.action))
          ? {
              stage: "idempotency",
              reason: `${describeAction(candidate.action)}: already done by an earlier delivery of event ${trigger.id}`,
            }
          : undefined,
      );
    }
  }
  if (trigger.kind === "instance") {
    await keep(async (candidate) => {
      const { action } = candidate;
      // as with cooldowns, a rehearsal claims apart from the real thing
      const rehearsal = candidate.dryRun ? ":dry-run" : "";
      const key =
        action.verb === "complete-lifecycle"
          ? // one hook, whichever served cluster completes it: claimed across clusters
            stateKeys.nodeAction(
              "*",
              action.target.instanceId,
              `complete-lifecycle:${action.target.lifecycleActionToken}${rehearsal}`,
            )
          : stateKeys.nodeAction(
              cluster,
              action.target.kind === "Node" ? action.target.name : "",
              `${action.verb}${rehearsal}`,
            );
      const window = config.defaults.nodeEventWindow;
      if (!(await claimEvent(store, key, { ttlSeconds: window, now }))) {
        return {
          stage: "idempotency",
          reason: `${describeAction(action)}: already done for another event about ${trigger.instanceId} (within ${formatDuration(window)})`,
        };
      }
      candidate.claims.push(key);
      taken.claims.push(key);
      return undefined;
    });
  }

  // 2. Protected namespaces.
  await keep((candidate) => {
    const target = candidate.action.target;
    if (target.kind !== "Deployment" && target.kind !== "StatefulSet") return undefined;
    if (!matchesAnyGlob(config.defaults.protectedNamespaces, target.namespace)) return undefined;
    return {
      stage: "protected-namespace",
      reason: `namespace ${target.namespace} is protected (defaults.protectedNamespaces): not touching ${describeTarget(target)}`,
    };
  });

  // 3. Freeze windows: a policy can opt out (guard.freeze: false) for actions that cannot wait.
  const freeze = activeFreeze(config.defaults.freezeWindows, now);
  if (freeze) {
    await keep((candidate) => {
      if (!isClusterVerb(candidate.action) || candidate.policy?.guard.freeze === false) return undefined;
      return {
        stage: "freeze",
        reason: `${freeze.name} is on until ${freeze.until.toISOString()}: not running ${describeAction(candidate.action)}`,
      };
    });
  }

  // 4. Replica bounds: the policy's, else the defaults'.
  await keep((candidate) => {
    const { action } = candidate;
    if (action.verb !== "scale") return undefined;
    const min = action.params.min ?? config.defaults.replicas.min;
    const max = action.params.max ?? config.defaults.replicas.max;
    const bounds = { ...(min === undefined ? {} : { min }), ...(max === undefined ? {} : { max }) };
    const change = parseScaleChange(action.params.change);
    const current = action.params.currentReplicas;
    const params = { ...action.params, ...bounds };
    if (change.kind === "absolute" || current !== undefined) {
      const applied = applyScaleChange(
        current ?? (change.kind === "absolute" ? change.replicas : 0),
        change,
        bounds,
      );
      if (current !== undefined && applied.replicas === current && change.kind !== "absolute") {
        return {
          stage: "replica-bounds",
          reason: applied.clampedBy
            ? `${describeAction(action)}: ${describeTarget(action.target)} already has ${current} replicas, at its ${applied.clampedBy} ${applied.clampedBy === "min" ? min : max}`
            : `${describeAction(action)}: ${describeTarget(action.target)} would stay at ${current} replicas`,
        };
      }
      if (applied.clampedBy) {
        const asked = change.kind === "absolute" ? change.replicas : formatScaleChange(change);
        candidate.notes.push(
          `replicas clamped to ${applied.replicas} (${applied.clampedBy} ${applied.clampedBy === "min" ? min : max}); asked for ${asked}${current === undefined ? "" : ` from ${current}`}`,
        );
        if (change.kind === "absolute") params.change = String(applied.replicas);
      }
    }
    candidate.action = { ...action, params };
    return undefined;
  });

  // 5. Cooldown per target, acquired atomically (one action per target per cooldown, across invocations).
  await keep(async (candidate) => {
    const { action } = candidate;
    if (action.target.kind === "LifecycleAction" || !isClusterVerb(action)) return undefined;
    const seconds = candidate.policy?.guard.cooldown ?? config.defaults.cooldown;
    if (seconds === 0) return undefined;
    const key = stateKeys.cooldown(cluster, action.target, candidate.dryRun ? "dry-run" : undefined);
    const cooldown = await acquireCooldown(store, key, { cooldownSeconds: seconds, now });
    if (cooldown.acquired) {
      // an action skipped by a later check did not happen: its cooldown is given back with its claims
      candidate.claims.push(key);
      taken.claims.push(key);
      return undefined;
    }
    return {
      stage: "cooldown",
      reason: `${describeTarget(action.target)} is cooling down until ${cooldown.until.toISOString()} (cooldown ${formatDuration(seconds)}): not running ${describeAction(action)}`,
    };
  });

  // 6. Node disruption budget, all-or-nothing for the plan.
  const approvalNeeded = (candidate: Candidate) =>
    !candidate.dryRun &&
    isClusterVerb(candidate.action) &&
    (candidate.policy?.guard.approval ?? config.defaults.approval);
  const disrupting = candidates.filter(
    (candidate) => disruptsNode(candidate.action) && !candidate.dryRun && !approvalNeeded(candidate),
  );
  if (disrupting.length > 0) {
    const reservation = await reserveBudget(
      store,
      cluster,
      [
        ...new Set(
          disrupting
            .map((candidate) => candidate.action.target)
            .map((target) => ("name" in target ? target.name : "")),
        ),
      ],
      config.defaults.nodeDisruptionBudget,
      facts,
      now,
      ctx.currentNodes,
    );
    if ("denial" in reservation) {
      const denial = reservation.denial;
      await keep((candidate) =>
        disrupting.includes(candidate)
          ? {
              stage: "disruption-budget",
              reason: `${denial}: not running ${describeAction(candidate.action)}`,
            }
          : undefined,
      );
    } else {
      // only the places this run took: a node another run already holds stays that run's to release
      taken.nodes.push(...reservation.reserved);
      for (const candidate of disrupting) {
        const { target } = candidate.action;
        if (target.kind === "Node" && reservation.reserved.includes(target.name)) {
          candidate.reservedNodes.push(target.name);
        }
      }
    }
  }

  // A hook whose drain waits for a budget place stays pending: the event is retried later.
  const waitingForBudget = new Set(
    result.skipped
      .filter((skip) => skip.stage === "disruption-budget" && skip.action?.verb === "drain")
      .map((skip) => (skip.action ? targetKey(skip.action.target) : "")),
  );
  await keep((candidate) => {
    const { action } = candidate;
    if (action.verb !== "complete-lifecycle" || !action.params.afterDrain) return undefined;
    const node = facts.nodes.find((fact) => fact.instanceId === action.target.instanceId);
    if (!node || !waitingForBudget.has(targetKey({ kind: "Node", name: node.name }))) return undefined;
    result.retryLater = `the drain of node ${node.name} waits for a place in the node disruption budget`;
    return {
      stage: "disruption-budget",
      reason: `${result.retryLater}: the lifecycle action stays pending (heartbeat sent) and the event is retried`,
    };
  });

  // A hook waiting for a drain that will not run here is completed at once.
  const drainedNodes = new Set(
    candidates
      .filter((candidate) => candidate.action.verb === "drain")
      .map((candidate) => targetKey(candidate.action.target)),
  );
  for (const candidate of candidates) {
    const { action } = candidate;
    if (action.verb === "complete-lifecycle" && action.params.afterDrain) {
      const node = facts.nodes.find((fact) => fact.instanceId === action.target.instanceId);
      if (!node || !drainedNodes.has(targetKey({ kind: "Node", name: node.name }))) {
        candidate.action = { ...action, params: { ...action.params, afterDrain: false } };
        candidate.notes.push(
          "the drain is not running in this plan: completing the lifecycle action at once",
        );
      }
    }
  }

  // 7. Dry run: marked on each action (the verbs run with dryRun=All; AWS steps are only described).
  for (const candidate of candidates) {
    if (candidate.dryRun)
      candidate.notes.push(`dry run${ctx.dryRun ? "" : ` (policy ${candidate.action.policy})`}`);
  }

  // 8. Approval: recorded as pending, and the action waits for a person.
  await keep(async (candidate) => {
    if (!approvalNeeded(candidate)) return undefined;
    const id = approvalIdFor(cluster, trigger.id, candidate.action);
    await recordPendingApproval(store, {
      id,
      action: candidate.action,
      ...(trigger.kind === "command" ? { requestedBy: trigger.actor } : {}),
      expiresAt: new Date(now.getTime() + config.defaults.approvalTimeout * 1000),
      now,
    });
    result.skipped.push({
      policy: candidate.action.policy,
      reason: `awaiting approval ${id}: ${describeAction(candidate.action)}`,
      stage: "approval",
      action: candidate.action,
      approvalId: id,
    });
    return undefined;
  });
  // keep() above never drops (approval skips are not failures: their claims stay); filter them out here.
  const awaiting = new Set(
    result.skipped.filter((skipped) => skipped.stage === "approval").map((skipped) => skipped.action),
  );
  candidates = candidates.filter((candidate) => !awaiting.has(candidate.action));

  for (const candidate of candidates) {
    result.run.push({
      ...candidate.action,
      dryRun: candidate.dryRun,
      notes: candidate.notes,
      reservedNodes: candidate.reservedNodes,
      claims: candidate.claims,
    } as GuardedAction);
  }
  return result;
}

/**
 * Reserves places for `nodes` in the cluster's disruption budget, all or nothing. Counts as unavailable
 * the budget's holders plus every node already unschedulable or not ready (cordoned by a person, say),
 * and keeps at least `minHealthyNodes` ready, schedulable nodes outside the budget. Returns why not,
 * or undefined when every node holds a place.
 */
async function reserveBudget(
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
