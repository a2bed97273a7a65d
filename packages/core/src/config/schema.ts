import { z } from "zod";
import { parseDuration } from "../domain/duration.ts";
import { parseScaleChange } from "../domain/scale-change.ts";
import { workloadKinds } from "../domain/target.ts";
import { alarmStates, instanceEventKinds, instanceStates } from "../events/trigger-schema.ts";
import { isTimeZone, parseScheduleExpression } from "./schedule-expression.ts";

/**
 * The schema of `homeostat.config.ts`. Parsing is idempotent (a parsed config parses to itself), so
 * `defineConfig` can validate early and `loadConfig` can validate again whatever a module exports.
 */

/** `5m`, `1h30m`, `90s` or a number of seconds → seconds. */
export const durationSchema = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const seconds =
    typeof value === "number"
      ? Number.isInteger(value) && value >= 0
        ? value
        : undefined
      : parseDuration(value);
  if (seconds === undefined) {
    ctx.addIssue({
      code: "custom",
      message: `expected a duration like 90s, 5m, 1h30m or 2d (or whole seconds), got ${JSON.stringify(value)}`,
    });
    return z.NEVER;
  }
  return seconds;
});

const timeZoneSchema = z.string().refine((zone) => isTimeZone(zone) && !/^[+-]/.test(zone), {
  error: (issue) =>
    `expected an IANA time zone like Europe/Berlin or UTC, got ${JSON.stringify(issue.input)}`,
});

const scheduleExpressionSchema = z.string().superRefine((text, ctx) => {
  const result = parseScheduleExpression(text);
  if (!result.ok) {
    ctx.addIssue({
      code: "custom",
      message: `expected an EventBridge Scheduler expression (cron(0 20 ? * MON-FRI *), rate(1 hour) or at(2025-12-24T18:00:00)): ${result.reason}; got ${JSON.stringify(text)}`,
    });
  }
});

const replicaCount = z.number().int().min(0).max(2_147_483_647);

const scaleChangeSchema = z.union([z.number(), z.string()]).superRefine((value, ctx) => {
  try {
    parseScaleChange(String(value));
  } catch {
    ctx.addIssue({
      code: "custom",
      message: `expected a replica change like 5, +2, -1 or x1.5, got ${JSON.stringify(value)}`,
    });
  }
});

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** Workload names with glob characters (`*`, `?`) allowed, for targets like `dev/*`. */
const WORKLOAD_NAME_PATTERN = /^[a-z0-9*?]([-a-z0-9.*?]*[a-z0-9*?])?$/;

export const mutatingVerbs = ["scale", "restart", "rollback", "cordon", "uncordon", "drain"] as const;
export const weekdays = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"] as const;

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

const globList = z.array(z.string().min(1)).min(1);

export const alarmMatchSchema = z.strictObject({
  /** Alarm name glob patterns (`*` any run of characters, `?` one). */
  names: globList,
  states: z.array(z.enum(alarmStates)).min(1).default(["ALARM"]),
  /** Dimensions the alarm's metric must carry (values may be globs), e.g. `{ ClusterName: "prod" }`. */
  dimensions: z.record(z.string(), z.string()).default({}),
});

export const instanceMatchSchema = z.strictObject({
  events: z.array(z.enum(instanceEventKinds)).min(1),
  /** instance-state-change only: the new states that match (all when absent). */
  states: z.array(z.enum(instanceStates)).min(1).optional(),
  /** Labels the node must carry (exact values). */
  nodeSelector: z.record(z.string(), z.string()).optional(),
});

export const scheduleEntrySchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, {
    error: (issue) =>
      `expected an entry name of letters, digits, . _ - (at most 64), got ${JSON.stringify(issue.input)}`,
  }),
  cron: scheduleExpressionSchema,
  timezone: timeZoneSchema,
  /** What this entry does; falls back to the policy's action. */
  action: policyActionSchema.optional(),
});

export const scheduleMatchSchema = z.strictObject({
  entries: z
    .array(scheduleEntrySchema)
    .min(1)
    .superRefine((entries, ctx) => {
      const seen = new Set<string>();
      entries.forEach((entry, index) => {
        if (seen.has(entry.name)) {
          ctx.addIssue({
            code: "custom",
            path: [index, "name"],
            message: `duplicate entry name "${entry.name}"`,
          });
        }
        seen.add(entry.name);
      });
    }),
});

export const rolloutStalledMatchSchema = z.strictObject({
  /** Namespace globs the rollout guard watches. */
  namespaces: globList,
});

export const commandMatchSchema = z.strictObject({
  /** Verbs a person may run through this policy (all mutating verbs when absent). */
  verbs: z.array(z.enum(mutatingVerbs)).min(1).optional(),
  /** Namespace globs workload commands may touch (all when absent). */
  namespaces: globList.optional(),
});

export type AlarmMatch = z.output<typeof alarmMatchSchema>;
export type InstanceMatch = z.output<typeof instanceMatchSchema>;
export type ScheduleMatch = z.output<typeof scheduleMatchSchema>;
export type RolloutStalledMatch = z.output<typeof rolloutStalledMatchSchema>;
export type CommandMatch = z.output<typeof commandMatchSchema>;
export type PolicyMatch =
  | { alarm: AlarmMatch }
  | { instance: InstanceMatch }
  | { schedule: ScheduleMatch }
  | { rolloutStalled: RolloutStalledMatch }
  | { command: CommandMatch };

export const policyMatchSchema = z.union([
  z.strictObject({ alarm: alarmMatchSchema }),
  z.strictObject({ instance: instanceMatchSchema }),
  z.strictObject({ schedule: scheduleMatchSchema }),
  z.strictObject({ rolloutStalled: rolloutStalledMatchSchema }),
  z.strictObject({ command: commandMatchSchema }),
]);

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

export const policySchema = z
  .strictObject({
    name: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, {
      error: (issue) =>
        `expected a policy name of letters, digits, . _ - (at most 64), got ${JSON.stringify(issue.input)}`,
    }),
    description: z.string().optional(),
    /** Absent: the default cluster. */
    cluster: z.string().optional(),
    match: policyMatchSchema,
    action: policyActionSchema.optional(),
    guard: policyGuardSchema.default({}),
  })
  .superRefine((policy, ctx) => {
    const match = policy.match as PolicyMatch;
    if ("schedule" in match) {
      match.schedule.entries.forEach((entry, index) => {
        if (!entry.action && !policy.action) {
          ctx.addIssue({
            code: "custom",
            path: ["match", "schedule", "entries", index, "action"],
            message: `schedule entry "${entry.name}" needs an action (or give the policy one)`,
          });
        }
      });
      return;
    }
    if ("command" in match) {
      if (policy.action) {
        ctx.addIssue({
          code: "custom",
          path: ["action"],
          message: "a command policy takes its verb and target from the command: drop action",
        });
      }
      return;
    }
    if (!policy.action) {
      ctx.addIssue({
        code: "custom",
        path: ["action"],
        message: "this policy needs an action ({ verb, target, ... })",
      });
      return;
    }
    const target = policy.action.target;
    const onNode =
      policy.action.verb === "cordon" || policy.action.verb === "uncordon" || policy.action.verb === "drain";
    if (target === "trigger-node" && !("instance" in match)) {
      ctx.addIssue({
        code: "custom",
        path: ["action", "target"],
        message: '"trigger-node" needs an instance match',
      });
    }
    if (target === "trigger-workload" && !("rolloutStalled" in match)) {
      ctx.addIssue({
        code: "custom",
        path: ["action", "target"],
        message: '"trigger-workload" needs a rolloutStalled match',
      });
    }
    if (typeof target === "object" && !("alarm" in match)) {
      ctx.addIssue({
        code: "custom",
        path: ["action", "target"],
        message: "fromDimensions needs an alarm match",
      });
    }
    if ("instance" in match && !onNode) {
      ctx.addIssue({
        code: "custom",
        path: ["action", "verb"],
        message: "instance events act on their node: use cordon, uncordon or drain",
      });
    }
  });

export const clusterSchema = z
  .strictObject({
    eks: z
      .strictObject({ name: z.string().min(1), region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/) })
      .optional(),
    kubeconfig: z
      .strictObject({ path: z.string().min(1).optional(), context: z.string().min(1).optional() })
      .optional(),
  })
  .refine((cluster) => (cluster.eks === undefined) !== (cluster.kubeconfig === undefined), {
    error: "a cluster is either { eks: { name, region } } or { kubeconfig: { path?, context? } }",
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

export const homeostatConfigSchema = z
  .strictObject({
    clusters: z
      .record(z.string().regex(DNS_LABEL), clusterSchema)
      .refine((clusters) => Object.keys(clusters).length > 0, {
        error: "name at least one cluster",
      }),
    /** Required when there are several clusters. */
    defaultCluster: z.string().optional(),
    defaults: guardDefaultsSchema.prefault({}),
    policies: z.array(policySchema).default([]),
  })
  .superRefine((config, ctx) => {
    const names = Object.keys(config.clusters);
    if (config.defaultCluster !== undefined && !names.includes(config.defaultCluster)) {
      ctx.addIssue({
        code: "custom",
        path: ["defaultCluster"],
        message: `"${config.defaultCluster}" is not one of the clusters (${names.join(", ")})`,
      });
    }
    if (config.defaultCluster === undefined && names.length > 1) {
      ctx.addIssue({
        code: "custom",
        path: ["defaultCluster"],
        message: `name the default cluster: one of ${names.join(", ")}`,
      });
    }
    const seen = new Set<string>();
    config.policies.forEach((policy, index) => {
      if (seen.has(policy.name)) {
        ctx.addIssue({
          code: "custom",
          path: ["policies", index, "name"],
          message: `duplicate policy name "${policy.name}"`,
        });
      }
      seen.add(policy.name);
      if (policy.cluster !== undefined && !names.includes(policy.cluster)) {
        ctx.addIssue({
          code: "custom",
          path: ["policies", index, "cluster"],
          message: `"${policy.cluster}" is not one of the clusters (${names.join(", ")})`,
        });
      }
    });
  })
  .transform((config) => {
    const defaultCluster = config.defaultCluster ?? Object.keys(config.clusters)[0] ?? "";
    return {
      ...config,
      defaultCluster,
      policies: config.policies.map((policy) => ({ ...policy, cluster: policy.cluster ?? defaultCluster })),
    };
  });

/** What you write in `homeostat.config.ts` (durations as text, defaults optional). */
export type HomeostatConfigInput = z.input<typeof homeostatConfigSchema>;

type ParsedConfig = z.output<typeof homeostatConfigSchema>;
type ParsedPolicy = ParsedConfig["policies"][number];

export type PolicyAction = z.output<typeof policyActionSchema>;
export type ScaleAction = z.output<typeof scaleActionSchema>;
export type DrainActionConfig = z.output<typeof drainActionSchema>;
export type WorkloadTargetConfig = z.output<typeof workloadTargetSchema>;
export type ScheduleEntry = z.output<typeof scheduleEntrySchema>;
export type PolicyGuard = z.output<typeof policyGuardSchema>;
export type ClusterConfig = z.output<typeof clusterSchema>;
export type NodeDisruptionBudget = z.output<typeof nodeDisruptionBudgetSchema>;
export type FreezeWindow = z.output<typeof freezeWindowSchema>;
export type GuardDefaults = z.output<typeof guardDefaultsSchema>;

/** A validated policy: durations in seconds, the cluster filled in, the match narrowed to one kind. */
export type Policy = Omit<ParsedPolicy, "match" | "cluster"> & { cluster: string; match: PolicyMatch };

/** A validated config. */
export type HomeostatConfig = Omit<ParsedConfig, "policies" | "defaultCluster"> & {
  defaultCluster: string;
  policies: Policy[];
};
