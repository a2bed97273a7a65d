import * as z from "zod";
import { describeTarget, type NodeTarget } from "../target.ts";
import type { UndoAction } from "../verb.ts";
import { defineVerb, type RbacRule } from "./declaration.ts";

/** A node by name (one GET) or by EC2 instance id (a LIST: providerID has no field selector). */
export const FIND_NODE: RbacRule = { apiGroup: "", resource: "nodes", verbs: ["get", "list"] };
/** `spec.unschedulable`, with a strategic-merge patch as kubectl sends. */
export const PATCH_NODE: RbacRule = { apiGroup: "", resource: "nodes", verbs: ["patch"] };

/** The target as the person named it (a name or an instance id), resolved when the verb runs. */
export const nodeNamed = (node: string): NodeTarget => ({ kind: "Node", name: node });

function nodeSchedulingVerb<const Name extends "cordon" | "uncordon">(
  name: Name,
  reverse: "cordon" | "uncordon",
) {
  return defineVerb({
    name,
    mutating: true,
    target: "node",
    params: z.object({}),
    describe: (target) => `${name} ${describeTarget(target)}`,
    fromCommand: (command: { node: string }) => ({ target: nodeNamed(command.node), params: {} }),
    commandArgs: () => [],
    rbac: [FIND_NODE, PATCH_NODE],
    undo: (target): UndoAction => ({ verb: reverse, target, params: {} }),
  });
}

/** `homeostat cordon <node|instance-id>`: mark the node unschedulable. */
export const cordonVerb = nodeSchedulingVerb("cordon", "uncordon");
/** `homeostat uncordon <node|instance-id>`: mark the node schedulable again. */
export const uncordonVerb = nodeSchedulingVerb("uncordon", "cordon");
