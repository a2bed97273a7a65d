// How policies are guarded: per-policy guards and the defaults (cooldowns, replica bounds, the node
// disruption budget, freeze windows, dry run and approval).
import * as z from "zod";
import { durationSchema, replicaCount, timeZoneSchema } from "./schema-values.ts";

export const weekdays = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"] as const;

const replicaBoundsSchema = z
  .strictObject({ min: replicaCount.optional(), max: replicaCount.optional() })
  .refine((bounds) => bounds.min === undefined || bounds.max === undefined || bounds.min <= bounds.max, {
    error: "min is above max",
  });

export const policyGuardSchema = z.strictObject({
  cooldown: durationSchema.optional(),
  dryRun: z.boolean().optional(),
  approval: z.boolean().optional(),
  /** AWS Health scheduled changes: drain this long before the change starts. */
  healthLeadTime: durationSchema.optional(),
  /** false: this policy acts during freeze windows too (for example spot drains, which cannot wait). */
  freeze: z.boolean().optional(),
});

const percentage = z.string().regex(/^(100|[1-9]?\d)%$/, {
  error: (issue) =>
    `expected a whole number of nodes or a percentage like "20%", got ${JSON.stringify(issue.input)}`,
});

export const nodeDisruptionBudgetSchema = z.strictObject({
  /**
   * How many nodes may be cordoned or draining at once, counting nodes already unschedulable or not
   * ready: a number, or a percentage of the cluster's nodes rounded DOWN — but at least 1 unless it is 0%.
   */
  maxUnavailable: z.union([z.number().int().min(0), percentage]).default(1),
  /** Never disrupt a node when fewer than this many ready, schedulable nodes would remain. */
  minHealthyNodes: z.number().int().min(0).default(1),
  /** A reservation expires after this long if the pipeline never releases it (it crashed). */
  reservationTtl: durationSchema.default(3600),
});

const isoDateTime = z
  .string()
  .refine((text) => /T.*(Z|[+-]\d{2}:\d{2})$/.test(text) && !Number.isNaN(Date.parse(text)), {
    error: (issue) =>
      `expected an RFC 3339 date-time with offset like 2025-12-24T00:00:00+01:00, got ${JSON.stringify(issue.input)}`,
  });
const clockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, {
  error: (issue) => `expected a time of day HH:MM, got ${JSON.stringify(issue.input)}`,
});

export const freezeWindowSchema = z.union([
  z
    .strictObject({ name: z.string().optional(), from: isoDateTime, to: isoDateTime })
    .refine((window) => Date.parse(window.from) < Date.parse(window.to), { error: "from must be before to" }),
  z.strictObject({
    name: z.string().optional(),
    /** Every week on `days` from `from` to `to` local time; `to` ≤ `from` means it ends the next day. */
    weekly: z.strictObject({
      days: z.array(z.enum(weekdays)).min(1),
      from: clockTime,
      to: clockTime,
      timezone: timeZoneSchema,
    }),
  }),
]);

export const guardDefaultsSchema = z.strictObject({
  protectedNamespaces: z.array(z.string().min(1)).default(["kube-system"]),
  cooldown: durationSchema.default(300),
  replicas: replicaBoundsSchema.default({}),
  nodeDisruptionBudget: nodeDisruptionBudgetSchema.prefault({}),
  freezeWindows: z.array(freezeWindowSchema).default([]),
  dryRun: z.boolean().default(false),
  approval: z.boolean().default(false),
  /** A pending approval lapses after this long (nothing happens). */
  approvalTimeout: durationSchema.default(3600),
  healthLeadTime: durationSchema.default(1800),
  /** How long one node's action (drain, cordon) absorbs the other events of the same interruption. */
  nodeEventWindow: durationSchema.default(3600),
});

export type PolicyGuard = z.output<typeof policyGuardSchema>;
export type NodeDisruptionBudget = z.output<typeof nodeDisruptionBudgetSchema>;
export type FreezeWindow = z.output<typeof freezeWindowSchema>;
export type GuardDefaults = z.output<typeof guardDefaultsSchema>;
