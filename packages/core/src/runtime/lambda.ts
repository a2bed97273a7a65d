// What the Lambda entries (functions/) share, kept here so they stay entries and middlewares: the
// pipeline's logger over any logger shaped like Powertools', dependencies built once per container,
// what a run counts as metrics, and the Lambda response its delivery rule asks for. Pure: the
// middleware emits the counts with Powertools Metrics.
import { type Delivery, RetryableFailureError } from "./delivery.ts";
import type { HandlerRun } from "./handler.ts";
import type { NotifyRunResult } from "./notify.ts";
import type { PipelineLogger, RecordOutcome, TriggerOutcome } from "./pipeline.ts";

/** The part of Powertools' Logger the pipeline logs through. */
export interface LoggerLike {
  debug(message: string, ...extra: Array<Record<string, unknown>>): void;
  info(message: string, ...extra: Array<Record<string, unknown>>): void;
  warn(message: string, ...extra: Array<Record<string, unknown>>): void;
  error(message: string, ...extra: Array<Record<string, unknown>>): void;
}

export function pipelineLogger(logger: LoggerLike): PipelineLogger {
  return {
    debug: (message, extra) => logger.debug(message, extra ?? {}),
    info: (message, extra) => logger.info(message, extra ?? {}),
    warn: (message, extra) => logger.warn(message, extra ?? {}),
    error: (message, extra) => logger.error(message, extra ?? {}),
  };
}

/** Built at the first call and reused while the container is warm; a failed build is tried again. */
export function oncePerContainer<T>(build: () => Promise<T>): () => Promise<T> {
  let built: Promise<T> | undefined;
  return () => {
    if (!built) {
      built = build();
      built.catch(() => {
        built = undefined;
      });
    }
    return built;
  };
}

/** One count to emit; with dimensions it is its own EMF document (they apply to it alone). */
export interface MetricCount {
  name: string;
  value: number;
  dimensions?: Record<string, string>;
}

/**
 * ActionsTaken / ActionsSkipped / ActionsFailed by verb and policy (both bounded: the verbs, the
 * config's policy names). A dry run that succeeded changed nothing: it counts as skipped.
 */
export function outcomeCounts(outcome: TriggerOutcome): MetricCount[] {
  const counts: MetricCount[] = [];
  for (const { action, result } of outcome.results) {
    const name = !result.ok ? "ActionsFailed" : result.dryRun ? "ActionsSkipped" : "ActionsTaken";
    counts.push({ name, value: 1, dimensions: { verb: action.verb, policy: action.policy } });
  }
  for (const skip of outcome.guarded.skipped) {
    // decide's skips are policies that did not match the trigger: not actions, not worth a metric
    if (skip.stage !== "decide" && skip.action) {
      counts.push({
        name: "ActionsSkipped",
        value: 1,
        dimensions: { verb: skip.action.verb, policy: skip.policy },
      });
    }
  }
  return counts;
}

/** EventsReceived, and EventsRejected by the kind of rejection. */
export function recordCounts(records: readonly RecordOutcome[]): MetricCount[] {
  return [
    { name: "EventsReceived", value: records.length },
    ...records.flatMap((record) =>
      record.rejected
        ? [{ name: "EventsRejected", value: 1, dimensions: { rejection: record.rejected.kind } }]
        : [],
    ),
  ];
}

/**
 * What a finished run counts: RolloutsStalled for the rollout guard; for notify SlackMessagesPosted
 * (parents and replies), SlackResultsCounted (routine skips in a parent), SlackDuplicates
 * (redeliveries that posted nothing), SlackRetries (results that come again) and SlackSetupErrors (a
 * bad token or channel: results dropped until it is fixed).
 */
export function runCounts(run: HandlerRun): MetricCount[] {
  if (run.kind === "rollout-guard") return [{ name: "RolloutsStalled", value: run.result.triggers.length }];
  if (run.kind !== "notify") return [];
  const count = (name: string, test: (item: NotifyRunResult["items"][number]) => boolean): MetricCount[] => {
    const value = run.result.items.filter(test).length;
    return value > 0 ? [{ name, value }] : [];
  };
  return [
    ...count("SlackMessagesPosted", (item) => item.outcome === "parent" || item.outcome === "reply"),
    ...count("SlackResultsCounted", (item) => item.outcome === "counted"),
    ...count("SlackDuplicates", (item) => item.outcome === "duplicate"),
    ...count("SlackRetries", (item) => item.outcome === "retry"),
    ...count("SlackSetupErrors", (item) => item.setup === true),
  ];
}

/** A partial batch response, as Lambda reads it for SQS. */
export type BatchResponse = Pick<Extract<Delivery, { kind: "batch" }>, "batchItemFailures">;

export type LambdaResult<R> = R | (R & BatchResponse) | BatchResponse;

/** The Lambda response a run's delivery rule asks for: a partial batch, a throw to retry, or the result. */
export function lambdaResponse(run: HandlerRun): LambdaResult<HandlerRun["result"]> {
  if (run.kind === "rollout-guard") return run.result;
  const { delivery } = run;
  // Lambda reads only batchItemFailures; the notify run's items ride along for its log and invoke
  if (delivery.kind === "batch" && run.kind === "notify") {
    return { ...run.result, batchItemFailures: delivery.batchItemFailures };
  }
  if (delivery.kind === "batch") return { batchItemFailures: delivery.batchItemFailures };
  if (delivery.kind === "retry") throw new RetryableFailureError(delivery.reason);
  return run.result;
}
