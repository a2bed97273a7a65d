import * as z from "zod";
import { describeTarget, type WorkloadTarget } from "../target.ts";
import { defineVerb } from "./declaration.ts";

/** `homeostat restart shop/checkout`: `kubectl rollout restart`. No undo: the old pods are gone. */
export const restartVerb = defineVerb({
  name: "restart",
  mutating: true,
  target: "workload",
  params: z.object({
    /**
     * The stamp to write (default: now). A retry passes the stamp of its first attempt, so a restart
     * whose answer was lost is not done twice: a template that already has it is left alone.
     */
    restartedAt: z.string().min(1).optional(),
  }),
  describe: (target) => `restart ${describeTarget(target)}`,
  fromCommand: (command: { target: WorkloadTarget }) => ({ target: command.target, params: {} }),
  commandArgs: () => [],
  rbac: [
    // read the workload (a paused Deployment is refused), stamp its pod template
    { apiGroup: "apps", resource: "deployments", verbs: ["get", "patch"] },
    { apiGroup: "apps", resource: "statefulsets", verbs: ["get", "patch"] },
  ],
});
