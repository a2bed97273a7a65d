/**
 * Deploy-time settings, read from the environment of `sst deploy`.
 *
 * Clusters themselves are defined in homeostat.config.ts (stacks/clusters.ts reads their EKS names and
 * regions); the environment only says which of them this deployment serves, and where it runs: one
 * deployment is one AWS account and region.
 *
 * Variables (see docs/deploy.md):
 * - HOMEOSTAT_REGION            AWS region of the cluster(s) and of everything Homeostat deploys (required)
 * - HOMEOSTAT_CLUSTERS          comma-separated keys of homeostat.config.ts `clusters` to serve (required)
 * - HOMEOSTAT_VPC_SUBNETS       comma-separated private subnet ids: set for a private cluster endpoint
 * - HOMEOSTAT_VPC_SECURITY_GROUPS comma-separated security group ids allowed to reach the endpoint
 * - HOMEOSTAT_OPS_EMAIL         e-mail subscribed to Homeostat's own ops alarms (optional)
 * - HOMEOSTAT_ASG_HOOK_QUEUE    "true" to create the SQS queue for lifecycle hooks sent straight to SQS
 * - HOMEOSTAT_ROLLOUT_GUARD_RATE how often the rollout guard scans, e.g. "rate(2 minutes)" (default)
 * - HOMEOSTAT_CONFIG            the config file to deploy, relative to the repository root
 *                               (default homeostat.config.ts)
 */

export interface VpcSettings {
  privateSubnets: string[];
  securityGroups: string[];
}

export interface DeploySettings {
  region: string;
  /** Keys of homeostat.config.ts `clusters`; the functions read the same list at runtime. */
  clusters: string[];
  vpc: VpcSettings | undefined;
  opsEmail: string | undefined;
  asgHookQueue: boolean;
  rolloutGuardRate: string;
  /** The config file the stack reads (clusters, schedules, Slack), relative to the repository root. */
  configFile: string;
}

/** A deploy setting is missing or malformed; the message says which variable and how to set it. */
export class DeployConfigError extends Error {
  override name = "DeployConfigError";
}

type Env = Readonly<Record<string, string | undefined>>;

export const DEFAULT_CONFIG_FILE = "homeostat.config.ts";

const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
const RATE = /^rate\(\d+ (minute|minutes|hour|hours)\)$/;

function list(value: string | undefined): string[] {
  return (value ?? "")
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

function optional(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

export function readDeploySettings(env: Env): DeploySettings {
  const problems: string[] = [];

  const region = optional(env.HOMEOSTAT_REGION);
  if (!region) {
    problems.push(
      "HOMEOSTAT_REGION is not set: set it to the AWS region of your EKS cluster, e.g. eu-west-1",
    );
  } else if (!REGION.test(region)) {
    problems.push(`HOMEOSTAT_REGION=${region} is not an AWS region name like eu-west-1`);
  }

  const clusters = list(env.HOMEOSTAT_CLUSTERS);
  if (clusters.length === 0) {
    problems.push(
      "HOMEOSTAT_CLUSTERS is not set: set it to the homeostat.config.ts clusters this deployment serves, comma-separated, e.g. prod,staging",
    );
  }

  const privateSubnets = list(env.HOMEOSTAT_VPC_SUBNETS);
  const securityGroups = list(env.HOMEOSTAT_VPC_SECURITY_GROUPS);
  if ((privateSubnets.length === 0) !== (securityGroups.length === 0)) {
    problems.push(
      "HOMEOSTAT_VPC_SUBNETS and HOMEOSTAT_VPC_SECURITY_GROUPS go together: set both (private cluster endpoint) or neither (public endpoint)",
    );
  }

  const asgHookQueueRaw = optional(env.HOMEOSTAT_ASG_HOOK_QUEUE) ?? "false";
  if (asgHookQueueRaw !== "true" && asgHookQueueRaw !== "false") {
    problems.push(`HOMEOSTAT_ASG_HOOK_QUEUE=${asgHookQueueRaw}: expected true or false`);
  }

  const rolloutGuardRate = optional(env.HOMEOSTAT_ROLLOUT_GUARD_RATE) ?? "rate(2 minutes)";
  if (!RATE.test(rolloutGuardRate)) {
    problems.push(
      `HOMEOSTAT_ROLLOUT_GUARD_RATE=${rolloutGuardRate}: expected an EventBridge rate like rate(2 minutes)`,
    );
  }

  const configFile = optional(env.HOMEOSTAT_CONFIG) ?? DEFAULT_CONFIG_FILE;
  if (!/\.[mc]?[jt]s$/.test(configFile)) {
    problems.push(
      `HOMEOSTAT_CONFIG=${configFile}: expected the path of a config module like homeostat.config.ts`,
    );
  }

  if (problems.length > 0 || !region) {
    throw new DeployConfigError(
      `Homeostat cannot deploy with this configuration:\n  - ${problems.join("\n  - ")}\nSee docs/deploy.md for every setting.`,
    );
  }

  return {
    region,
    clusters,
    vpc: privateSubnets.length > 0 ? { privateSubnets, securityGroups } : undefined,
    opsEmail: optional(env.HOMEOSTAT_OPS_EMAIL),
    asgHookQueue: asgHookQueueRaw === "true",
    rolloutGuardRate,
    configFile,
  };
}

/** `homeostat-<stage>-<suffix>`: physical names that say which app and stage own them. */
export function physicalName(suffix: string): string {
  return `${$app.name}-${$app.stage}-${suffix}`;
}
