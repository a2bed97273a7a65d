// The rollout guard: finds Deployments whose rollout stalled, as triggers for the rollback policy.
export type { StallSignal, StallThresholds, StallVerdict } from "./detect.ts";
export { defaultStallThresholds, detectStall } from "./detect.ts";
export type { ScanOptions } from "./scan.ts";
export { scanForStalledRollouts } from "./scan.ts";
