// The runtime: what a Lambda handler, `homeostat invoke` and `homeostat dev` share — the pipeline
// (normalize → facts → decide → guard → act → record, one path for every trigger), dependencies from
// the environment, one handler run, the delivery rules (retry, partial batch), the summaries, and the
// rollout guard's run.

export type { ActContext, ActionResult } from "./act.ts";
export { act } from "./act.ts";
export type { DeferredRun, DeferScheduler, LifecycleHooks, SchedulerTargetConfig } from "./aws.ts";
export { autoScalingLifecycleHooks, eventBridgeDeferScheduler } from "./aws.ts";
export type { Delivery } from "./delivery.ts";
export { correlationIdOf, deliveryOf, isSqsEvent, RetryableFailureError } from "./delivery.ts";
export type { AwsClientSettings, DepsOptions } from "./deps.ts";
export { buildDeps } from "./deps.ts";
export type { Env } from "./env.ts";
export { ENV, RuntimeConfigError, rolloutThresholdsFromEnv } from "./env.ts";
export { gatherFacts, nodeFactOf } from "./facts.ts";
export type {
  EventHandlerName,
  EventHandlerResult,
  HandlerRun,
  HandlerRunner,
  HandlerRunOptions,
} from "./handler.ts";
export { eventsRunner, notifyRunner, rolloutGuardRunner, runHandler, runnerOf } from "./handler.ts";
export type { InvokeOptions } from "./invoke.ts";
export { invokeHandler, runFailed, stderrLogger } from "./invoke.ts";
export type { BatchResponse, LambdaResult, LoggerLike, MetricCount } from "./lambda.ts";
export {
  lambdaResponse,
  oncePerContainer,
  outcomeCounts,
  pipelineLogger,
  recordCounts,
  runCounts,
} from "./lambda.ts";
export type { NotifyItemSummary, NotifyRunResult } from "./notify.ts";
export { runNotify } from "./notify.ts";
export type {
  ActionOutcome,
  PipelineDeps,
  PipelineLogger,
  RecordOutcome,
  TriggerOutcome,
  TriggerPlan,
} from "./pipeline.ts";
export { handleEvent, handleTrigger, planTrigger } from "./pipeline.ts";
export type { ClusterScan, RolloutGuardOptions, RolloutGuardResult } from "./rollout-guard.ts";
export { guardRollouts } from "./rollout-guard.ts";
export type { ActionSummary, RecordSummary, SkipSummary, TriggerSummary } from "./summary.ts";
export { summarizeOutcome, summarizeRecord } from "./summary.ts";
export { isTransient, reasonOf } from "./transient.ts";
