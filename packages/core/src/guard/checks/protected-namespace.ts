import { describeTarget } from "../../domain/target.ts";
import { matchesAnyGlob } from "../../policy/glob.ts";
import { keep } from "../candidates.ts";
import type { GuardCheck } from "../types.ts";

/** Workloads in `defaults.protectedNamespaces` (globs) are never touched, whatever the trigger. */
export const protectedNamespace: GuardCheck = {
  name: "protected-namespace",
  async run(state, skip) {
    const { protectedNamespaces } = state.ctx.config.defaults;
    await keep(state, skip, ({ action: { target } }) => {
      if (target.kind !== "Deployment" && target.kind !== "StatefulSet") return undefined;
      if (!matchesAnyGlob(protectedNamespaces, target.namespace)) return undefined;
      return {
        stage: "protected-namespace",
        reason: `namespace ${target.namespace} is protected (defaults.protectedNamespaces): not touching ${describeTarget(target)}`,
      };
    });
  },
};
