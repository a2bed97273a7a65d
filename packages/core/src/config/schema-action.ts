// What a policy does: the verb, its target (workloads or a node) and its parameters.
import * as z from "zod";
import { workloadKinds } from "../domain/target.ts";
import { DNS_LABEL, durationSchema, replicaCount, scaleChangeSchema } from "./schema-values.ts";

/** Workload names with glob characters (`*`, `?`) allowed, for targets like `dev/*`. */
const WORKLOAD_NAME_PATTERN = /^[a-z0-9*?]([-a-z0-9.*?]*[a-z0-9*?])?$/;

/** `namespace/name`, the name may be a glob (`dev/*`). */
const explicitWorkloadTarget = z.string().superRefine((text, ctx) => {
  const [namespace, name, ...rest] = text.split("/");
  if (
    rest.length > 0 ||
    !namespace ||
    !name ||
    !DNS_LABEL.test(namespace) ||
    !WORKLOAD_NAME_PATTERN.test(name)
  ) {
    ctx.addIssue({
      code: "custom",
      message: `expected a workload target "namespace/name" (the name may be a glob like dev/*), "trigger-workload" or { fromDimensions: { namespace, name } }, got ${JSON.stringify(text)}`,
    });
  }
});

const fromDimensionsTarget = z.strictObject({
  fromDimensions: z
    .strictObject({
      /** The alarm dimension naming the namespace (Container Insights: `Namespace`). */
      namespace: z.string().min(1).default("Namespace"),
      /** The alarm dimension naming the workload (Container Insights: `Service`). */
      name: z.string().min(1).default("Service"),
    })
    .prefault({}),
});

export const workloadTargetSchema = z.union([
  z.literal("trigger-workload"),
  explicitWorkloadTarget,
  fromDimensionsTarget,
]);

/** `trigger-node` (the node of the instance an instance event names) or a node name. */
export const nodeTargetSchema = z.union([
  z.literal("trigger-node"),
  z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, {
    error: (issue) => `expected "trigger-node" or a node name, got ${JSON.stringify(issue.input)}`,
  }),
]);

const workloadKind = z.enum(workloadKinds);

export const scaleActionSchema = z
  .strictObject({
    verb: z.literal("scale"),
    target: workloadTargetSchema,
    /** The kind of explicitly named workloads; globs take the kind from the cluster facts. */
    kind: workloadKind.optional(),
    /** `5`, `+2`, `-1`, `x1.5`. Not needed with `restore: true`. */
    change: scaleChangeSchema.optional(),
    min: replicaCount.optional(),
    max: replicaCount.optional(),
    /** Remember each workload's replica count before scaling (scheduled scale-downs). */
    remember: z.boolean().optional(),
    /** Scale each workload back to the count remembered by a `remember: true` action. */
    restore: z.boolean().optional(),
  })
  .superRefine((action, ctx) => {
    if (action.restore && action.change !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["change"],
        message: "a restore scales to the remembered count: drop change",
      });
    }
    if (!action.restore && action.change === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["change"],
        message: "scale needs a change like 5, +2, -1 or x1.5 (or restore: true)",
      });
    }
    if (action.restore && action.remember) {
      ctx.addIssue({ code: "custom", path: ["remember"], message: "remember and restore are exclusive" });
    }
    if (action.min !== undefined && action.max !== undefined && action.min > action.max) {
      ctx.addIssue({
        code: "custom",
        path: ["min"],
        message: `min ${action.min} is above max ${action.max}`,
      });
    }
  });

export const restartActionSchema = z.strictObject({
  verb: z.literal("restart"),
  target: workloadTargetSchema,
  kind: workloadKind.optional(),
});

export const rollbackActionSchema = z.strictObject({
  verb: z.literal("rollback"),
  target: workloadTargetSchema,
  /** Roll back to this revision instead of the previous one (`kubectl rollout undo --to-revision`). */
  toRevision: z.number().int().min(1).optional(),
});

export const nodeSchedulingActionSchema = z.strictObject({
  verb: z.enum(["cordon", "uncordon"]),
  target: nodeTargetSchema,
});

/** The node-events function's 15-minute limit, less a minute to complete the hook and record. */
const MAX_DRAIN_TIMEOUT_SECONDS = 14 * 60;

export const drainActionSchema = z.strictObject({
  verb: z.literal("drain"),
  target: nodeTargetSchema,
  /** kubectl drain's flags, with kubectl's defaults except `ignoreDaemonSets` (automation wants it on). */
  ignoreDaemonSets: z.boolean().default(true),
  deleteEmptyDirData: z.boolean().default(false),
  force: z.boolean().default(false),
  /** Pod termination grace period; absent = each pod's own. */
  gracePeriod: durationSchema.optional(),
  /**
   * Give up after this long (the drain is reported as failed; the node stays cordoned). At most 14
   * minutes: the node-events function runs for 15 at most, and the hook must still be completed after.
   */
  timeout: durationSchema.default(300).refine((seconds) => seconds <= MAX_DRAIN_TIMEOUT_SECONDS, {
    error: `a drain in Lambda can take at most 14m (the function stops at 15 minutes); use a shorter timeout`,
  }),
});

export const policyActionSchema = z.discriminatedUnion("verb", [
  scaleActionSchema,
  restartActionSchema,
  rollbackActionSchema,
  nodeSchedulingActionSchema,
  drainActionSchema,
]);

export type PolicyAction = z.output<typeof policyActionSchema>;
export type ScaleAction = z.output<typeof scaleActionSchema>;
export type DrainActionConfig = z.output<typeof drainActionSchema>;
export type WorkloadTargetConfig = z.output<typeof workloadTargetSchema>;
