// The payloads of Homeostat's own EventBridge Scheduler schedules (scale at 20:00, restore at 07:30).
import { createHandler, localInvoker } from "./runtime.ts";

export const handler = createHandler("schedule");

/** `homeostat invoke schedule --event FILE`: this handler, run locally. */
export const invokeLocally = localInvoker("schedule");
