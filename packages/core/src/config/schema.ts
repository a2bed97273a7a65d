import * as z from "zod";
import { guardDefaultsSchema } from "./schema-guard.ts";
import type { PolicyMatch } from "./schema-match.ts";
import { policySchema } from "./schema-policy.ts";
import { slackConfigSchema } from "./schema-slack.ts";
import { DNS_LABEL } from "./schema-values.ts";

/**
 * The schema of `homeostat.config.ts`. Parsing is idempotent (a parsed config parses to itself), so
 * `defineConfig` can validate early and `loadConfig` can validate again whatever a module exports.
 */

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

export const homeostatConfigSchema = z
  .strictObject({
    clusters: z
      .record(
        z.string().regex(DNS_LABEL, {
          error:
            "a cluster's name is a DNS label: lowercase letters, digits and '-', starting and ending with a letter or digit (like prod-eu)",
        }),
        clusterSchema,
      )
      .refine((clusters) => Object.keys(clusters).length > 0, {
        error: "name at least one cluster",
      }),
    /** Required when there are several clusters. */
    defaultCluster: z.string().optional(),
    defaults: guardDefaultsSchema.prefault({}),
    policies: z.array(policySchema).default([]),
    /** Slack notifications: absent, Homeostat records and publishes results and tells no one. */
    slack: slackConfigSchema.optional(),
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
    config.slack?.routes.forEach((route, index) => {
      const unknown = (wanted: string[] | undefined, known: string[]) =>
        (wanted ?? []).filter((name) => !/[*?]/.test(name) && !known.includes(name));
      for (const cluster of unknown(route.clusters, names)) {
        ctx.addIssue({
          code: "custom",
          path: ["slack", "routes", index, "clusters"],
          message: `"${cluster}" is not one of the clusters (${names.join(", ")})`,
        });
      }
      for (const policy of unknown(
        route.policies,
        config.policies.map((p) => p.name),
      )) {
        ctx.addIssue({
          code: "custom",
          path: ["slack", "routes", index, "policies"],
          message: `"${policy}" is not a policy of this config`,
        });
      }
    });
  })
  .superRefine((config, ctx) => {
    const names = Object.keys(config.clusters);
    config.slack?.commands?.rules.forEach((rule, index) => {
      rule.clusters?.forEach((cluster, at) => {
        if (!names.includes(cluster)) {
          ctx.addIssue({
            code: "custom",
            path: ["slack", "commands", "rules", index, "clusters", at],
            message: `"${cluster}" is not one of the clusters (${names.join(", ")})`,
          });
        }
      });
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

export type ClusterConfig = z.output<typeof clusterSchema>;

/** A validated policy: durations in seconds, the cluster filled in, the match narrowed to one kind. */
export type Policy = Omit<ParsedPolicy, "match" | "cluster"> & { cluster: string; match: PolicyMatch };

/** A validated config. */
export type HomeostatConfig = Omit<ParsedConfig, "policies" | "defaultCluster"> & {
  defaultCluster: string;
  policies: Policy[];
};

export type { DrainActionConfig, PolicyAction, ScaleAction, WorkloadTargetConfig } from "./schema-action.ts";
export {
  drainActionSchema,
  nodeSchedulingActionSchema,
  nodeTargetSchema,
  policyActionSchema,
  restartActionSchema,
  rollbackActionSchema,
  scaleActionSchema,
  workloadTargetSchema,
} from "./schema-action.ts";
export type { FreezeWindow, GuardDefaults, NodeDisruptionBudget, PolicyGuard } from "./schema-guard.ts";
export {
  freezeWindowSchema,
  guardDefaultsSchema,
  nodeDisruptionBudgetSchema,
  policyGuardSchema,
  weekdays,
} from "./schema-guard.ts";
export type {
  AlarmMatch,
  CommandMatch,
  InstanceMatch,
  PolicyMatch,
  RolloutStalledMatch,
  ScheduleEntry,
  ScheduleMatch,
} from "./schema-match.ts";
export {
  alarmMatchSchema,
  commandMatchSchema,
  instanceMatchSchema,
  mutatingVerbs,
  policyMatchSchema,
  rolloutStalledMatchSchema,
  scheduleEntrySchema,
  scheduleMatchSchema,
} from "./schema-match.ts";
export { policySchema } from "./schema-policy.ts";
export type { SlackConfig, SlackRoute, SlackVerbosity } from "./schema-slack.ts";
export { slackConfigSchema, slackRouteSchema, slackVerbosities } from "./schema-slack.ts";
export type { SlackCommandRule, SlackCommandsConfig } from "./schema-slack-commands.ts";
export { durationSchema } from "./schema-values.ts";
