import { formatDuration } from "../../domain/duration.ts";
import { describeAction } from "../../policy/describe.ts";
import { stateKeys } from "../../state/keys.ts";
import { claimEvent } from "../../state/records.ts";
import { keep } from "../candidates.ts";
import { EVENT_CLAIM_TTL_SECONDS, eventClaimKey, plannedActionKey } from "../claims.ts";
import type { GuardCheck } from "../types.ts";

/**
 * The delivery is claimed once (a duplicate skips everything); a redelivery after a retryable
 * failure skips the actions of the event that did run; and the several events one interruption
 * produces (warning, rebalance, state change) act once per node and verb.
 */
export const idempotency: GuardCheck = {
  name: "idempotency",
  async run(state, skip) {
    const { ctx, trigger, reservation } = state;
    const { store, cluster, now } = ctx;
    const eventKey = eventClaimKey(cluster, trigger.id, ctx.dryRun === true);
    if (!(await claimEvent(store, eventKey, { ttlSeconds: EVENT_CLAIM_TTL_SECONDS, now }))) {
      await keep(state, skip, () => ({
        stage: "idempotency",
        reason: `event ${trigger.id} was already handled (a duplicate delivery)`,
      }));
      state.stopped = true;
      return;
    }
    reservation.claims.push(eventKey);

    if (!ctx.dryRun) {
      const donePrefix = stateKeys.actionDone(cluster, trigger.id, "");
      const done = new Set(
        (await store.list(donePrefix)).map((record) => record.key.slice(donePrefix.length)),
      );
      if (done.size > 0) {
        await keep(state, skip, (candidate) =>
          done.has(plannedActionKey(candidate.action))
            ? {
                stage: "idempotency",
                reason: `${describeAction(candidate.action)}: already done by an earlier delivery of event ${trigger.id}`,
              }
            : undefined,
        );
      }
    }

    if (trigger.kind !== "instance") return;
    await keep(state, skip, async (candidate) => {
      const { action } = candidate;
      // as with cooldowns, a rehearsal claims apart from the real thing
      const rehearsal = candidate.dryRun ? ":dry-run" : "";
      const key =
        action.verb === "complete-lifecycle"
          ? // one hook, whichever served cluster completes it: claimed across clusters
            stateKeys.nodeAction(
              "*",
              action.target.instanceId,
              `complete-lifecycle:${action.target.lifecycleActionToken}${rehearsal}`,
            )
          : stateKeys.nodeAction(
              cluster,
              action.target.kind === "Node" ? action.target.name : "",
              `${action.verb}${rehearsal}`,
            );
      const window = ctx.config.defaults.nodeEventWindow;
      if (!(await claimEvent(store, key, { ttlSeconds: window, now }))) {
        return {
          stage: "idempotency",
          reason: `${describeAction(action)}: already done for another event about ${trigger.instanceId} (within ${formatDuration(window)})`,
        };
      }
      candidate.claims.push(key);
      reservation.claims.push(key);
      return undefined;
    });
  },
};
