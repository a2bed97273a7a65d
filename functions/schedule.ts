// The payloads of Homeostat's own EventBridge Scheduler schedules (scale at 20:00, restore at 07:30).
import { eventsRunner } from "@homeostat/core/runtime";
import { createHandler } from "./middleware.ts";

export const handler = createHandler(eventsRunner("schedule"));
