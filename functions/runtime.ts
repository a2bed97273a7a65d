/**
 * What every Lambda handler shares: the pipeline's dependencies built once per container from the
 * environment, Powertools Logger and Metrics, and the middy wiring around one call into packages/core.
 * The handler files only pick a kind: `export const handler = createHandler("alarm")`.
 *
 * The same `createHandler` runs the real handler locally (`homeostat invoke <handler> --event FILE`) and
 * in tests, which pass their own dependencies (`deps`) or AWS client settings (`aws`) instead of mocks.
 */
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { Logger } from "@aws-lambda-powertools/logger";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import { AutoScalingClient } from "@aws-sdk/client-auto-scaling";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { EKSClient } from "@aws-sdk/client-eks";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { SchedulerClient } from "@aws-sdk/client-scheduler";
import { publishResult } from "@homeostat/core/audit";
import { type HomeostatConfig, loadConfig } from "@homeostat/core/config";
import type { NormalizeError } from "@homeostat/core/events";
import { type Kube, kubeForCluster } from "@homeostat/core/kube";
import {
  autoScalingLifecycleHooks,
  eventBridgeDeferScheduler,
  handleEvent,
  handleTrigger,
  type PipelineDeps,
  type PipelineLogger,
  type RecordOutcome,
  type TriggerOutcome,
} from "@homeostat/core/pipeline";
import { type StallThresholds, scanForStalledRollouts } from "@homeostat/core/rollout";
import { DynamoStateStore, SqliteStateStore, type StateStore } from "@homeostat/core/state";
import middy from "@middy/core";
import type { AwsCredentialIdentity } from "@smithy/types";
import type { Context, SQSBatchResponse } from "aws-lambda";
// Imported statically so the bundler ships the repository's config inside the function.
import bundledConfig from "../homeostat.config.ts";

export const handlerKinds = ["alarm", "node-events", "schedule", "rollout-guard"] as const;
export type HandlerKind = (typeof handlerKinds)[number];

export function isHandlerKind(value: string): value is HandlerKind {
  return (handlerKinds as readonly string[]).includes(value);
}

type Env = Record<string, string | undefined>;

/** Settings for every AWS SDK client the runtime makes (tests point them at moto). */
export interface AwsClientSettings {
  endpoint?: string;
  region?: string;
  credentials?: AwsCredentialIdentity;
}

export interface RuntimeOptions {
  /** Environment variables to read (default `process.env`); see functions/README.md for the list. */
  env?: Env;
  /** SDK client settings; without them the SDK's defaults apply (AWS_REGION, AWS_ENDPOINT_URL, role credentials). */
  aws?: AwsClientSettings;
  /** Dependencies to use as they are instead of building them from the environment. */
  deps?: Partial<PipelineDeps>;
  logger?: Logger;
  metrics?: Metrics;
  /** The rollout guard's thresholds (else HOMEOSTAT_ROLLOUT_* variables, else the defaults). */
  rolloutThresholds?: Partial<StallThresholds>;
}

/** A configuration problem in the function's environment: what is wrong and which variable fixes it. */
export class RuntimeConfigError extends Error {
  override readonly name = "RuntimeConfigError";
}

/** Thrown to make Lambda (or EventBridge, or Scheduler) deliver the event again: a retry can help. */
export class RetryableFailureError extends Error {
  override readonly name = "RetryableFailureError";
}

/** A variable's trimmed value; empty counts as unset. */
const pick = (env: Env, name: string): string | undefined => env[name]?.trim() || undefined;

function positiveNumber(env: Env, name: string): number | undefined {
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
  const restarts = positiveNumber(env, "HOMEOSTAT_ROLLOUT_CRASHLOOP_RESTARTS");
  const notReady = positiveNumber(env, "HOMEOSTAT_ROLLOUT_NOT_READY_SECONDS");
  return {
    ...(restarts === undefined ? {} : { crashLoopRestarts: restarts }),
    ...(notReady === undefined ? {} : { notReadySeconds: notReady }),
  };
}

/** Names of the variables (stacks/functions.ts sets them in Lambda). */
const ENV = {
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
} as const;

function clientSettings(aws: AwsClientSettings | undefined, region?: string) {
  return {
    ...(aws?.endpoint ? { endpoint: aws.endpoint } : {}),
    ...((aws?.region ?? region) ? { region: aws?.region ?? region } : {}),
    ...(aws?.credentials ? { credentials: aws.credentials } : {}),
  };
}

function defaultStateDb(): string {
  return join(".homeostat", "state.db");
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

/** Powertools Logger as the pipeline's logger. */
export function pipelineLogger(logger: Logger): PipelineLogger {
  return {
    info: (message, extra) => logger.info(message, extra ?? {}),
    warn: (message, extra) => logger.warn(message, extra ?? {}),
    error: (message, extra) => logger.error(message, extra ?? {}),
  };
}

/**
 * The pipeline's dependencies from the environment (see functions/README.md): config, state store,
 * result bus, lifecycle hooks, deferral scheduler, cluster access. `options.deps` replaces any of them.
 */
export async function buildDeps(options: RuntimeOptions = {}, logger?: Logger): Promise<PipelineDeps> {
  const env = options.env ?? process.env;
  const given = options.deps ?? {};
  const aws = options.aws;

  const configPath = pick(env, ENV.config);
  const config = given.config ?? (configPath ? await loadConfig(configPath) : bundledConfig);

  let store: StateStore | undefined = given.store;
  if (!store) {
    const table = pick(env, ENV.table);
    if (table) {
      store = new DynamoStateStore({ client: new DynamoDBClient(clientSettings(aws)), tableName: table });
    } else {
      const path = pick(env, ENV.stateDb) ?? defaultStateDb();
      if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
      store = new SqliteStateStore({ path });
    }
  }

  const deps: PipelineDeps = {
    config,
    store,
    connect: given.connect ?? clusterConnector(config, env, aws),
  };

  const clusters = pick(env, ENV.clusters)
    ?.split(",")
    .map((name) => name.trim())
    .filter(Boolean);
  const served = given.clusters ?? clusters;
  if (served) {
    const unknown = served.filter((name) => !(name in config.clusters));
    if (unknown.length > 0) {
      throw new RuntimeConfigError(
        `HOMEOSTAT_CLUSTERS names ${unknown.join(", ")}, not in the config (clusters: ${Object.keys(config.clusters).join(", ")})`,
      );
    }
    deps.clusters = served;
  }

  const bus = pick(env, ENV.bus);
  if (given.publish) deps.publish = given.publish;
  else if (bus) {
    const events = new EventBridgeClient(clientSettings(aws));
    deps.publish = async (record) => {
      await publishResult(events, bus, record);
    };
  }

  deps.lifecycle = given.lifecycle ?? autoScalingLifecycleHooks(new AutoScalingClient(clientSettings(aws)));

  if (given.scheduler) deps.scheduler = given.scheduler;
  else {
    const groupName = pick(env, ENV.scheduleGroup);
    const targetArn = pick(env, ENV.scheduleTarget);
    const roleArn = pick(env, ENV.schedulerRole);
    if (groupName && targetArn && roleArn) {
      deps.scheduler = eventBridgeDeferScheduler(
        { groupName, targetArn, roleArn },
        new SchedulerClient(clientSettings(aws)),
      );
    } else if (groupName || targetArn || roleArn) {
      throw new RuntimeConfigError(
        "deferred drains need all of HOMEOSTAT_SCHEDULE_GROUP, HOMEOSTAT_NODE_EVENTS_FUNCTION_ARN and HOMEOSTAT_SCHEDULER_ROLE_ARN; some are missing",
      );
    }
  }

  const dryRun = given.dryRun ?? pick(env, ENV.dryRun) === "true";
  if (dryRun) deps.dryRun = true;
  const heartbeatSeconds = positiveNumber(env, "HOMEOSTAT_HEARTBEAT_SECONDS");
  if (heartbeatSeconds) deps.heartbeatIntervalMs = heartbeatSeconds * 1000;
  for (const key of ["now", "actor", "onProgress", "heartbeatIntervalMs"] as const) {
    if (given[key] !== undefined) Object.assign(deps, { [key]: given[key] });
  }
  deps.log = given.log ?? (logger ? pipelineLogger(logger) : undefined);
  if (!deps.log) delete deps.log;
  return deps;
}

// ------------------------------------------------------------------------------------------- results

export interface ActionSummary {
  policy: string;
  verb: string;
  target: string;
  ok: boolean;
  changed: boolean;
  dryRun: boolean;
  message: string;
}

export interface SkipSummary {
  policy: string;
  stage: string;
  reason: string;
}

/** One trigger on one cluster: what ran and what was skipped, with the reasons. */
export interface TriggerSummary {
  trigger: string;
  kind: string;
  cluster: string;
  ran: ActionSummary[];
  skipped: SkipSummary[];
}

export interface RecordSummary {
  index: number;
  messageId?: string;
  /** Why the record was rejected; it is not retried. */
  rejected?: NormalizeError;
  retry: boolean;
  triggers: TriggerSummary[];
}

/** What the event handlers return (SQS deliveries get `{ batchItemFailures }` instead). */
export interface EventHandlerResult {
  handler: HandlerKind;
  records: RecordSummary[];
}

export interface RolloutGuardResult {
  handler: "rollout-guard";
  clusters: Array<{
    cluster: string;
    namespaces: string[];
    /** Each stalled rollout found: `namespace/name`, the revision, and why it counts as stalled. */
    stalled: Array<{ deployment: string; revision?: number; reason: string }>;
  }>;
  triggers: TriggerSummary[];
}

export type HandlerResult = EventHandlerResult | RolloutGuardResult | SQSBatchResponse;

function targetText(target: ActionSummary["target"] | { kind: string; [key: string]: unknown }): string {
  if (typeof target === "string") return target;
  if (target.kind === "Node") return `node/${String(target.name)}`;
  if (target.kind === "LifecycleAction") return `lifecycle/${String(target.instanceId)}`;
  return `${target.kind.toLowerCase()}/${String(target.namespace)}/${String(target.name)}`;
}

export function summarizeTrigger(outcome: TriggerOutcome): TriggerSummary {
  return {
    trigger: outcome.trigger.id,
    kind: outcome.trigger.kind,
    cluster: outcome.cluster,
    ran: outcome.results.map(({ action, result }) => ({
      policy: action.policy,
      verb: action.verb,
      target: targetText(action.target as { kind: string }),
      ok: result.ok,
      changed: result.changed,
      dryRun: result.dryRun,
      message: result.message ?? "",
    })),
    skipped: outcome.guarded.skipped.map(({ policy, stage, reason }) => ({ policy, stage, reason })),
  };
}

function summarizeRecord(record: RecordOutcome): RecordSummary {
  return {
    index: record.index,
    ...(record.messageId ? { messageId: record.messageId } : {}),
    ...(record.rejected ? { rejected: record.rejected } : {}),
    retry: record.retry,
    triggers: record.outcomes.map(summarizeTrigger),
  };
}

// ------------------------------------------------------------------------------------------- metrics

/**
 * ActionsTaken / ActionsSkipped / ActionsFailed with dimensions verb and policy. Each goes out as its own
 * EMF document (`singleMetric`): one invocation can act with several verbs and policies, and Powertools
 * applies an instance's dimensions to every metric it flushes, so shared dimensions would mislabel them.
 * Three dimensions (service, verb, policy) stay far below CloudWatch's 30 per metric; both values are
 * bounded (six verbs plus two pipeline steps; policy names from the config), so cardinality stays low.
 * A dry run that succeeded changed nothing: it counts as skipped.
 */
function recordActionMetrics(metrics: Metrics, outcome: TriggerOutcome): void {
  const emit = (name: string, verb: string, policy: string) => {
    const single = metrics.singleMetric();
    single.addDimensions({ verb, policy });
    single.addMetric(name, MetricUnit.Count, 1);
  };
  for (const { action, result } of outcome.results) {
    emit(
      !result.ok ? "ActionsFailed" : result.dryRun ? "ActionsSkipped" : "ActionsTaken",
      action.verb,
      action.policy,
    );
  }
  for (const skip of outcome.guarded.skipped) {
    // decide's skips are policies that did not match the trigger: not actions, not worth a metric
    if (skip.stage !== "decide" && skip.action) emit("ActionsSkipped", skip.action.verb, skip.policy);
  }
}

// ------------------------------------------------------------------------------------------- handlers

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isSqsEvent(event: unknown): event is { Records: Array<{ messageId?: string }> } {
  if (!isObject(event) || !Array.isArray(event.Records)) return false;
  const first: unknown = event.Records[0];
  return isObject(first) && first.eventSource === "aws:sqs";
}

/** The id logs are correlated by: the EventBridge event id, else the first record's message id. */
export function correlationIdOf(event: unknown): string | undefined {
  if (!isObject(event)) return undefined;
  if (typeof event.id === "string") return event.id;
  if (Array.isArray(event.Records) && isObject(event.Records[0])) {
    const record = event.Records[0];
    if (typeof record.messageId === "string") return record.messageId;
    if (isObject(record.Sns) && typeof record.Sns.MessageId === "string") return record.Sns.MessageId;
  }
  if (typeof event.executionId === "string") return event.executionId;
  return undefined;
}

async function handleEvents(
  kind: HandlerKind,
  event: unknown,
  deps: PipelineDeps,
  logger: Logger,
  metrics: Metrics,
): Promise<EventHandlerResult | SQSBatchResponse> {
  const records = await handleEvent(event, deps);
  metrics.addMetric("EventsReceived", MetricUnit.Count, records.length);
  for (const record of records) {
    if (record.rejected) {
      const single = metrics.singleMetric();
      single.addDimensions({ rejection: record.rejected.kind });
      single.addMetric("EventsRejected", MetricUnit.Count, 1);
    }
    for (const outcome of record.outcomes) recordActionMetrics(metrics, outcome);
  }
  const summary: EventHandlerResult = { handler: kind, records: records.map(summarizeRecord) };
  logger.info("handled", { result: summary });

  if (isSqsEvent(event)) {
    // Partial batch response: only records whose action failed retryably come back; a rejected record
    // is logged and counted, and deleting it is right (the same bytes would fail the same way).
    const batchItemFailures = records
      .filter((record) => record.retry && record.messageId)
      .map((record) => ({ itemIdentifier: record.messageId as string }));
    return { batchItemFailures };
  }
  const retrying = records.filter((record) => record.retry);
  if (retrying.length > 0) {
    const failures = retrying.flatMap((record) =>
      record.outcomes.flatMap((outcome) => [
        ...outcome.results
          .filter(({ result }) => !result.ok && result.retryable)
          .map(({ action, result }) => `${action.policy} ${action.verb}: ${result.message ?? "failed"}`),
        ...(outcome.guarded.retryLater ? [outcome.guarded.retryLater] : []),
      ]),
    );
    // Claims were released by the pipeline: the redelivery acts instead of being skipped as a duplicate.
    throw new RetryableFailureError(`retrying the event: ${failures.join("; ")}`);
  }
  return summary;
}

async function guardRollouts(
  deps: PipelineDeps,
  logger: Logger,
  metrics: Metrics,
  thresholds: Partial<StallThresholds>,
): Promise<RolloutGuardResult> {
  const result: RolloutGuardResult = { handler: "rollout-guard", clusters: [], triggers: [] };
  const served = deps.clusters ?? Object.keys(deps.config.clusters);
  for (const cluster of served) {
    const namespaces = [
      ...new Set(
        deps.config.policies.flatMap((policy) =>
          policy.cluster === cluster && "rolloutStalled" in policy.match
            ? policy.match.rolloutStalled.namespaces
            : [],
        ),
      ),
    ];
    if (namespaces.length === 0) continue;
    const kube = await deps.connect(cluster);
    const now = deps.now?.() ?? new Date();
    const triggers = await scanForStalledRollouts(kube, namespaces, {
      thresholds,
      now,
      onVerdict: (deployment, verdict) =>
        logger.debug("rollout verdict", { cluster, ...deployment, ...verdict }),
    });
    result.clusters.push({
      cluster,
      namespaces,
      stalled: triggers.map((t) => ({
        deployment: `${t.namespace}/${t.deployment}`,
        ...(t.revision === undefined ? {} : { revision: t.revision }),
        reason: t.reason,
      })),
    });
    for (const trigger of triggers) {
      logger.info("stalled rollout", { cluster, trigger: trigger.id, reason: trigger.reason });
      const outcome = await handleTrigger(trigger, cluster, deps);
      recordActionMetrics(metrics, outcome);
      // No throw: the pipeline released the claims of a retryable failure, so the next scan (a minute
      // later) finds the same stalled revision and tries again.
      result.triggers.push(summarizeTrigger(outcome));
    }
  }
  metrics.addMetric("RolloutsStalled", MetricUnit.Count, result.triggers.length);
  logger.info("scanned", { result });
  return result;
}

/*
 * Why no Powertools Idempotency: the guard already claims each event id (and each node + action, for the
 * several events of one interruption) with a conditional write in the state store, atomically, before
 * anything acts. A second mechanism keyed on the payload would add a DynamoDB round trip per event, and
 * would fight the pipeline's retry design: a retryable failure releases the claims so the redelivery
 * acts, while an idempotency record "in progress" would make concurrent redeliveries fail instead of
 * being skipped with a reason.
 */

/**
 * A Lambda handler of `kind`: middy with Powertools Logger (Lambda context, correlation id = the event
 * id) and Metrics (namespace Homeostat, flushed by its middleware) around one call into the pipeline.
 * Dependencies are built at the first invocation and reused while the container is warm.
 *
 * @example
 * export const handler = createHandler("node-events");
 * // tests and `homeostat invoke`: the real handler with other dependencies
 * const invoke = createHandler("alarm", { deps: { store, connect: async () => kube } });
 * await invoke(event, localContext("alarm"));
 */
export function createHandler(kind: HandlerKind, options: RuntimeOptions = {}) {
  const env = options.env ?? process.env;
  const logger =
    options.logger ??
    new Logger({
      serviceName: env.POWERTOOLS_SERVICE_NAME ?? "homeostat",
      persistentKeys: { handler: kind },
    });
  const metrics =
    options.metrics ??
    new Metrics({ namespace: env.POWERTOOLS_METRICS_NAMESPACE ?? "Homeostat", serviceName: "homeostat" });
  const thresholds = { ...rolloutThresholdsFromEnv(env), ...options.rolloutThresholds };
  let deps: Promise<PipelineDeps> | undefined;
  const depsOnce = () => {
    if (!deps) {
      deps = buildDeps(options, logger);
      // a failed cold start (bad config) is tried again by the next invocation, not cached
      deps.catch(() => {
        deps = undefined;
      });
    }
    return deps;
  };

  return middy<unknown, HandlerResult, Error, Context>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics))
    .handler(async (event) => {
      const correlationId = correlationIdOf(event);
      if (correlationId) logger.setCorrelationId(correlationId);
      const pipeline = await depsOnce();
      if (kind === "rollout-guard") return await guardRollouts(pipeline, logger, metrics, thresholds);
      return await handleEvents(kind, event, pipeline, logger, metrics);
    });
}

/** A Lambda context for running a handler outside Lambda (the CLI's `invoke`, tests). */
export function localContext(kind: HandlerKind, timeoutMs = 15 * 60_000): Context {
  const deadline = Date.now() + timeoutMs;
  const name = `homeostat-local-${kind}`;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: name,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${name}`,
    memoryLimitInMB: "512",
    awsRequestId: crypto.randomUUID(),
    logGroupName: `/aws/lambda/${name}`,
    logStreamName: "local",
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

/** What `homeostat invoke` passes: a cluster client from its connection flags, a config file, --dry-run. */
export interface LocalInvokeOptions {
  kube?: Kube;
  configFile?: string;
  dryRun?: boolean;
}

/**
 * The real handler of `kind`, run once on `event` outside Lambda (the CLI's `homeostat invoke`): the
 * environment as in Lambda (the embedded store at `.homeostat/state.db` unless HOMEOSTAT_STATE_TABLE is set),
 * with the CLI's cluster client, config file and dry run on top.
 */
export function localInvoker(kind: HandlerKind) {
  return async (event: unknown, options: LocalInvokeOptions = {}): Promise<HandlerResult> => {
    const { kube } = options;
    const handler = createHandler(kind, {
      env: { ...process.env, ...(options.configFile ? { HOMEOSTAT_CONFIG: options.configFile } : {}) },
      deps: {
        ...(kube ? { connect: async () => kube } : {}),
        ...(options.dryRun ? { dryRun: true } : {}),
      },
    });
    return await handler(event, localContext(kind));
  };
}
