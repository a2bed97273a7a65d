// The guard: a plan checked against the guard rails and the state store, and the reservation of
// what it holds — the whole claim lifecycle (take, release, release for a retry, mark done).
export { disruptionLimit } from "./budget.ts";
export { approvalIdFor, EVENT_CLAIM_TTL_SECONDS, eventClaimKey, plannedActionKey } from "./claims.ts";
export type { ActiveFreeze } from "./freeze.ts";
export { activeFreeze } from "./freeze.ts";
export { guard, guardChecks } from "./guard.ts";
export type { ActionEnd } from "./reservation.ts";
export { Reservation } from "./reservation.ts";
export type { GuardCheck, GuardContext, GuardedAction, GuardedPlan, GuardSkip, GuardStage } from "./types.ts";
