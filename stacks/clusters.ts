import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { DeployConfigError } from "./config.ts";

/**
 * Which EKS clusters this deployment serves and which schedules it creates, from homeostat.config.ts:
 * the one place clusters and policies are named. HOMEOSTAT_CLUSTERS lists config keys (as the
 * functions read it at runtime); each must be an `eks` cluster in the deployment's region, and its EKS
 * name is what access entries and IAM need.
 *
 * The config is read by a child process on the project's Node 24 with packages/core's own loader (same
 * validation and messages as everywhere else), not imported here: packages/core's types need
 * @types/node 26, which this program cannot load next to SST's platform (see tsconfig.infra.json).
 */
export interface ServedCluster {
  /** The key in homeostat.config.ts `clusters`. */
  key: string;
  /** The EKS cluster name. */
  eksName: string;
  region: string;
}

/** What the config says about each cluster: its EKS identity, or null for kubeconfig-only clusters. */
export type ConfigClusters = Record<string, { name: string; region: string } | null>;

/**
 * One EventBridge Scheduler schedule a policy's `schedule` entry declares: packages/core's
 * `ScheduleDefinition` (config/schedules.ts), restated because this program cannot import it.
 */
export interface ScheduleDefinition {
  /** Unique in the group and stable across deploys. */
  name: string;
  policy: string;
  entry: string;
  /** cron(...), rate(...) or at(...), canonical. */
  expression: string;
  /** IANA time zone. */
  timezone: string;
  /** The target Input the schedule function handles. */
  input: string;
  description: string;
}

/** What a deployment needs from homeostat.config.ts. */
export interface DeployConfig {
  clusters: ConfigClusters;
  /** The schedules of the served clusters' schedule policies. */
  schedules: ScheduleDefinition[];
  /** Whether the config has a `slack` section: then the bot token secret and the notify function are deployed. */
  slack: boolean;
}

// the loader's message points at the field; a stack trace would bury it
const READ_CONFIG = `
import { loadConfig, scheduleDefinitions } from "@homeostat/core/config";
const [configFile, servedKeys] = process.argv.slice(1);
const config = await loadConfig(configFile).catch((error) => {
  process.stderr.write(String(error?.message ?? error));
  process.exit(1);
});
const clusters = Object.fromEntries(
  Object.entries(config.clusters).map(([key, cluster]) => [key, cluster.eks ?? null]),
);
const schedules = scheduleDefinitions(config, JSON.parse(servedKeys));
process.stdout.write(JSON.stringify({ clusters, schedules, slack: config.slack !== undefined }));
`;

const SCHEDULE_FIELDS = [
  "name",
  "policy",
  "entry",
  "expression",
  "timezone",
  "input",
  "description",
] as const;

function isDeployConfig(value: unknown): value is DeployConfig {
  if (typeof value !== "object" || value === null) return false;
  const { clusters, schedules, slack } = value as Record<string, unknown>;
  return (
    typeof slack === "boolean" &&
    typeof clusters === "object" &&
    clusters !== null &&
    Array.isArray(schedules) &&
    schedules.every(
      (schedule: unknown) =>
        typeof schedule === "object" &&
        schedule !== null &&
        SCHEDULE_FIELDS.every((field) => typeof (schedule as Record<string, unknown>)[field] === "string"),
    )
  );
}

/**
 * Runs packages/core's loadConfig on `configFile`: each cluster's EKS identity, and the schedules
 * declared for `servedKeys` (config keys, as in HOMEOSTAT_CLUSTERS).
 */
export function readDeployConfig(
  root: string,
  servedKeys: readonly string[],
  configFile = "homeostat.config.ts",
): DeployConfig {
  const node = join(root, "node_modules", ".bin", "node");
  if (!existsSync(node)) {
    throw new DeployConfigError(`${node} is missing: run \`npm ci\` before deploying`);
  }
  let output: string;
  try {
    output = execFileSync(
      node,
      ["--input-type=module", "-e", READ_CONFIG, resolve(root, configFile), JSON.stringify(servedKeys)],
      { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] },
    );
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new DeployConfigError(
      `cannot read the clusters and schedules from ${configFile}:\n${stderr || String(error)}\nFix it, then deploy again.`,
    );
  }
  const parsed: unknown = JSON.parse(output);
  if (!isDeployConfig(parsed)) {
    throw new DeployConfigError(
      `reading ${configFile} printed ${output.slice(0, 200)}, not its clusters and schedules: is packages/core current (npm ci)?`,
    );
  }
  return parsed;
}

/** The served clusters, or one error listing every key that cannot be served from this deployment. */
export function resolveServedClusters(
  configClusters: ConfigClusters,
  keys: readonly string[],
  region: string,
): ServedCluster[] {
  const problems: string[] = [];
  const served: ServedCluster[] = [];
  for (const key of keys) {
    if (!(key in configClusters)) {
      problems.push(
        `HOMEOSTAT_CLUSTERS names "${key}", which homeostat.config.ts does not define (its clusters: ${Object.keys(configClusters).join(", ")})`,
      );
      continue;
    }
    const eks = configClusters[key];
    if (!eks) {
      problems.push(
        `cluster "${key}" is reached through a kubeconfig in homeostat.config.ts; Lambda can only serve { eks: { name, region } } clusters`,
      );
    } else if (eks.region !== region) {
      problems.push(
        `cluster "${key}" (EKS ${eks.name}) is in ${eks.region}, but this deployment is in HOMEOSTAT_REGION=${region}: deploy one stage per region`,
      );
    } else {
      served.push({ key, eksName: eks.name, region: eks.region });
    }
  }
  if (problems.length > 0) {
    throw new DeployConfigError(`Homeostat cannot serve these clusters:\n  - ${problems.join("\n  - ")}`);
  }
  return served;
}
