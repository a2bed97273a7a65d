import * as z from "zod";
import { describeTarget, type WorkloadTarget } from "../target.ts";
import { defineVerb } from "./declaration.ts";

/** `homeostat history <namespace>/<deployment>`: `kubectl rollout history`, read-only. */
export const historyVerb = defineVerb({
  name: "history",
  mutating: false,
  target: "workload",
  params: z.object({}),
  describe: (target) => `history of ${describeTarget(target)}`,
  fromCommand: (command: { target: WorkloadTarget }) => ({ target: command.target, params: {} }),
  commandArgs: () => [],
  rbac: [
    { apiGroup: "apps", resource: "deployments", verbs: ["get"] },
    // the ReplicaSets hold the revisions (listed by the Deployment's selector)
    { apiGroup: "apps", resource: "replicasets", verbs: ["list"] },
  ],
});
