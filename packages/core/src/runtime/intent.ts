// Exactly once across retries, by design: an action records what it sets out to do before it writes,
// and every later attempt for the same event — Lambda's retry, SQS's redelivery, the CLI run again —
// completes that intent instead of computing a new one. Without it, a relative scale whose write
// landed but whose answer was lost would be recomputed from the new count and applied twice.

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
  | { verb: "restart"; restartedAt: string };

/** The intent an action would record now, or undefined for actions that are safe to repeat as they are. */
function freshIntent(action: GuardedAction, now: Date): Intent | undefined {
  if (action.verb === "scale") {
    const { currentReplicas } = action.params;
    return currentReplicas === undefined ? undefined : { verb: "scale", currentReplicas };
  }
  if (action.verb === "restart") return { verb: "restart", restartedAt: restartedAtTimestamp(now) };
  return undefined;
}

function withIntent(action: GuardedAction, intent: Intent): GuardedAction {
  if (action.verb === "scale" && intent.verb === "scale") {
    return { ...action, params: { ...action.params, currentReplicas: intent.currentReplicas } };
  }
  if (action.verb === "restart" && intent.verb === "restart") {
    return { ...action, params: { ...action.params, restartedAt: intent.restartedAt } };
  }
  return action;
}

/**
 * The action as its first attempt for this event meant it: records the intent when this is the first
 * attempt, else completes the recorded one. Dry runs record nothing (they change nothing to complete).
 */
export async function intendedAction(
  action: GuardedAction,
  context: { store: StateStore; cluster: string; eventId: string; now?: Date },
): Promise<GuardedAction> {
  const now = context.now ?? new Date();
  const fresh = action.dryRun ? undefined : freshIntent(action, now);
  if (!fresh) return action;
  const key = stateKeys.intent(context.cluster, context.eventId, plannedActionKey(action));
  const expiresAt = Math.floor(now.getTime() / 1000) + EVENT_CLAIM_TTL_SECONDS;
  const written = await context.store.put(key, fresh, { ifAbsent: true, expiresAt });
  if (written) return withIntent(action, fresh);
  const recorded = await context.store.get<Intent>(key);
  return withIntent(action, recorded?.value ?? fresh);
}
