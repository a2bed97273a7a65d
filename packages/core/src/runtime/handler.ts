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
  handler: Exclude<HandlerName, "rollout-guard" | "notify">;
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

/** Runs the handler of `kind` once on `event`: the pipeline, its summary, and the delivery rule. */
export async function runHandler(
  kind: HandlerName,
  event: unknown,
  deps: PipelineDeps,
  options: HandlerRunOptions = {},
): Promise<HandlerRun> {
  if (kind === "rollout-guard") {
    const result = await guardRollouts(deps, {
      ...(options.thresholds ? { thresholds: options.thresholds } : {}),
      ...(options.onOutcome ? { onOutcome: options.onOutcome } : {}),
    });
    deps.log?.info("scanned", { result });
    return { kind: "rollout-guard", result, delivery: { kind: "done" } };
  }
  if (kind === "notify") return { kind: "notify", ...(await runNotify(event, deps)) };
  const records = await handleEvent(event, deps);
  options.onRecords?.(records);
  for (const record of records) for (const outcome of record.outcomes) options.onOutcome?.(outcome);
  const result: EventHandlerResult = { handler: kind, records: records.map(summarizeRecord) };
  deps.log?.info("handled", { result });
  return { kind: "events", result, delivery: deliveryOf(event, records) };
}
