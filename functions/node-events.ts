// EC2 interruption and state-change events, AWS Health scheduled changes, Auto Scaling terminate hooks
// (EventBridge, or straight from SQS with partial batch responses), and deferred drains → the pipeline.
import { eventsRunner } from "@homeostat/core/runtime";
import { createHandler } from "./middleware.ts";

export const handler = createHandler(eventsRunner("node-events"));
