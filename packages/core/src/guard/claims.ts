// The keys the guard claims under, in one place: the pipeline's retries and the checks meet on them.
import { createHash } from "node:crypto";
import { targetKey } from "../domain/target.ts";
import type { PlannedAction } from "../policy/plan.ts";
import { stateKeys } from "../state/keys.ts";

/**
 * The state key that marks an event as handled on a cluster. A dry run (the CLI's or invoke's
 * --dry-run) claims under its own key: rehearsing an event must not make its real delivery look like
 * a duplicate.
 */
export function eventClaimKey(cluster: string, triggerId: string, dryRun: boolean): string {
  return stateKeys.event(`${cluster}#${dryRun ? "dry-run#" : ""}${triggerId}`);
}

/** How long an event id counts as handled: EventBridge and SQS redeliver well within a day. */
export const EVENT_CLAIM_TTL_SECONDS = 24 * 3600;

/** The key of a planned action of an event: what `actionDone` marks once it has run. */
export function plannedActionKey(action: PlannedAction): string {
  return `${action.policy}#${action.verb}#${targetKey(action.target)}`;
}

/** A short id for an approval, the same for the same action of the same event (redeliveries meet). */
export function approvalIdFor(cluster: string, triggerId: string, action: PlannedAction): string {
  return createHash("sha256")
    .update(`${cluster}\n${triggerId}\n${action.policy}\n${action.verb}\n${targetKey(action.target)}`)
    .digest("hex")
    .slice(0, 12);
}
