// `homeostat dev`: starts the dev session (../dev), prints where it listens and what it serves, then
// the timeline, until Ctrl-C (SIGINT) or SIGTERM; stops cleanly and says so.
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import type { GlobalOptions, LocalCommand } from "../command/index.ts";
import { UsageError } from "../command/index.ts";
import { startDev } from "../dev/session.ts";
import { rolloutNamespaces } from "../policy/rollout-namespaces.ts";
import { RuntimeConfigError } from "../runtime/env.ts";
import { connect } from "./dispatch.ts";
import { readConfig } from "./local.ts";
import type { CliIo } from "./run.ts";

/** Which kubeconfig the command line names, for the header: what a person passes to kubectl too. */
function kubeconfigLine(connection: GlobalOptions["connection"]): string | undefined {
  if (connection.kind !== "kubeconfig") return undefined;
  if (connection.path === undefined && connection.context === undefined) return undefined;
  const path = resolve(
    connection.path ?? process.env.KUBECONFIG?.split(":")[0] ?? join(homedir(), ".kube", "config"),
  );
  return `${path}${connection.context ? ` (context ${connection.context})` : ""}`;
}

/** Resolves on Ctrl-C (the CLI's abort signal) or SIGTERM. */
function untilStopped(signal: AbortSignal | undefined): { stopped: Promise<string>; dispose(): void } {
  let onTerm: (() => void) | undefined;
  let onAbort: (() => void) | undefined;
  const stopped = new Promise<string>((resolvePromise) => {
    onTerm = () => resolvePromise("SIGTERM");
    onAbort = () => resolvePromise("Ctrl-C");
    process.once("SIGTERM", onTerm);
    if (signal?.aborted) resolvePromise("Ctrl-C");
    signal?.addEventListener("abort", onAbort, { once: true });
  });
  return {
    stopped,
    dispose: () => {
      if (onTerm) process.off("SIGTERM", onTerm);
      if (onAbort) signal?.removeEventListener("abort", onAbort);
    },
  };
}

export async function runDev(
  command: Extract<LocalCommand, { verb: "dev" }>,
  globals: GlobalOptions,
  io: CliIo,
): Promise<number> {
  if (globals.output === "json") {
    throw new UsageError("dev prints a timeline for people; it has no --output json", "dev");
  }
  const stop = untilStopped(io.signal);
  try {
    const configFile = command.configFile ?? process.env.HOMEOSTAT_CONFIG;
    const config = await readConfig(configFile, "dev");
    const explicit = kubeconfigLine(globals.connection) !== undefined || globals.connection.kind === "eks";
    const kube = explicit ? await connect(globals.connection) : undefined;
    const print = (text: string) => io.stdout(`${text}\n`);
    const session = await startDev({
      config,
      ...(kube ? { kube } : {}),
      dryRun: globals.dryRun,
      port: command.port,
      rolloutIntervalMs: command.rolloutIntervalMs,
      print,
    }).catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code === "EADDRINUSE") {
        throw new UsageError(
          `port ${command.port} on 127.0.0.1 is in use (another homeostat dev?); pass --port N, or --port 0 for any free one`,
          "dev",
        );
      }
      // a config that does not fit the command line is the caller's input: exit 2
      if (error instanceof RuntimeConfigError) throw new UsageError(error.message, "dev");
      throw error;
    });

    const connection = globals.connection;
    const where =
      connection.kind === "eks"
        ? `EKS cluster ${connection.clusterName}${connection.region ? ` in ${connection.region}` : ""}`
        : (kubeconfigLine(connection) ?? "each cluster as the config names it");
    const guarded = session.clusters.flatMap((cluster) =>
      rolloutNamespaces(config, cluster).map((namespace) => `${cluster}:${namespace}`),
    );
    const schedules = session.schedules.upcoming();
    const lines = [
      "homeostat dev: Homeostat running on this machine; Ctrl-C stops it",
      `  events        POST ${session.url}/events   e.g. homeostat events sample spot-interruption > spot.json; curl --data @spot.json ${session.url}/events`,
      `  kubeconfig    ${where}`,
      `  config        ${resolve(configFile ?? "homeostat.config.ts")}`,
      `  clusters      ${session.clusters.join(", ")}`,
      `  state         ${session.statePath}`,
      `  rollout guard every ${command.rolloutIntervalMs / 1000}s over ${guarded.length > 0 ? guarded.join(", ") : "no namespaces (no rolloutStalled policy)"}`,
      `  schedules     ${schedules.length === 0 ? "none" : `${schedules.length}; POST ${session.url}/schedules/<name> fires one now`}`,
      ...schedules.map(
        ({ definition, next }) =>
          `    ${definition.name}  ${definition.expression} in ${definition.timezone}, next ${next ? next.toISOString() : "never"}`,
      ),
      `  writes        ${globals.dryRun ? "dry run: every write is a server-side dry run (dryRun=All)" : "for real (--dry-run makes every write a dry run)"}`,
      session.slack.served
        ? `  slack         POST ${session.url}/slack   the Slack app's slash command and interactivity URL (through a tunnel to this port)`
        : `  slack         not served: ${session.slack.reason.replace(/^Slack is not served: /, "")}`,
      "timeline:",
    ];
    print(lines.join("\n"));

    const how = await stop.stopped;
    print(`${how}: stopping (waiting for the handlers under way; Ctrl-C again quits at once)`);
    await session.stop();
    print("homeostat dev stopped");
    return 0;
  } finally {
    stop.dispose();
  }
}
