// Every minute (EventBridge schedule): scan the namespaces of the rolloutStalled policies for stalled
// Deployment rollouts and run each through the pipeline (the rollback policy).
import { createHandler, localInvoker } from "./runtime.ts";

export const handler = createHandler("rollout-guard");

/** `homeostat invoke rollout-guard --event FILE`: this handler, run locally. */
export const invokeLocally = localInvoker("rollout-guard");
