// One invocation of a Homeostat handler, whoever runs it: the Lambda entry (functions/), the CLI's
// `homeostat invoke`, and `homeostat dev`. Lambda's own concerns — logging context, metrics, throwing
// for a redelivery — are the functions' middlewares, around this.
import type { HandlerName } from "../domain/handlers.ts";
import type { StallThresholds } from "../rollout/detect.ts";
import { type Delivery, deliveryOf } from "./delivery.ts";
import { type NotifyRunResult, runNotify } from "./notify.ts";
import { handleEvent, type PipelineDeps, type RecordOutcome, type TriggerOutcome } from "./pipeline.ts";
import { guardRollouts, type RolloutGuardResult } from "./rollout-guard.ts";
import { type RecordSummary, summarizeRecord } from "./summary.ts";

/** What the event handlers return (SQS deliveries get `{ batchItemFailures }` instead). */
export interface EventHandlerResult {
  handler: EventHandlerName;
  records: RecordSummary[];
}

export interface HandlerRunOptions {
  /** The rollout guard's thresholds. */
  thresholds?: Partial<StallThresholds>;
  /** Each trigger's outcome as it ends (metrics). */
  onOutcome?: (outcome: TriggerOutcome) => void;
  /** Every record of an event delivery once handled (metrics: received, rejected). */
  onRecords?: (records: readonly RecordOutcome[]) => void;
}

/** One handler run: what it returns, and how its delivery ends. */
export type HandlerRun =
  | { kind: "events"; result: EventHandlerResult; delivery: Delivery }
  | { kind: "rollout-guard"; result: RolloutGuardResult; delivery: { kind: "done" } }
  | { kind: "notify"; result: NotifyRunResult; delivery: Delivery };

export type EventHandlerName = Exclude<HandlerName, "rollout-guard" | "notify">;

/**
 * What one handler runs on each invocation. A Lambda function imports only its own runner, so its
 * bundle leaves the other handlers' code out (the notify stage's Slack rendering, the rollout scan);
 * `runHandler` (`homeostat invoke`, `homeostat dev`) runs any of them by name.
 */
export interface HandlerRunner {
  readonly name: HandlerName;
  run(event: unknown, deps: PipelineDeps, options?: HandlerRunOptions): Promise<HandlerRun>;
}

/** An event handler's run: the pipeline on the delivered event, its summary, and the delivery rule. */
export function eventsRunner(name: EventHandlerName): HandlerRunner {
  return {
    name,
    async run(event, deps, options = {}) {
      const records = await handleEvent(event, deps);
      options.onRecords?.(records);
      for (const record of records) for (const outcome of record.outcomes) options.onOutcome?.(outcome);
      const result: EventHandlerResult = { handler: name, records: records.map(summarizeRecord) };
      deps.log?.info("handled", { result });
      return { kind: "events", result, delivery: deliveryOf(event, records) };
    },
  };
}

/** The rollout guard's run: one scan of every served cluster (the event is only its schedule tick). */
export const rolloutGuardRunner: HandlerRunner = {
  name: "rollout-guard",
  async run(_event, deps, options = {}) {
    const result = await guardRollouts(deps, {
      ...(options.thresholds ? { thresholds: options.thresholds } : {}),
      ...(options.onOutcome ? { onOutcome: options.onOutcome } : {}),
    });
    deps.log?.info("scanned", { result });
    return { kind: "rollout-guard", result, delivery: { kind: "done" } };
  },
};

/** The notify stage's run: the result events (or alarms back to OK) delivered → Slack. */
export const notifyRunner: HandlerRunner = {
  name: "notify",
  run: async (event, deps) => ({ kind: "notify", ...(await runNotify(event, deps)) }),
};

/** The runner of the handler named `kind`. */
export function runnerOf(kind: HandlerName): HandlerRunner {
  if (kind === "rollout-guard") return rolloutGuardRunner;
  if (kind === "notify") return notifyRunner;
  return eventsRunner(kind);
}

/** Runs the handler of `kind` once on `event` (see `HandlerRunner`). */
export async function runHandler(
  kind: HandlerName,
  event: unknown,
  deps: PipelineDeps,
  options: HandlerRunOptions = {},
): Promise<HandlerRun> {
  return await runnerOf(kind).run(event, deps, options);
}
