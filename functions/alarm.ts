// CloudWatch alarm state changes (EventBridge, or SNS) → the pipeline. See functions/README.md.
import { eventsRunner } from "@homeostat/core/runtime";
import { createHandler } from "./middleware.ts";

export const handler = createHandler(eventsRunner("alarm"));
