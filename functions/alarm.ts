// CloudWatch alarm state changes (EventBridge, or SNS) → the pipeline. See functions/README.md.
import { createHandler } from "./middleware.ts";

export const handler = createHandler("alarm");
