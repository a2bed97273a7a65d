export type { ActiveFreeze } from "./freeze.ts";
export { activeFreeze } from "./freeze.ts";
export type { GuardContext, GuardedAction, GuardedPlan, GuardSkip, GuardStage } from "./guard.ts";
export {
  approvalIdFor,
  disruptionLimit,
  EVENT_CLAIM_TTL_SECONDS,
  eventClaimKey,
  guard,
  plannedActionKey,
  releaseGuardedAction,
} from "./guard.ts";
