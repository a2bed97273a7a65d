// Every minute (EventBridge schedule): scan the namespaces of the rolloutStalled policies for stalled
// Deployment rollouts and run each through the pipeline (the rollback policy).
import { rolloutGuardRunner } from "@homeostat/core/runtime";
import { createHandler } from "./middleware.ts";

export const handler = createHandler(rolloutGuardRunner);
