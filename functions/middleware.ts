/**
 * What every Lambda handler shares: middy with Powertools Logger (Lambda context; correlation id =
 * the event id) and Metrics around one call into the core's runtime (`runHandler`), and the Lambda
 * response its delivery rule asks for. Dependencies are built at the first invocation and reused
 * while the container is warm; a failed cold start (a bad config) is tried again by the next one.
 *
 * Why no Powertools Idempotency: the guard already claims each event id (and each node + action) with
 * a conditional write before anything acts. A second mechanism keyed on the payload would add a round
 * trip per event and fight the retry design: a retryable failure releases the claims so the
 * redelivery acts, where an "in progress" idempotency record would make it fail instead.
 *
 * @example
 * export const handler = createHandler("node-events");
 * // tests: the real handler with other dependencies
 * const invoke = createHandler("alarm", { deps: { store, connect: async () => kube } });
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import type { HandlerName } from "@homeostat/core/domain";
import type { StallThresholds } from "@homeostat/core/rollout";
import type { RecordOutcome, TriggerOutcome } from "@homeostat/core/runtime";
import {
  buildDeps,
  correlationIdOf,
  type DepsOptions,
  type EventHandlerResult,
  type HandlerRun,
  type NotifyRunResult,
  RetryableFailureError,
  type RolloutGuardResult,
  rolloutThresholdsFromEnv,
  runHandler,
} from "@homeostat/core/runtime";
import middy from "@middy/core";
import type { Context, SQSBatchResponse } from "aws-lambda";
// Imported statically so the bundler ships the repository's config inside the function.
import bundledConfig from "../homeostat.config.ts";
import { oncePerContainer, pipelineLogger } from "./container.ts";

export type HandlerResult =
  | EventHandlerResult
  | RolloutGuardResult
  | NotifyRunResult
  | (NotifyRunResult & SQSBatchResponse)
  | SQSBatchResponse;

export interface HandlerOptions extends DepsOptions {
  logger?: Logger;
  metrics?: Metrics;
  /** The rollout guard's thresholds (else HOMEOSTAT_ROLLOUT_* variables, else the defaults). */
  rolloutThresholds?: Partial<StallThresholds>;
}

/**
 * ActionsTaken / ActionsSkipped / ActionsFailed with dimensions verb and policy, each its own EMF
 * document (`singleMetric`): one invocation can act with several verbs and policies, and Powertools
 * applies an instance's dimensions to every metric it flushes. Both dimensions are bounded (the verbs,
 * the config's policy names). A dry run that succeeded changed nothing: it counts as skipped.
 */
function outcomeMetrics(metrics: Metrics) {
  const emit = (name: string, dimensions: Record<string, string>) => {
    const single = metrics.singleMetric();
    single.addDimensions(dimensions);
    single.addMetric(name, MetricUnit.Count, 1);
  };
  return {
    onOutcome(outcome: TriggerOutcome) {
      for (const { action, result } of outcome.results) {
        const name = !result.ok ? "ActionsFailed" : result.dryRun ? "ActionsSkipped" : "ActionsTaken";
        emit(name, { verb: action.verb, policy: action.policy });
      }
      for (const skip of outcome.guarded.skipped) {
        // decide's skips are policies that did not match the trigger: not actions, not worth a metric
        if (skip.stage !== "decide" && skip.action) {
          emit("ActionsSkipped", { verb: skip.action.verb, policy: skip.policy });
        }
      }
    },
    onRecords(records: readonly RecordOutcome[]) {
      metrics.addMetric("EventsReceived", MetricUnit.Count, records.length);
      for (const record of records) {
        if (record.rejected) emit("EventsRejected", { rejection: record.rejected.kind });
      }
    },
  };
}

/**
 * SlackMessagesPosted (parents and replies), SlackResultsCounted (routine skips in a parent),
 * SlackDuplicates (redeliveries that posted nothing), SlackRetries (results that come again) and
 * SlackSetupErrors (a bad token or channel: results dropped until it is fixed).
 */
function notifyMetrics(result: NotifyRunResult, metrics: Metrics): void {
  const count = (name: string, test: (item: NotifyRunResult["items"][number]) => boolean) => {
    const n = result.items.filter(test).length;
    if (n > 0) metrics.addMetric(name, MetricUnit.Count, n);
  };
  count("SlackMessagesPosted", (item) => item.outcome === "parent" || item.outcome === "reply");
  count("SlackResultsCounted", (item) => item.outcome === "counted");
  count("SlackDuplicates", (item) => item.outcome === "duplicate");
  count("SlackRetries", (item) => item.outcome === "retry");
  count("SlackSetupErrors", (item) => item.setup === true);
}

/** The Lambda response a run's delivery rule asks for: a partial batch, a throw to retry, or the result. */
function lambdaResponse(run: HandlerRun, metrics: Metrics): HandlerResult {
  if (run.kind === "rollout-guard") {
    metrics.addMetric("RolloutsStalled", MetricUnit.Count, run.result.triggers.length);
    return run.result;
  }
  if (run.kind === "notify") notifyMetrics(run.result, metrics);
  const { delivery } = run;
  // Lambda reads only batchItemFailures; the notify run's items ride along for its log and invoke
  if (delivery.kind === "batch" && run.kind === "notify") {
    return { ...run.result, batchItemFailures: delivery.batchItemFailures };
  }
  if (delivery.kind === "batch") return { batchItemFailures: delivery.batchItemFailures };
  if (delivery.kind === "retry") throw new RetryableFailureError(delivery.reason);
  return run.result;
}

/** The Lambda handler of `kind`. */
export function createHandler(kind: HandlerName, options: HandlerOptions = {}) {
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
  const depsOnce = oncePerContainer(() =>
    buildDeps({
      defaultConfig: bundledConfig,
      ...options,
      deps: { log: pipelineLogger(logger), ...options.deps },
    }),
  );

  return middy<unknown, HandlerResult, Error, Context>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics))
    .handler(async (event) => {
      const correlationId = correlationIdOf(event);
      if (correlationId) logger.setCorrelationId(correlationId);
      const run = await runHandler(kind, event, await depsOnce(), {
        thresholds,
        ...outcomeMetrics(metrics),
      });
      return lambdaResponse(run, metrics);
    });
}
