// The environment a Homeostat function runs in: which variables it reads and what each may hold.
// functions/README.md lists them; stacks/functions.ts sets them in Lambda.
import type { StallThresholds } from "../rollout/detect.ts";

export type Env = Record<string, string | undefined>;

/** Every variable the runtime reads, by what it is for. */
export const ENV = {
  config: "HOMEOSTAT_CONFIG",
  table: "HOMEOSTAT_STATE_TABLE",
  stateDb: "HOMEOSTAT_STATE_DB",
  bus: "HOMEOSTAT_EVENT_BUS",
  scheduleGroup: "HOMEOSTAT_SCHEDULE_GROUP",
  scheduleTarget: "HOMEOSTAT_NODE_EVENTS_FUNCTION_ARN",
  schedulerRole: "HOMEOSTAT_SCHEDULER_ROLE_ARN",
  clusters: "HOMEOSTAT_CLUSTERS",
  kubeconfig: "KUBECONFIG",
  kubeContext: "HOMEOSTAT_KUBE_CONTEXT",
  dryRun: "HOMEOSTAT_DRY_RUN",
  heartbeatSeconds: "HOMEOSTAT_HEARTBEAT_SECONDS",
  crashLoopRestarts: "HOMEOSTAT_ROLLOUT_CRASHLOOP_RESTARTS",
  notReadySeconds: "HOMEOSTAT_ROLLOUT_NOT_READY_SECONDS",
  /** The bot token for local runs and tests; in Lambda it is the linked SST secret (below). */
  slackToken: "HOMEOSTAT_SLACK_TOKEN",
  /** SST injects a linked resource as JSON `{"value": …}` in SST_RESOURCE_<name>. */
  slackTokenSecret: "SST_RESOURCE_SlackBotToken",
  /** The Slack app's signing secret (the Slack function only), for local runs and tests… */
  slackSigningSecret: "HOMEOSTAT_SLACK_SIGNING_SECRET",
  /** …and in Lambda, the linked SST secret. */
  slackSigningSecretLinked: "SST_RESOURCE_SlackSigningSecret",
  /** Slack's Web API base URL (default https://slack.com/api/); tests point it at the stand-in. */
  slackApiUrl: "HOMEOSTAT_SLACK_API_URL",
  region: "AWS_REGION",
  functionName: "AWS_LAMBDA_FUNCTION_NAME",
} as const;

/** A configuration problem in the function's environment: what is wrong and which variable fixes it. */
export class RuntimeConfigError extends Error {
  override readonly name = "RuntimeConfigError";
}

/** A variable's trimmed value; empty counts as unset. */
export const pick = (env: Env, name: string): string | undefined => env[name]?.trim() || undefined;

/**
 * A secret: the plain variable (local runs, tests), else the linked SST secret, which SST sets as JSON
 * `{"value": …}` in SST_RESOURCE_<Name>. Read from the variable rather than through the `sst`
 * package's `Resource`, which would ship its SDK in every function.
 */
export function secretFrom(env: Env, plain: string, linked: string): string | undefined {
  const value = pick(env, plain);
  if (value) return value;
  const json = pick(env, linked);
  if (!json) return undefined;
  try {
    const secret = (JSON.parse(json) as { value?: unknown }).value;
    return typeof secret === "string" && secret.trim() ? secret.trim() : undefined;
  } catch {
    throw new RuntimeConfigError(`${linked} is not the JSON SST writes ({"value": "…"})`);
  }
}

export function nonNegativeNumber(env: Env, name: string): number | undefined {
  const text = pick(env, name);
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0) {
    throw new RuntimeConfigError(`${name} must be a non-negative number, got ${JSON.stringify(text)}`);
  }
  return value;
}

/** The rollout guard's thresholds from HOMEOSTAT_ROLLOUT_CRASHLOOP_RESTARTS and HOMEOSTAT_ROLLOUT_NOT_READY_SECONDS. */
export function rolloutThresholdsFromEnv(env: Env): Partial<StallThresholds> {
  const restarts = nonNegativeNumber(env, ENV.crashLoopRestarts);
  const notReady = nonNegativeNumber(env, ENV.notReadySeconds);
  return {
    ...(restarts === undefined ? {} : { crashLoopRestarts: restarts }),
    ...(notReady === undefined ? {} : { notReadySeconds: notReady }),
  };
}
