// CloudWatch alarm state changes (EventBridge, or SNS) → the pipeline. See functions/README.md.
import { createHandler, localInvoker } from "./runtime.ts";

export const handler = createHandler("alarm");

/** `homeostat invoke alarm --event FILE`: this handler, run locally. */
export const invokeLocally = localInvoker("alarm");
