// `homeostat invoke <handler>`: the handler's core run once on this machine, as in Lambda but with
// the CLI's cluster client and config, the embedded state store, and the logs on stderr.
import type { HomeostatConfig } from "../config/schema.ts";
import type { HandlerName } from "../domain/handlers.ts";
import type { Kube } from "../kube/client.ts";
import { auditLogSink } from "../record/sinks.ts";
import type { AuditRecord } from "../state/audit-log.ts";
import { buildDeps } from "./deps.ts";
import type { Env } from "./env.ts";
import { type HandlerRun, runHandler } from "./handler.ts";
import type { PipelineDeps, PipelineLogger } from "./pipeline.ts";

export interface InvokeOptions {
  config: HomeostatConfig;
  /** The CLI's cluster client (its --kubeconfig/--context/--cluster); else as the config says. */
  kube?: Kube;
  dryRun?: boolean;
  /** Where log lines go (default: stderr, one indented JSON object each). */
  log?: PipelineLogger;
  /** The environment the runtime reads (default `process.env`: the embedded store unless HOMEOSTAT_STATE_TABLE). */
  env?: Env;
  /** Each audit record as the record stage writes it (the CLI prints what Slack would have been told). */
  onRecord?: (record: AuditRecord) => void;
}

/** Log lines on stderr, so stdout carries only the handler's result. */
export function stderrLogger(
  write: (text: string) => void = (text) => process.stderr.write(text),
): PipelineLogger {
  const line =
    (level: string) =>
    (message: string, extra?: Record<string, unknown>): void =>
      write(
        `${JSON.stringify({ level, message, timestamp: new Date().toISOString(), ...extra }, null, 2)}\n`,
      );
  return { info: line("INFO"), warn: line("WARN"), error: line("ERROR") };
}

/** Runs the handler of `kind` once on `event` with local dependencies. */
export async function invokeHandler(
  kind: HandlerName,
  event: unknown,
  options: InvokeOptions,
): Promise<HandlerRun> {
  const { kube } = options;
  const deps = await buildDeps({
    ...(options.env ? { env: options.env } : {}),
    deps: {
      config: options.config,
      log: options.log ?? stderrLogger(),
      ...(kube ? { connect: async () => kube } : {}),
      ...(options.dryRun ? { dryRun: true } : {}),
    },
  });
  try {
    return await runHandler(kind, event, options.onRecord ? withRecordSink(deps, options.onRecord) : deps);
  } finally {
    await deps.store.close?.();
  }
}

/**
 * `deps` with one more record sink, after the usual ones: each audit record as the record stage writes
 * it, for a local run to show (`invoke` prints it, `homeostat dev` puts it on its timeline).
 */
export function withRecordSink(deps: PipelineDeps, onRecord: (record: AuditRecord) => void): PipelineDeps {
  const sinks = deps.sinks ?? [auditLogSink(deps.store)];
  return { ...deps, sinks: [...sinks, { name: "local", write: async (record) => onRecord(record) }] };
}

/** Whether a run failed: a failed action, a record or cluster that could not be handled, or a delivery asked for again. */
export function runFailed(run: HandlerRun): boolean {
  if (run.delivery.kind === "retry") return true;
  if (run.delivery.kind === "batch" && run.delivery.batchItemFailures.length > 0) return true;
  if (run.kind === "notify")
    return run.result.items.some((item) => item.error !== undefined && item.outcome !== "ignored");
  const triggers =
    run.kind === "rollout-guard"
      ? run.result.triggers
      : run.result.records.flatMap((record) => record.triggers);
  if (run.kind === "rollout-guard" && run.result.clusters.some((cluster) => cluster.error)) return true;
  if (run.kind === "events" && run.result.records.some((record) => record.error)) return true;
  return triggers.some((trigger) => trigger.ran.some((action) => !action.ok));
}
