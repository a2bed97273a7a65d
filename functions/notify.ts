// Homeostat's result events (its FIFO notify queue) and alarms back to OK → Slack. See functions/README.md.
import { createHandler } from "./middleware.ts";

export const handler = createHandler("notify");
