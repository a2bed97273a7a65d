import { Console } from "node:console";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { GlobalOptions, LocalCommand } from "../command/index.ts";
import { UsageError } from "../command/index.ts";
import { ConfigError, loadConfig } from "../config/load.ts";
import type { ClusterConfig, HomeostatConfig } from "../config/schema.ts";
import { describeTarget } from "../domain/target.ts";
import { normalizeBatch } from "../events/normalize.ts";
import { isSampleKind, sampleEvent, sampleKinds } from "../events/samples.ts";
import type { Trigger } from "../events/trigger.ts";
import type { GuardedPlan } from "../guard/guard.ts";
import { kubeForCluster } from "../kube/access.ts";
import type { Kube } from "../kube/client.ts";
import { candidateActions } from "../pipeline/facts.ts";
import { planTrigger } from "../pipeline/run.ts";
import { SqliteStateStore } from "../state/sqlite.ts";
import { connect } from "./dispatch.ts";
import type { CliIo } from "./run.ts";

const DEFAULT_CONFIG = "homeostat.config.ts";

/** `plan`, `invoke`, `events sample` (eks token is printed by run.ts). Returns the exit code. */
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
    case "eks-token":
      throw new UsageError("eks token is handled by the CLI itself", "eks-token");
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

async function readConfig(file: string | undefined, command: "plan" | "invoke"): Promise<HomeostatConfig> {
  const path = resolve(file ?? DEFAULT_CONFIG);
  try {
    return await loadConfig(path);
  } catch (error) {
    if (error instanceof ConfigError) {
      const hint = file ? "" : ` (the default; pass --config FILE for another)`;
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

interface ClusterPlanJson {
  trigger: Trigger;
  cluster: string;
  actions: Array<{
    policy: string;
    verb: string;
    target: unknown;
    params: unknown;
    reason: string;
    dryRun: boolean;
    notes: string[];
  }>;
  skipped: Array<{ policy: string; reason: string; stage: string }>;
}

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
      const acting = Object.keys(config.clusters).filter(
        (cluster) => candidateActions(trigger, config, cluster).length > 0,
      );
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
    const [only] = plans;
    io.stdout(`${JSON.stringify(plans.length === 1 && only ? only : { plans, rejected: rejections })}\n`);
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

/** The repository the CLI runs in: the nearest folder upward with functions/<handler>.ts. */
function findHandlerModule(handler: string): string {
  let dir = process.cwd();
  for (;;) {
    const candidate = join(dir, "functions", `${handler}.ts`);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) {
      throw new UsageError(
        `cannot find functions/${handler}.ts from ${process.cwd()}; run homeostat invoke inside the Homeostat repository`,
        "invoke",
      );
    }
    dir = parent;
  }
}

interface LocalInvokable {
  /** Runs the handler's core on `event` with the given deps overrides; see functions/runtime.ts. */
  invokeLocally(
    event: unknown,
    options: { kube?: Kube; configFile?: string; dryRun?: boolean },
  ): Promise<unknown>;
}

async function invoke(
  command: Extract<LocalCommand, { verb: "invoke" }>,
  globals: GlobalOptions,
  io: CliIo,
): Promise<number> {
  const modulePath = findHandlerModule(command.handler);
  const event = command.eventFile ? await readEvent(command.eventFile, "invoke") : {};
  const { connection } = globals;
  const explicit =
    connection.kind === "eks" || connection.path !== undefined || connection.context !== undefined;
  const kube = explicit ? await connect(connection) : undefined;
  // The handler's Powertools logs and metrics are for the person watching: in dev mode Powertools writes
  // them through the global console, which goes to stderr here, so stdout carries only the result.
  process.env.POWERTOOLS_DEV = "true";
  const stdoutConsole = globalThis.console;
  globalThis.console = new Console({ stdout: process.stderr, stderr: process.stderr });
  let result: unknown;
  try {
    const module = (await import(pathToFileURL(modulePath).href)) as Partial<LocalInvokable>;
    if (typeof module.invokeLocally !== "function") {
      throw new UsageError(`${modulePath} does not export invokeLocally(event, options)`, "invoke");
    }
    result = await module.invokeLocally(event, {
      ...(kube ? { kube } : {}),
      ...(command.configFile ? { configFile: resolve(command.configFile) } : {}),
      ...(globals.dryRun ? { dryRun: true } : {}),
    });
  } finally {
    globalThis.console = stdoutConsole;
  }
  io.stdout(`${JSON.stringify(result, null, globals.output === "json" ? undefined : 2)}\n`);
  return handlerFailed(result) ? 1 : 0;
}

/** Exit 1 when the handler reported a failed action or asked for a redelivery, as Lambda would retry. */
function handlerFailed(result: unknown): boolean {
  const shape = result as {
    batchItemFailures?: unknown[];
    records?: Array<{ retry?: boolean; triggers?: Array<{ ran?: Array<{ ok?: boolean }> }> }>;
    triggers?: Array<{ ran?: Array<{ ok?: boolean }> }>;
  };
  if ((shape.batchItemFailures?.length ?? 0) > 0) return true;
  const triggers = [
    ...(shape.records ?? []).flatMap((record) => record.triggers ?? []),
    ...(shape.triggers ?? []),
  ];
  return (
    (shape.records ?? []).some((record) => record.retry === true) ||
    triggers.some((trigger) => (trigger.ran ?? []).some((action) => action.ok === false))
  );
}
