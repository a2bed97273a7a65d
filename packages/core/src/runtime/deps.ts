// The pipeline's dependencies, built from the environment once per container (or per local run).
//
// Cold start: what a Lambda container loads before its first event is what every invocation needs
// (the state table, the result bus, the cluster connection). The rest is imported when first used —
// the config loader (only with HOMEOSTAT_CONFIG: a function trusts the config checked when it was
// bundled, stacks/bundle-config.mjs), the embedded store (local runs), the Auto Scaling and
// Scheduler clients (only lifecycle hooks and deferred drains call them), and Slack's WebClient (at
// the first post: most results are never posted from the function that acted).
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { EKSClient } from "@aws-sdk/client-eks";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import type { AwsCredentialIdentity } from "@smithy/types";
import type { HomeostatConfig } from "../config/schema.ts";
import { kubeForCluster } from "../kube/access.ts";
import type { Kube } from "../kube/client.ts";
import { auditLogSink, eventBusSink } from "../record/sinks.ts";
import type { WebClientPosterOptions } from "../slack/client.ts";
import type { LinkOptions } from "../slack/links.ts";
import type { SlackPoster } from "../slack/poster.ts";
import { DynamoStateStore } from "../state/dynamodb.ts";
import type { StateStore } from "../state/store.ts";
import type { DeferScheduler, LifecycleHooks, SchedulerTargetConfig } from "./aws.ts";
import { ENV, type Env, nonNegativeNumber, pick, RuntimeConfigError, secretFrom } from "./env.ts";
import type { PipelineDeps } from "./pipeline.ts";

/** Settings for every AWS SDK client the runtime makes (tests point them at moto). */
export interface AwsClientSettings {
  endpoint?: string;
  region?: string;
  credentials?: AwsCredentialIdentity;
}

export interface DepsOptions {
  /** Environment variables to read (default `process.env`); see functions/README.md for the list. */
  env?: Env;
  /** SDK client settings; without them the SDK's defaults apply (AWS_REGION, AWS_ENDPOINT_URL, role credentials). */
  aws?: AwsClientSettings;
  /** Dependencies to use as they are instead of building them from the environment. */
  deps?: Partial<PipelineDeps>;
  /** The config when HOMEOSTAT_CONFIG names none: the one bundled into the function. */
  defaultConfig?: HomeostatConfig;
}

function clientSettings(aws: AwsClientSettings | undefined, region?: string) {
  return {
    ...(aws?.endpoint ? { endpoint: aws.endpoint } : {}),
    ...((aws?.region ?? region) ? { region: aws?.region ?? region } : {}),
    ...(aws?.credentials ? { credentials: aws.credentials } : {}),
  };
}

/** Kube handles per cluster for this container: the first invocation connects, warm ones reuse it. */
function clusterConnector(config: HomeostatConfig, env: Env, aws: AwsClientSettings | undefined) {
  const kubes = new Map<string, Promise<Kube>>();
  const open = async (name: string): Promise<Kube> => {
    const cluster = config.clusters[name];
    if (!cluster) {
      throw new RuntimeConfigError(
        `cluster "${name}" is not in the config (clusters: ${Object.keys(config.clusters).join(", ")}); fix HOMEOSTAT_CLUSTERS`,
      );
    }
    const kubeconfig = pick(env, ENV.kubeconfig);
    const context = pick(env, ENV.kubeContext);
    // A kubeconfig in the environment wins: that is a local run (`homeostat invoke`) against any cluster.
    const access =
      kubeconfig || context
        ? {
            kubeconfig: {
              ...(kubeconfig ? { path: kubeconfig.split(":")[0] } : {}),
              ...(context ? { context } : {}),
            },
          }
        : cluster;
    return await kubeForCluster(access, {
      ...(cluster.eks ? { eks: new EKSClient(clientSettings(aws, cluster.eks.region)) } : {}),
    });
  };
  return (name: string): Promise<Kube> => {
    let pending = kubes.get(name);
    if (!pending) {
      pending = open(name);
      kubes.set(name, pending);
      pending.catch(() => kubes.delete(name));
    }
    return pending;
  };
}

async function configFrom(env: Env, options: DepsOptions): Promise<HomeostatConfig> {
  if (options.deps?.config) return options.deps.config;
  const path = pick(env, ENV.config);
  if (path) {
    const { loadConfig } = await import("../config/load.ts");
    return await loadConfig(path);
  }
  if (options.defaultConfig) return options.defaultConfig;
  throw new RuntimeConfigError(
    `no config: set ${ENV.config} to the path of a homeostat.config.ts or JSON file`,
  );
}

async function storeFrom(env: Env, aws: AwsClientSettings | undefined): Promise<StateStore> {
  const table = pick(env, ENV.table);
  if (table)
    return new DynamoStateStore({ client: new DynamoDBClient(clientSettings(aws)), tableName: table });
  const path = pick(env, ENV.stateDb) ?? join(".homeostat", "state.db");
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const { SqliteStateStore } = await import("../state/sqlite.ts");
  return new SqliteStateStore({ path });
}

/** `make()` once, at the first call; a failed make is tried again by the next call. */
function onFirstUse<T>(make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | undefined;
  return () => {
    if (!made) {
      made = make();
      made.catch(() => {
        made = undefined;
      });
    }
    return made;
  };
}

/** Lifecycle hooks whose Auto Scaling client is loaded and made at the first hook call. */
function lifecycleHooksFrom(aws: AwsClientSettings | undefined): LifecycleHooks {
  const hooks = onFirstUse(async () => {
    const [{ AutoScalingClient }, { autoScalingLifecycleHooks }] = await Promise.all([
      import("@aws-sdk/client-auto-scaling"),
      import("./aws.ts"),
    ]);
    return autoScalingLifecycleHooks(new AutoScalingClient(clientSettings(aws)));
  });
  return {
    complete: async (target, result) => await (await hooks()).complete(target, result),
    heartbeat: async (target) => await (await hooks()).heartbeat(target),
  };
}

/** A deferral scheduler whose Scheduler client is loaded and made at the first deferred drain. */
function lazyDeferScheduler(
  target: SchedulerTargetConfig,
  aws: AwsClientSettings | undefined,
): DeferScheduler {
  const scheduler = onFirstUse(async () => {
    const [{ SchedulerClient }, { eventBridgeDeferScheduler }] = await Promise.all([
      import("@aws-sdk/client-scheduler"),
      import("./aws.ts"),
    ]);
    return eventBridgeDeferScheduler(target, new SchedulerClient(clientSettings(aws)));
  });
  return { scheduleOnce: async (run) => await (await scheduler()).scheduleOnce(run) };
}

/** A Slack poster whose WebClient is loaded and made at the first post or update. */
function lazySlackPoster(options: WebClientPosterOptions): SlackPoster {
  const poster = onFirstUse(async () => (await import("../slack/client.ts")).webClientPoster(options));
  return {
    post: async (message) => await (await poster()).post(message),
    update: async (message) => await (await poster()).update(message),
  };
}

function servedClusters(
  env: Env,
  config: HomeostatConfig,
  given: string[] | undefined,
): string[] | undefined {
  const served =
    given ??
    pick(env, ENV.clusters)
      ?.split(",")
      .map((name) => name.trim())
      .filter(Boolean);
  if (!served) return undefined;
  const unknown = served.filter((name) => !(name in config.clusters));
  if (unknown.length > 0) {
    throw new RuntimeConfigError(
      `${ENV.clusters} names ${unknown.join(", ")}, not in the config (clusters: ${Object.keys(config.clusters).join(", ")})`,
    );
  }
  return served;
}

function schedulerFrom(env: Env, aws: AwsClientSettings | undefined): PipelineDeps["scheduler"] {
  const groupName = pick(env, ENV.scheduleGroup);
  const targetArn = pick(env, ENV.scheduleTarget);
  const roleArn = pick(env, ENV.schedulerRole);
  if (groupName && targetArn && roleArn) return lazyDeferScheduler({ groupName, targetArn, roleArn }, aws);
  if (groupName || targetArn || roleArn) {
    throw new RuntimeConfigError(
      `deferred drains need all of ${ENV.scheduleGroup}, ${ENV.scheduleTarget} and ${ENV.schedulerRole}; some are missing`,
    );
  }
  return undefined;
}

/** Console links: this function's region, and its name's prefix (`homeostat-<stage>-`) for the log groups. */
function slackLinksFrom(env: Env): LinkOptions {
  const region = pick(env, ENV.region);
  const name = pick(env, ENV.functionName);
  const prefix = name?.endsWith("notify") ? name.slice(0, -"notify".length) : undefined;
  return { ...(region ? { region } : {}), ...(prefix ? { functionNamePrefix: prefix } : {}) };
}

/**
 * The pipeline's dependencies from the environment (see functions/README.md): config, state store,
 * record sinks (the audit log, the result bus), lifecycle hooks, deferral scheduler, cluster access.
 * `options.deps` replaces any of them.
 */
export async function buildDeps(options: DepsOptions = {}): Promise<PipelineDeps> {
  const env = options.env ?? process.env;
  const given = options.deps ?? {};
  const aws = options.aws;
  const config = await configFrom(env, options);
  const store = given.store ?? (await storeFrom(env, aws));
  const bus = pick(env, ENV.bus);
  const scheduler = given.scheduler ?? schedulerFrom(env, aws);
  const clusters = servedClusters(env, config, given.clusters);
  const heartbeatSeconds = nonNegativeNumber(env, ENV.heartbeatSeconds);
  const slackToken =
    config.slack && !given.slack ? secretFrom(env, ENV.slackToken, ENV.slackTokenSecret) : undefined;
  const slackApiUrl = pick(env, ENV.slackApiUrl);
  const deps: PipelineDeps = {
    ...given,
    config,
    store,
    connect: given.connect ?? clusterConnector(config, env, aws),
    sinks: given.sinks ?? [
      auditLogSink(store),
      ...(bus ? [eventBusSink(new EventBridgeClient(clientSettings(aws)), bus)] : []),
    ],
    lifecycle: given.lifecycle ?? lifecycleHooksFrom(aws),
    ...(scheduler ? { scheduler } : {}),
    ...(clusters ? { clusters } : {}),
    ...(slackToken
      ? { slack: lazySlackPoster({ token: slackToken, ...(slackApiUrl ? { apiUrl: slackApiUrl } : {}) }) }
      : {}),
    slackLinks: given.slackLinks ?? slackLinksFrom(env),
  };
  if (given.dryRun ?? pick(env, ENV.dryRun) === "true") deps.dryRun = true;
  if (given.heartbeatIntervalMs === undefined && heartbeatSeconds) {
    deps.heartbeatIntervalMs = heartbeatSeconds * 1000;
  }
  return deps;
}
