// EC2 interruption and state-change events, AWS Health scheduled changes, Auto Scaling terminate hooks
// (EventBridge, or straight from SQS with partial batch responses), and deferred drains → the pipeline.
import { createHandler, localInvoker } from "./runtime.ts";

export const handler = createHandler("node-events");

/** `homeostat invoke node-events --event FILE`: this handler, run locally. */
export const invokeLocally = localInvoker("node-events");
