import * as z from "zod";
import { formatScaleChange, parseScaleChange, type ScaleBounds, type ScaleChange } from "../scale-change.ts";
import { describeTarget, type WorkloadTarget } from "../target.ts";
import type { UndoAction } from "../verb.ts";
import { defineVerb } from "./declaration.ts";

const replicaCount = z.number().int().nonnegative();

function isScaleChange(text: string): boolean {
  try {
    parseScaleChange(text);
    return true;
  } catch {
    return false;
  }
}

/** `homeostat scale shop/checkout +2 --max 20`: a Deployment or StatefulSet through its scale subresource. */
export const scaleVerb = defineVerb({
  name: "scale",
  mutating: true,
  target: "workload",
  params: z.object({
    /** `5`, `+2`, `-1`, `x1.5` (domain/scale-change.ts). */
    change: z.string().refine(isScaleChange, "a replica change like 5, +2, -1 or x1.5"),
    min: replicaCount.optional(),
    max: replicaCount.optional(),
    /**
     * The count the change is based on (kubectl's `--current-replicas`): applied only while the workload
     * still has it, which makes a retried relative change exactly-once.
     */
    currentReplicas: replicaCount.optional(),
  }),
  describe(target, params) {
    const bounds = [
      params.min === undefined ? undefined : `min ${params.min}`,
      params.max === undefined ? undefined : `max ${params.max}`,
    ].filter(Boolean);
    const change = /^\d+$/.test(params.change) ? `to ${params.change}` : `by ${params.change}`;
    return `scale ${describeTarget(target)} ${change}${bounds.length > 0 ? ` (${bounds.join(", ")})` : ""}`;
  },
  fromCommand(
    command: { target: WorkloadTarget; change: ScaleChange } & ScaleBounds & { currentReplicas?: number },
  ) {
    return {
      target: command.target,
      params: {
        change: formatScaleChange(command.change),
        ...(command.min === undefined ? {} : { min: command.min }),
        ...(command.max === undefined ? {} : { max: command.max }),
        ...(command.currentReplicas === undefined ? {} : { currentReplicas: command.currentReplicas }),
      },
    };
  },
  commandArgs(params) {
    return [
      params.change,
      ...(params.min === undefined ? [] : ["--min", String(params.min)]),
      ...(params.max === undefined ? [] : ["--max", String(params.max)]),
      ...(params.currentReplicas === undefined ? [] : ["--current-replicas", String(params.currentReplicas)]),
    ];
  },
  rbac: [
    // through the scale subresource only: read the count, write it with the read's resourceVersion
    { apiGroup: "apps", resource: "deployments/scale", verbs: ["get", "update"] },
    { apiGroup: "apps", resource: "statefulsets/scale", verbs: ["get", "update"] },
    // warn when an HPA owns the workload (it would override the count)
    { apiGroup: "autoscaling", resource: "horizontalpodautoscalers", verbs: ["list"] },
  ],
  // back to the count it had
  undo: (target, before?: { replicas: number }): UndoAction | undefined =>
    before === undefined ? undefined : { verb: "scale", target, params: { change: String(before.replicas) } },
});
