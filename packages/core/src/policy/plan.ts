import type { LifecycleActionTarget, NodeTarget, WorkloadKind, WorkloadTarget } from "../domain/target.ts";
import type { UndoAction } from "../domain/verb.ts";
import type { Trigger } from "../events/trigger.ts";

/** A node as `decide` and `guard` need it, read by the pipeline before deciding. */
export interface NodeFact {
  name: string;
  /** Last segment of `spec.providerID`, exactly (see `nodeFactOf` in pipeline/facts.ts). */
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

export interface ScaleParams {
  /** `5`, `+2`, `-1`, `x1.5` (kube/scale.ts `parseScaleChange`). */
  change: string;
  min?: number;
  max?: number;
  /** Remember the current count before scaling (the pipeline calls `rememberReplicas`). */
  remember?: boolean;
  /** This scale restores a remembered count. */
  restore?: boolean;
  /** The count `decide` saw; passing it on makes a retried relative change exactly-once. */
  currentReplicas?: number;
}

export interface DrainParams {
  ignoreDaemonSets: boolean;
  deleteEmptyDirData: boolean;
  force: boolean;
  gracePeriodSeconds?: number;
  timeoutSeconds: number;
}

export interface ScalePlanAction extends PlannedActionBase {
  verb: "scale";
  target: WorkloadTarget;
  params: ScaleParams;
}

export interface RestartPlanAction extends PlannedActionBase {
  verb: "restart";
  target: WorkloadTarget;
  params: Record<string, never>;
}

export interface RollbackPlanAction extends PlannedActionBase {
  verb: "rollback";
  target: WorkloadTarget;
  params: { toRevision?: number };
}

export interface NodeSchedulingPlanAction extends PlannedActionBase {
  verb: "cordon" | "uncordon";
  target: NodeTarget;
  params: Record<string, never>;
}

export interface DrainPlanAction extends PlannedActionBase {
  verb: "drain";
  target: NodeTarget;
  params: DrainParams;
}

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

export type WorkloadPlanAction = ScalePlanAction | RestartPlanAction | RollbackPlanAction;
export type NodePlanAction = NodeSchedulingPlanAction | DrainPlanAction;
/** A Kubernetes verb on a target, or one of the pipeline's own steps (`complete-lifecycle`, `defer`). */
export type PlannedAction =
  | WorkloadPlanAction
  | NodePlanAction
  | CompleteLifecyclePlanAction
  | DeferPlanAction;
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
