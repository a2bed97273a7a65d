// Homeostat's result events (its FIFO notify queue) and alarms back to OK → Slack. See functions/README.md.
import { notifyRunner } from "@homeostat/core/runtime";
import { createHandler } from "./middleware.ts";

export const handler = createHandler(notifyRunner);
