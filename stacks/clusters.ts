import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { DeployConfigError } from "./config.ts";

/**
 * Which EKS clusters this deployment serves, from homeostat.config.ts: the one place clusters are
 * named. HOMEOSTAT_CLUSTERS lists config keys (as the functions read it at runtime); each must be an
 * `eks` cluster in the deployment's region, and its EKS name is what access entries and IAM need.
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

// the loader's message points at the field; a stack trace would bury it
const READ_CLUSTERS = `
import { loadConfig } from "@homeostat/core/config";
const config = await loadConfig(process.argv[1]).catch((error) => {
  process.stderr.write(String(error?.message ?? error));
  process.exit(1);
});
const clusters = Object.fromEntries(
  Object.entries(config.clusters).map(([key, cluster]) => [key, cluster.eks ?? null]),
);
process.stdout.write(JSON.stringify(clusters));
`;

/** Runs packages/core's loadConfig on `configFile` and returns each cluster's EKS identity. */
export function readConfigClusters(root: string, configFile = "homeostat.config.ts"): ConfigClusters {
  const node = join(root, "node_modules", ".bin", "node");
  if (!existsSync(node)) {
    throw new DeployConfigError(`${node} is missing: run \`npm ci\` before deploying`);
  }
  let output: string;
  try {
    output = execFileSync(node, ["--input-type=module", "-e", READ_CLUSTERS, join(root, configFile)], {
      cwd: root,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new DeployConfigError(
      `cannot read the clusters from ${configFile}:\n${stderr || String(error)}\nFix it, then deploy again.`,
    );
  }
  const parsed: unknown = JSON.parse(output);
  if (typeof parsed !== "object" || parsed === null) {
    throw new DeployConfigError(`reading ${configFile} printed ${output.slice(0, 200)}, not its clusters`);
  }
  return parsed as ConfigClusters;
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
