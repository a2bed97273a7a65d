import * as z from "zod";
import { describeTarget, type Target } from "../target.ts";
import { FIND_NODE } from "./cordon.ts";
import { defineVerb } from "./declaration.ts";

/** `homeostat status <namespace>/<deployment>|<node|instance-id>`: read-only. */
export const statusVerb = defineVerb({
  name: "status",
  mutating: false,
  target: "workload-or-node",
  params: z.object({}),
  describe: (target) => `status of ${describeTarget(target)}`,
  fromCommand: (command: { target: Target }) => ({ target: command.target, params: {} }),
  commandArgs: () => [],
  rbac: [
    FIND_NODE,
    // a node's pods (fieldSelector spec.nodeName)
    { apiGroup: "", resource: "pods", verbs: ["list"] },
    { apiGroup: "apps", resource: "deployments", verbs: ["get"] },
    { apiGroup: "apps", resource: "statefulsets", verbs: ["get"] },
  ],
});
