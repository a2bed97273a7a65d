// CloudWatch alarm state changes (EventBridge, or SNS) → the pipeline. See functions/README.md.
import { createHandler } from "./runtime.ts";

export const handler = createHandler("alarm");
