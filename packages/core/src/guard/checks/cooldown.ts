import { formatDuration } from "../../domain/duration.ts";
import { describeTarget } from "../../domain/target.ts";
import { describeAction } from "../../policy/describe.ts";
import { stateKeys } from "../../state/keys.ts";
import { acquireCooldown } from "../../state/records.ts";
import { isClusterVerb, keep } from "../candidates.ts";
import type { GuardCheck } from "../types.ts";

/**
 * One action per target per cooldown, acquired atomically across invocations. A dry run cools down
 * under its own key, so rehearsing never blocks real automation.
 */
export const cooldown: GuardCheck = {
  name: "cooldown",
  async run(state, skip) {
    const { ctx, reservation } = state;
    await keep(state, skip, async (candidate) => {
      const { action } = candidate;
      if (action.target.kind === "LifecycleAction" || !isClusterVerb(action)) return undefined;
      const seconds = candidate.policy?.guard.cooldown ?? ctx.config.defaults.cooldown;
      if (seconds === 0) return undefined;
      const key = stateKeys.cooldown(ctx.cluster, action.target, candidate.dryRun ? "dry-run" : undefined);
      const taken = await acquireCooldown(ctx.store, key, { cooldownSeconds: seconds, now: ctx.now });
      if (taken.acquired) {
        // an action skipped by a later check did not happen: its cooldown is given back with its claims
        candidate.claims.push(key);
        reservation.claims.push(key);
        return undefined;
      }
      return {
        stage: "cooldown",
        reason: `${describeTarget(action.target)} is cooling down until ${taken.until.toISOString()} (cooldown ${formatDuration(seconds)}): not running ${describeAction(action)}`,
      };
    });
  },
};
