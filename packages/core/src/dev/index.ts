// `homeostat dev`: the whole of Homeostat on one machine — events over HTTP on loopback, the config's
// schedules, the rollout guard on an interval, the embedded state store, and a timeline of it all.
export type { LocalDeferScheduler } from "./deferrals.ts";
export { localDeferScheduler } from "./deferrals.ts";
export type { EventEndpoint, EventEndpointOptions } from "./http.ts";
export { handlerForEvent, startEventEndpoint } from "./http.ts";
export type { Firing, FiringCause, ScheduleClock } from "./schedules.ts";
export { firingPayload, nextFiring, startScheduleClock } from "./schedules.ts";
export type { DevOptions, DevSession } from "./session.ts";
export { devStatePath, startDev } from "./session.ts";
export { clockTime, renderRecordProblem, renderTimelineEntry } from "./timeline.ts";
