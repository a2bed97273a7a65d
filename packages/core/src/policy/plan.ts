import type { LifecycleActionTarget, NodeTarget, WorkloadKind } from "../domain/target.ts";
import type { UndoAction } from "../domain/verb.ts";
import type { MutatingVerb, NodeVerb, VerbParams, VerbTarget, WorkloadVerb } from "../domain/verbs/index.ts";
import type { Trigger } from "../events/trigger.ts";

/** A node as `decide` and `guard` need it, read by the pipeline before deciding. */
export interface NodeFact {
  name: string;
  /** Last segment of `spec.providerID`, exactly (see `nodeFactOf` in runtime/facts.ts). */
  instanceId?: string;
  labels: Record<string, string>;
  /** The `Ready` condition is True. */
  ready: boolean;
  /** `spec.unschedulable` (cordoned). */
  unschedulable: boolean;
}

export interface WorkloadFact {
  kind: WorkloadKind;
  name: string;
  /** `spec.replicas`, when read. */
  replicas?: number;
}

/** What the pipeline read before deciding. `decide` does no I/O: everything it knows is here. */
export interface ClusterFacts {
  /** The configured cluster name this run is for. */
  cluster: string;
  now: Date;
  nodes: NodeFact[];
  /** Workloads by namespace: needed to expand globs like `dev/*`; absent namespaces count as empty. */
  workloads: Record<string, WorkloadFact[]>;
  /** Replica counts remembered by earlier scale-downs, by `namespace/name` (for restores). */
  priorReplicas: Record<string, number>;
}

interface PlannedActionBase {
  /** The policy that produced the action. */
  policy: string;
  /** Why, for people. */
  reason: string;
  undo?: UndoAction;
}

/** A scale's params (domain/verbs/scale.ts), with what the pipeline does around it. */
export type ScaleParams = VerbParams<"scale"> & {
  /** Remember the current count before scaling (the pipeline calls `rememberReplicas`). */
  remember?: boolean;
  /** This scale restores a remembered count. */
  restore?: boolean;
};

/** A drain's params (domain/verbs/drain.ts); planned drains always have a deadline (Lambda stops at 15 minutes). */
export type DrainParams = VerbParams<"drain"> & { timeoutSeconds: number };

type PlanParams<V extends MutatingVerb> = V extends "scale"
  ? ScaleParams
  : V extends "drain"
    ? DrainParams
    : VerbParams<V>;

/** A Kubernetes verb of the registry (domain/verbs), planned on its target. */
export type VerbPlanAction<V extends MutatingVerb = MutatingVerb> = {
  [K in V]: PlannedActionBase & { verb: K; target: VerbTarget<K>; params: PlanParams<K> };
}[V];

/**
 * Complete an Auto Scaling terminate lifecycle action with CONTINUE. `afterDrain`: the plan drains the
 * node first; the pipeline completes the hook after the drain ends — also when the drain fails or times
 * out (the instance is going away regardless; holding the hook only delays that until its timeout) — and
 * sends heartbeats while the drain runs.
 */
export interface CompleteLifecyclePlanAction extends PlannedActionBase {
  verb: "complete-lifecycle";
  target: LifecycleActionTarget;
  params: { result: "CONTINUE"; afterDrain: boolean };
}

/**
 * Act later: create a one-time EventBridge Scheduler schedule `at(params.at)` that delivers the same
 * trigger again (with the id `<trigger id>#deferred`), when `decide` will find itself inside the lead time
 * and plan `params.verb` for real.
 */
export interface DeferPlanAction extends PlannedActionBase {
  verb: "defer";
  target: NodeTarget;
  params: {
    /** When to act (RFC 3339, UTC): `startTime` − lead time. */
    at: string;
    startTime: string;
    leadTimeSeconds: number;
    verb: "drain" | "cordon";
    /** A schedule name unique to the instance and time (letters, digits, - _ .; at most 64). */
    scheduleName: string;
  };
}

export type WorkloadPlanAction = VerbPlanAction<WorkloadVerb>;
export type NodePlanAction = VerbPlanAction<NodeVerb>;
/** A Kubernetes verb on a target, or one of the pipeline's own steps (`complete-lifecycle`, `defer`). */
export type PlannedAction = VerbPlanAction | CompleteLifecyclePlanAction | DeferPlanAction;
export type PlannedVerb = PlannedAction["verb"];

export interface SkippedPolicy {
  policy: string;
  reason: string;
}

/** What `decide` returns: every policy of the config appears in `actions` or in `skipped`. */
export interface Plan {
  trigger: Trigger;
  cluster: string;
  actions: PlannedAction[];
  skipped: SkippedPolicy[];
}
