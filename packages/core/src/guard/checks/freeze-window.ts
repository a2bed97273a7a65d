import { describeAction } from "../../policy/describe.ts";
import { isClusterVerb, keep } from "../candidates.ts";
import { activeFreeze } from "../freeze.ts";
import type { GuardCheck } from "../types.ts";

/** Nothing changes the cluster during a freeze window; a policy can opt out (`guard.freeze: false`). */
export const freezeWindow: GuardCheck = {
  name: "freeze",
  async run(state, skip) {
    const freeze = activeFreeze(state.ctx.config.defaults.freezeWindows, state.ctx.now);
    if (!freeze) return;
    await keep(state, skip, (candidate) => {
      if (!isClusterVerb(candidate.action) || candidate.policy?.guard.freeze === false) return undefined;
      return {
        stage: "freeze",
        reason: `${freeze.name} is on until ${freeze.until.toISOString()}: not running ${describeAction(candidate.action)}`,
      };
    });
  },
};
