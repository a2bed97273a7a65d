import { applyScaleChange, formatScaleChange, parseScaleChange } from "../../domain/scale-change.ts";
import { describeTarget } from "../../domain/target.ts";
import { describeAction } from "../../policy/describe.ts";
import { keep } from "../candidates.ts";
import type { GuardCheck } from "../types.ts";

/**
 * Scales stay within the policy's bounds, else the defaults': an absolute count is clamped (and the
 * note says so); a relative change that would not move the count is skipped with the reason.
 */
export const replicaBounds: GuardCheck = {
  name: "replica-bounds",
  async run(state, skip) {
    const { defaults } = state.ctx.config;
    await keep(state, skip, (candidate) => {
      const { action } = candidate;
      if (action.verb !== "scale") return undefined;
      const min = action.params.min ?? defaults.replicas.min;
      const max = action.params.max ?? defaults.replicas.max;
      const bounds = { ...(min === undefined ? {} : { min }), ...(max === undefined ? {} : { max }) };
      const change = parseScaleChange(action.params.change);
      const current = action.params.currentReplicas;
      const params = { ...action.params, ...bounds };
      if (change.kind === "absolute" || current !== undefined) {
        const applied = applyScaleChange(
          current ?? (change.kind === "absolute" ? change.replicas : 0),
          change,
          bounds,
        );
        const bound = applied.clampedBy === "min" ? min : max;
        if (current !== undefined && applied.replicas === current && change.kind !== "absolute") {
          return {
            stage: "replica-bounds",
            reason: applied.clampedBy
              ? `${describeAction(action)}: ${describeTarget(action.target)} already has ${current} replicas, at its ${applied.clampedBy} ${bound}`
              : `${describeAction(action)}: ${describeTarget(action.target)} would stay at ${current} replicas`,
          };
        }
        if (applied.clampedBy) {
          const asked = change.kind === "absolute" ? change.replicas : formatScaleChange(change);
          candidate.notes.push(
            `replicas clamped to ${applied.replicas} (${applied.clampedBy} ${bound}); asked for ${asked}${current === undefined ? "" : ` from ${current}`}`,
          );
          if (change.kind === "absolute") params.change = String(applied.replicas);
        }
      }
      candidate.action = { ...action, params };
      return undefined;
    });
  },
};
