import type { HomeostatConfig, Policy } from "../config/schema.ts";
import type { ClusterFacts, NodeFact, Plan, PlannedAction } from "../policy/plan.ts";
import type { StateStore } from "../state/store.ts";
import type { Reservation } from "./reservation.ts";

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
  /** How this run treats approvals, beyond the policies' own `approval`. */
  approval?: ApprovalRun;
}

/** A run's approvals: a Slack rule that requires one, or the approved run of one. */
export interface ApprovalRun {
  /** Every action waits for a person (a `slack.commands` rule with `approval: true`). */
  required?: boolean;
  /** The Slack member id of who asks: recorded with the approval, so they cannot approve their own. */
  requester?: string;
  /** How long a pending approval lasts, in seconds (default: `defaults.approvalTimeout`). */
  timeoutSeconds?: number;
  /** The id of the approval this run carries out: what it approved does not wait again. */
  granted?: string;
}

/** A planned action cleared to run, with what the guard changed or holds for it. */
export type GuardedAction = PlannedAction & {
  /** Run as a server-side dry run (no change persisted, no AWS side effects). */
  dryRun: boolean;
  /** What the guard adjusted, for people: clamped replicas, a hook completed without a drain. */
  notes: string[];
  /**
   * Nodes this action holds in the cluster's disruption budget, released when the action ends,
   * success or failure (`Reservation.release`); they lapse after `nodeDisruptionBudget.reservationTtl`
   * if that never happens.
   */
  reservedNodes: string[];
  /**
   * State keys taken for this action besides the event's own claim: the node + action claim and the
   * cooldown. Given back when the action failed in a way a redelivery could fix
   * (`Reservation.releaseForRetry`), so the next event may act at once.
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
  /** What the guard holds in the state store for this plan, and the one way to give it back. */
  reservation: Reservation;
}

/** One planned action on its way through the checks. */
export interface Candidate {
  action: PlannedAction;
  policy: Policy | undefined;
  dryRun: boolean;
  notes: string[];
  claims: string[];
  reservedNodes: string[];
}

/** A check's verdict on one candidate: skip it, at this stage, for this reason. */
export interface Verdict {
  stage: GuardStage;
  reason: string;
}

/** What every check sees: the context, the plan so far, and the reservation it may add to. */
export interface CheckState {
  ctx: GuardContext;
  trigger: Plan["trigger"];
  result: GuardedPlan;
  reservation: Reservation;
  /** Candidates still in the running; a check replaces it with those it keeps. */
  candidates: Candidate[];
  /** Set by a check that ends the guard early (a duplicate delivery): later checks do not run. */
  stopped?: true;
}

/**
 * One named guard rail, like kubectl drain's pod filters: it looks at the candidates still in the
 * running and keeps or skips each with a reason.
 */
export interface GuardCheck {
  name: string;
  run(state: CheckState, skip: SkipFn): Promise<void>;
}

/** Skips a candidate: releases what it took and records the reason. */
export type SkipFn = (candidate: Candidate, verdict: Verdict, extra?: Partial<GuardSkip>) => Promise<void>;
