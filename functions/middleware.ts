/**
 * What every Lambda handler shares: middy with Powertools Logger (Lambda context; correlation id =
 * the event id) and Metrics around one call into the core's runtime (the function's `HandlerRunner`), and the Lambda
 * response its delivery rule asks for. Dependencies are built at the first invocation and reused
 * while the container is warm; a failed cold start (a bad config) is tried again by the next one.
 *
 * Why no Powertools Idempotency: the guard already claims each event id (and each node + action) with
 * a conditional write before anything acts. A second mechanism keyed on the payload would add a round
 * trip per event and fight the retry design: a retryable failure releases the claims so the
 * redelivery acts, where an "in progress" idempotency record would make it fail instead.
 *
 * @example
 * export const handler = createHandler(eventsRunner("node-events"));
 * // tests: the real handler with other dependencies
 * const invoke = createHandler(eventsRunner("alarm"), { deps: { store, connect: async () => kube } });
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import type { StallThresholds } from "@homeostat/core/rollout";
import {
  buildDeps,
  correlationIdOf,
  type DepsOptions,
  type HandlerRun,
  type HandlerRunner,
  type LambdaResult,
  lambdaResponse,
  type MetricCount,
  oncePerContainer,
  outcomeCounts,
  pipelineLogger,
  recordCounts,
  rolloutThresholdsFromEnv,
  runCounts,
} from "@homeostat/core/runtime";
import middy from "@middy/core";
import type { Context } from "aws-lambda";
// Imported statically so the bundler ships the repository's config inside the function.
import bundledConfig from "../homeostat.config.ts";

export type HandlerResult = LambdaResult<HandlerRun["result"]>;

export interface HandlerOptions extends DepsOptions {
  logger?: Logger;
  metrics?: Metrics;
  /** The rollout guard's thresholds (else HOMEOSTAT_ROLLOUT_* variables, else the defaults). */
  rolloutThresholds?: Partial<StallThresholds>;
}

/** Each count as its own EMF document when it has dimensions: Powertools applies an instance's
 * dimensions to every metric it flushes, and one invocation can act with several verbs and policies. */
function emitter(metrics: Metrics) {
  return (counts: readonly MetricCount[]) => {
    for (const { name, value, dimensions } of counts) {
      if (!dimensions) {
        metrics.addMetric(name, MetricUnit.Count, value);
        continue;
      }
      const single = metrics.singleMetric();
      single.addDimensions(dimensions);
      single.addMetric(name, MetricUnit.Count, value);
    }
  };
}

/** The Lambda handler that runs `runner` (only its code is bundled into the function). */
export function createHandler(runner: HandlerRunner, options: HandlerOptions = {}) {
  const env = options.env ?? process.env;
  const logger =
    options.logger ??
    new Logger({
      serviceName: env.POWERTOOLS_SERVICE_NAME ?? "homeostat",
      persistentKeys: { handler: runner.name },
    });
  const metrics =
    options.metrics ??
    new Metrics({ namespace: env.POWERTOOLS_METRICS_NAMESPACE ?? "Homeostat", serviceName: "homeostat" });
  const emit = emitter(metrics);
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
      const run = await runner.run(event, await depsOnce(), {
        thresholds,
        onOutcome: (outcome) => emit(outcomeCounts(outcome)),
        onRecords: (records) => emit(recordCounts(records)),
      });
      emit(runCounts(run));
      return lambdaResponse(run);
    });
}
