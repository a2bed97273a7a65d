// The pipeline: normalize → decide → guard → act → record, one path for every trigger.
export type { ActContext, ActionResult } from "./act.ts";
export { act } from "./act.ts";
export type { DeferredRun, DeferScheduler, LifecycleHooks, SchedulerTargetConfig } from "./aws.ts";
export { autoScalingLifecycleHooks, eventBridgeDeferScheduler } from "./aws.ts";
export { gatherFacts, nodeFactOf } from "./facts.ts";
export type {
  ActionOutcome,
  PipelineDeps,
  PipelineLogger,
  RecordOutcome,
  TriggerOutcome,
  TriggerPlan,
} from "./run.ts";
export { handleEvent, handleTrigger, planTrigger } from "./run.ts";
