// Exactly once across retries, by design: an action records what it sets out to do before it writes,
// and every later attempt for the same event — Lambda's retry, SQS's redelivery, the CLI run again —
// completes that intent instead of computing a new one. Without it, a relative scale whose write
// landed but whose answer was lost would be recomputed from the new count and applied twice, and a
// rollback to "the previous revision" would roll back again — to the bad image, since the controller
// renumbered the one it restored.

import { EVENT_CLAIM_TTL_SECONDS, plannedActionKey } from "../guard/claims.ts";
import type { GuardedAction } from "../guard/types.ts";
import { restartedAtTimestamp } from "../kube/restart.ts";
import { stateKeys } from "../state/keys.ts";
import type { StateStore } from "../state/store.ts";

/** What an action's first attempt set out to do, as the retry needs it. */
export type Intent =
  /** A relative scale or factor: the count it is based on (its `--current-replicas`). */
  | { verb: "scale"; currentReplicas: number }
  /** A restart: the stamp it writes. */
  | { verb: "restart"; restartedAt: string }
  /** A rollback: the ReplicaSet whose template it restores (its revision number changes when restored). */
  | { verb: "rollback"; toReplicaSet: string };

type RollbackAction = Extract<GuardedAction, { verb: "rollback" }>;

export interface IntentContext {
  store: StateStore;
  cluster: string;
  eventId: string;
  now?: Date;
  /** The ReplicaSet a rollback would restore now (kube/rollback.ts's `rollbackReplicaSet`): read once, then recorded. */
  rollbackTarget: (action: RollbackAction) => Promise<string>;
}

/** The intent an action would record now, or undefined for actions that are safe to repeat as they are. */
async function freshIntent(
  action: GuardedAction,
  context: IntentContext,
  now: Date,
): Promise<Intent | undefined> {
  if (action.verb === "scale") {
    const { currentReplicas } = action.params;
    return currentReplicas === undefined ? undefined : { verb: "scale", currentReplicas };
  }
  if (action.verb === "restart") return { verb: "restart", restartedAt: restartedAtTimestamp(now) };
  if (action.verb === "rollback" && action.params.toReplicaSet === undefined) {
    return { verb: "rollback", toReplicaSet: await context.rollbackTarget(action) };
  }
  return undefined;
}

function withIntent(action: GuardedAction, intent: Intent): GuardedAction {
  if (action.verb === "scale" && intent.verb === "scale") {
    return { ...action, params: { ...action.params, currentReplicas: intent.currentReplicas } };
  }
  if (action.verb === "restart" && intent.verb === "restart") {
    return { ...action, params: { ...action.params, restartedAt: intent.restartedAt } };
  }
  if (action.verb === "rollback" && intent.verb === "rollback") {
    return { ...action, params: { ...action.params, toReplicaSet: intent.toReplicaSet } };
  }
  return action;
}

/**
 * The action as its first attempt for this event meant it: records the intent when this is the first
 * attempt, else completes the recorded one. Dry runs record nothing (they change nothing to complete).
 */
export async function intendedAction(action: GuardedAction, context: IntentContext): Promise<GuardedAction> {
  const now = context.now ?? new Date();
  if (action.dryRun) return action;
  const key = stateKeys.intent(context.cluster, context.eventId, plannedActionKey(action));
  // a rollback's intent costs reads of the cluster: look for a recorded one first
  if (action.verb === "rollback") {
    const recorded = await context.store.get<Intent>(key);
    if (recorded) return withIntent(action, recorded.value);
  }
  const fresh = await freshIntent(action, context, now);
  if (!fresh) return action;
  const expiresAt = Math.floor(now.getTime() / 1000) + EVENT_CLAIM_TTL_SECONDS;
  const written = await context.store.put(key, fresh, { ifAbsent: true, expiresAt });
  if (written) return withIntent(action, fresh);
  const recorded = await context.store.get<Intent>(key);
  return withIntent(action, recorded?.value ?? fresh);
}
