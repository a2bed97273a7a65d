import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import type { z } from "zod";
import type { GlobalOptions, LocalCommand } from "../command/index.ts";
import { UsageError } from "../command/index.ts";
import { ConfigError, loadConfig } from "../config/load.ts";
import type { ClusterConfig, HomeostatConfig } from "../config/schema.ts";
import { describeTarget } from "../domain/target.ts";
import { normalizeBatch } from "../events/normalize.ts";
import { isSampleKind, sampleEvent, sampleKinds } from "../events/samples.ts";
import type { Trigger } from "../events/trigger.ts";
import type { GuardedPlan } from "../guard/types.ts";
import { kubeForCluster } from "../kube/access.ts";
import type { Kube } from "../kube/client.ts";
import { couldAct } from "../runtime/facts.ts";
import { invokeHandler, runFailed } from "../runtime/invoke.ts";
import { planTrigger } from "../runtime/pipeline.ts";
import { renderResultText } from "../slack/text.ts";
import type { AuditRecord } from "../state/audit-log.ts";
import { SqliteStateStore } from "../state/sqlite.ts";
import { connect } from "./dispatch.ts";
import type { CliIo } from "./run.ts";
import type { ClusterPlanShape, PlanShape } from "./shapes.ts";

const DEFAULT_CONFIG = "homeostat.config.ts";

/** `plan`, `invoke`, `events sample`, `dev` (eks token is printed by run.ts). Returns the exit code. */
export async function runLocalCommand(
  command: LocalCommand,
  globals: GlobalOptions,
  io: CliIo,
): Promise<number> {
  switch (command.verb) {
    case "events-sample":
      return printSample(command.kind, globals, io);
    case "plan":
      return await plan(command, globals, io);
    case "invoke":
      return await invoke(command, globals, io);
    case "dev": {
      const { runDev } = await import("./dev.ts");
      return await runDev(command, globals, io);
    }
    case "slack-manifest":
      return await printSlackManifest(command.url, io);
    case "eks-token":
      throw new UsageError("eks token is handled by the CLI itself", "eks-token");
  }
}

// ------------------------------------------------------------------------------------ slack manifest

async function printSlackManifest(url: string, io: CliIo): Promise<number> {
  const { ManifestError, slackAppManifest } = await import("../slack/commands/manifest.ts");
  try {
    io.stdout(`${JSON.stringify(slackAppManifest({ url }), null, 2)}\n`);
    return 0;
  } catch (error) {
    throw error instanceof ManifestError ? new UsageError(error.message, "slack-manifest") : error;
  }
}

// ------------------------------------------------------------------------------------- events sample

function printSample(kind: string | undefined, globals: GlobalOptions, io: CliIo): number {
  if (kind === undefined) {
    io.stdout(globals.output === "json" ? `${JSON.stringify(sampleKinds)}\n` : `${sampleKinds.join("\n")}\n`);
    return 0;
  }
  if (!isSampleKind(kind)) {
    throw new UsageError(`no sample event '${kind}'; kinds: ${sampleKinds.join(", ")}`, "events-sample");
  }
  io.stdout(`${JSON.stringify(sampleEvent(kind), null, 2)}\n`);
  return 0;
}

// ---------------------------------------------------------------------------------------------- plan

async function readEvent(file: string, command: "plan" | "invoke"): Promise<unknown> {
  let text: string;
  try {
    text = file === "-" ? await readStdin() : await readFile(file, "utf8");
  } catch (error) {
    throw new UsageError(`cannot read the event file ${file}: ${(error as Error).message}`, command);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`the event in ${file} is not JSON: ${(error as Error).message}`, command);
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export async function readConfig(
  file: string | undefined,
  command: "plan" | "invoke" | "dev",
): Promise<HomeostatConfig> {
  const path = resolve(file ?? DEFAULT_CONFIG);
  try {
    return await loadConfig(path);
  } catch (error) {
    if (error instanceof ConfigError) {
      const hint = file ? "" : " (the default: homeostat.config.ts in the working directory)";
      throw new UsageError(`${error.message}${error.code === "not-found" ? hint : ""}`, command);
    }
    throw error;
  }
}

/**
 * How `plan` reaches a configured cluster: the command line's --kubeconfig/--context/--cluster when
 * given (point a plan at a test cluster), else the way the config names the cluster.
 */
function clusterConnector(
  config: HomeostatConfig,
  globals: GlobalOptions,
): (cluster: string) => Promise<Kube> {
  const { connection } = globals;
  const explicit =
    connection.kind === "eks" || connection.path !== undefined || connection.context !== undefined;
  const cache = new Map<string, Promise<Kube>>();
  return (cluster) => {
    const cached = cache.get(cluster);
    if (cached) return cached;
    const clusterConfig: ClusterConfig | undefined = config.clusters[cluster];
    const made = explicit || !clusterConfig ? connect(connection) : kubeForCluster(clusterConfig);
    cache.set(cluster, made);
    return made;
  };
}

/** One trigger on one cluster, as `plan` prints it (its shape: ./shapes.ts). */
type ClusterPlanJson = z.output<typeof ClusterPlanShape>;

function planJson(
  trigger: Trigger,
  cluster: string,
  guarded: GuardedPlan,
  config: HomeostatConfig,
): ClusterPlanJson {
  const own = (policy: string) =>
    config.policies.find((candidate) => candidate.name === policy)?.cluster === cluster;
  return {
    trigger,
    cluster,
    actions: guarded.run.map((action) => ({
      policy: action.policy,
      verb: action.verb,
      target: action.target,
      params: action.params,
      reason: action.reason,
      dryRun: action.dryRun,
      notes: action.notes,
    })),
    // a policy of another cluster is not this cluster's business: it is listed under its own cluster
    skipped: guarded.skipped
      .filter((skip) => own(skip.policy))
      .map(({ policy, reason, stage }) => ({ policy, reason, stage })),
  };
}

function planText(plan: ClusterPlanJson): string {
  const lines = [`cluster ${plan.cluster}:`];
  if (plan.actions.length === 0) lines.push("  nothing to do");
  for (const action of plan.actions) {
    const target = describeTarget(action.target as Parameters<typeof describeTarget>[0]);
    lines.push(
      `  would run ${action.verb} ${target}${action.dryRun ? " (dry run)" : ""}  [policy ${action.policy}]`,
    );
    lines.push(`    why: ${action.reason}`);
    for (const note of action.notes) lines.push(`    note: ${note}`);
  }
  for (const skip of plan.skipped) lines.push(`  skipped ${skip.policy}: ${skip.reason}`);
  return lines.join("\n");
}

function triggerLine(trigger: Trigger): string {
  return `trigger ${trigger.kind} ${trigger.id} from ${trigger.origin} at ${trigger.time}`;
}

async function plan(
  command: Extract<LocalCommand, { verb: "plan" }>,
  globals: GlobalOptions,
  io: CliIo,
): Promise<number> {
  const [config, input] = await Promise.all([
    readConfig(command.configFile, "plan"),
    readEvent(command.eventFile, "plan"),
  ]);
  const now = new Date();
  const triggers: Trigger[] = [];
  const rejections: string[] = [];
  for (const { index, messageId, result } of normalizeBatch(input, { now })) {
    if (result.ok) triggers.push(...result.triggers);
    else rejections.push(`record ${messageId ?? index}: ${result.error.kind}: ${result.error.reason}`);
  }
  if (triggers.length === 0) {
    throw new UsageError(`the event is not one Homeostat acts on — ${rejections.join("; ")}`, "plan");
  }
  // A throwaway store: the guard's rails (bounds, budgets, freezes, approvals) apply, nothing is kept.
  const store = new SqliteStateStore({ path: ":memory:" });
  const connectCluster = clusterConnector(config, globals);
  const plans: ClusterPlanJson[] = [];
  try {
    for (const trigger of triggers) {
      // the clusters with a policy that could act on this trigger; else the default, to say why not
      const acting = Object.keys(config.clusters).filter((cluster) => couldAct(trigger, config, cluster));
      for (const cluster of acting.length > 0 ? acting : [config.defaultCluster]) {
        const { guarded } = await planTrigger(trigger, cluster, {
          config,
          store,
          connect: connectCluster,
          offline: command.offline,
          now: () => now,
          ...(globals.dryRun ? { dryRun: true } : {}),
        });
        plans.push(planJson(trigger, cluster, guarded, config));
      }
    }
  } finally {
    await store.close?.();
  }

  if (globals.output === "json") {
    // always the list, however many triggers and clusters: one shape for scripts to read
    const output: z.input<typeof PlanShape> = { plans, rejected: rejections };
    io.stdout(`${JSON.stringify(output)}\n`);
  } else {
    const byTrigger = new Map<Trigger, ClusterPlanJson[]>();
    for (const entry of plans) byTrigger.set(entry.trigger, [...(byTrigger.get(entry.trigger) ?? []), entry]);
    const blocks = [...byTrigger].map(([trigger, list]) =>
      [triggerLine(trigger), ...list.map(planText)].join("\n"),
    );
    if (rejections.length > 0) blocks.push(`rejected: ${rejections.join("\n  ")}`);
    if (command.offline)
      blocks.push("(offline: decided without reading the cluster — nodes and workloads unknown)");
    io.stdout(`${blocks.join("\n\n")}\n`);
  }
  return 0;
}

// -------------------------------------------------------------------------------------------- invoke

async function invoke(
  command: Extract<LocalCommand, { verb: "invoke" }>,
  globals: GlobalOptions,
  io: CliIo,
): Promise<number> {
  const [config, event] = await Promise.all([
    readConfig(command.configFile ?? process.env.HOMEOSTAT_CONFIG, "invoke"),
    command.eventFile ? readEvent(command.eventFile, "invoke") : {},
  ]);
  const { connection } = globals;
  const explicit =
    connection.kind === "eks" || connection.path !== undefined || connection.context !== undefined;
  const kube = explicit ? await connect(connection) : undefined;
  // the handler's log lines go to stderr, so stdout carries only the result
  const records: AuditRecord[] = [];
  const run = await invokeHandler(command.handler, event, {
    config,
    ...(kube ? { kube } : {}),
    ...(globals.dryRun ? { dryRun: true } : {}),
    onRecord: (record) => records.push(record),
  });
  // what the notify function would post for each result, on stderr beside the logs
  for (const record of records) io.stderr(`would post to Slack:\n${renderResultText(record)}\n`);
  const result =
    run.delivery.kind === "batch"
      ? { ...run.result, batchItemFailures: run.delivery.batchItemFailures }
      : run.result;
  io.stdout(`${JSON.stringify(result, null, globals.output === "json" ? undefined : 2)}\n`);
  if (run.delivery.kind === "retry")
    io.stderr(`in Lambda this event would be delivered again: ${run.delivery.reason}\n`);
  return runFailed(run) ? 1 : 0;
}
