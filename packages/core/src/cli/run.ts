import { EKSClient } from "@aws-sdk/client-eks";
import { KubeConfig } from "@kubernetes/client-node";
import { kubeForEksCluster } from "../kube/access.ts";
import { type Kube, kubeFromConfig, kubeFromKubeconfigFile } from "../kube/client.ts";
import { cordon, uncordon } from "../kube/cordon.ts";
import { drain } from "../kube/drain.ts";
import { execCredential, mintEksToken } from "../kube/eks-token.ts";
import { KubeVerbError } from "../kube/errors.ts";
import { history } from "../kube/history.ts";
import { restart } from "../kube/restart.ts";
import { rollback } from "../kube/rollback.ts";
import { scale } from "../kube/scale.ts";
import { status } from "../kube/status.ts";
import type { Target, Verb, VerbResult } from "../kube/types.ts";
import {
  type Command,
  type Connection,
  type GlobalOptions,
  parseCommandLine,
  shortUsage,
  UsageError,
  usageText,
} from "./grammar.ts";
import { type CliResult, errorResult, formatJson, formatText } from "./output.ts";

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Aborts long waits (drain) on Ctrl-C. */
  signal?: AbortSignal;
}

export const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

async function resolveRegion(region: string | undefined): Promise<string> {
  if (region) return region;
  try {
    const resolved = await new EKSClient({}).config.region();
    if (resolved) return resolved;
  } catch {
    // fall through to the usage error
  }
  throw new UsageError("no AWS region: pass --region (or set AWS_REGION)");
}

/** A Kube handle for the connection the command line asked for. */
export async function connect(connection: Connection): Promise<Kube> {
  if (connection.kind === "eks") {
    return await kubeForEksCluster({
      clusterName: connection.clusterName,
      region: await resolveRegion(connection.region),
    });
  }
  try {
    if (connection.path) return kubeFromKubeconfigFile(connection.path, connection.context);
    const config = new KubeConfig();
    config.loadFromDefault();
    if (connection.context) config.setCurrentContext(connection.context);
    return kubeFromConfig(config);
  } catch (error) {
    throw new UsageError(
      `could not use the kubeconfig${connection.path ? ` ${connection.path}` : ""}: ${
        error instanceof Error ? error.message : String(error)
      }; pass --kubeconfig PATH [--context NAME] or --cluster NAME --region R`,
    );
  }
}

function commandTarget(command: Command): Target | undefined {
  switch (command.verb) {
    case "cordon":
    case "uncordon":
    case "drain":
      return { kind: "Node", name: command.node };
    case "eks-token":
      return undefined;
    default:
      return command.target;
  }
}

/** Runs one parsed command against the cluster. */
export async function runCommand(
  kube: Kube,
  command: Command,
  globals: GlobalOptions,
  io: CliIo,
): Promise<VerbResult> {
  const opts = { dryRun: globals.dryRun, ...(io.signal ? { signal: io.signal } : {}) };
  switch (command.verb) {
    case "scale":
      return await scale(
        kube,
        command.target,
        {
          change: command.change,
          min: command.min,
          max: command.max,
          currentReplicas: command.currentReplicas,
        },
        opts,
      );
    case "restart":
      return await restart(kube, command.target, {}, opts);
    case "rollback":
      return await rollback(kube, command.target, { toRevision: command.toRevision }, opts);
    case "cordon":
      return await cordon(kube, command.node, opts);
    case "uncordon":
      return await uncordon(kube, command.node, opts);
    case "drain":
      return await drain(kube, command.node, {
        ...opts,
        deleteEmptyDirData: command.deleteEmptyDirData,
        force: command.force,
        ignoreDaemonSets: command.ignoreDaemonSets,
        ...(command.timeoutMs === undefined ? {} : { timeoutMs: command.timeoutMs }),
        ...(command.gracePeriodSeconds === undefined
          ? {}
          : { gracePeriodSeconds: command.gracePeriodSeconds }),
        ...(command.skipWaitForDeleteTimeoutSeconds === undefined
          ? {}
          : { skipWaitForDeleteTimeoutSeconds: command.skipWaitForDeleteTimeoutSeconds }),
        ...(globals.output === "text" ? { onProgress: (line: string) => io.stderr(`${line}\n`) } : {}),
      });
    case "status":
      return await status(kube, command.target);
    case "history":
      return await history(kube, command.target);
    case "eks-token":
      throw new UsageError("eks token does not act on a cluster", "eks-token");
  }
}

async function printEksToken(command: Extract<Command, { verb: "eks-token" }>, io: CliIo): Promise<number> {
  const region = await resolveRegion(command.region);
  // the default provider chain, as `aws eks get-token`: env, profile, SSO, container and instance roles
  const credentials = new EKSClient({ region }).config.credentials;
  const token = await mintEksToken({ clusterName: command.clusterName, region, credentials });
  io.stdout(`${JSON.stringify(execCredential(token))}\n`);
  return 0;
}

/**
 * The whole CLI: parse, connect, run, print. Returns the exit code:
 * 0 done or nothing to do; 1 the action failed; 2 bad usage or input (nothing changed).
 */
export async function runCli(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  const startedAt = performance.now();
  const wantsJson = argv.some(
    (arg, i) =>
      arg === "--output=json" ||
      (arg === "--output" && argv[i + 1] === "json") ||
      arg === "-o=json" ||
      (arg === "-o" && argv[i + 1] === "json"),
  );
  let verb: Verb | undefined;
  let target: Target | undefined;
  let dryRun = argv.includes("--dry-run");
  let output: "text" | "json" = wantsJson ? "json" : "text";
  try {
    const invocation = parseCommandLine(argv);
    output = invocation.globals.output;
    dryRun = invocation.globals.dryRun;
    if (invocation.kind === "help") {
      io.stdout(`${usageText(invocation.topic)}\n`);
      return 0;
    }
    const { command, globals } = invocation;
    if (command.verb === "eks-token") return await printEksToken(command, io);
    verb = command.verb;
    target = commandTarget(command);
    const kube = await connect(globals.connection);
    const result = await runCommand(kube, command, globals, io);
    io.stdout(output === "json" ? formatJson(result) : formatText(result as CliResult));
    return result.ok ? 0 : 1;
  } catch (error) {
    const result = errorResult(error, {
      ...(verb ? { verb } : {}),
      ...(target ? { target } : {}),
      dryRun,
      durationMs: Math.round(performance.now() - startedAt),
    });
    if (output === "json") {
      io.stdout(formatJson(result));
    } else {
      io.stderr(formatText(result));
      if (error instanceof UsageError) io.stderr(`${shortUsage(error.topic)}\n`);
    }
    return error instanceof KubeVerbError ? error.exitCode : 1;
  }
}
