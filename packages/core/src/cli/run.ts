// What every run loads: the grammar and its help, nothing more (`--help` needs no zod, no client).
// Each command then imports only its own part: the verbs (./dispatch.ts: client-node), plan and
// invoke (./local.ts: the pipeline), eks token (the AWS SDK).
import {
  type Command,
  type CommandName,
  isLocalCommand,
  parseCommandLine,
  shortUsage,
  UsageError,
  usageText,
} from "../command/index.ts";
import { KubeVerbError } from "../domain/errors.ts";
import type { Target } from "../domain/target.ts";

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

async function printEksToken(command: Extract<Command, { verb: "eks-token" }>, io: CliIo): Promise<number> {
  const [{ EKSClient }, { EksTokenError, execCredential, mintEksToken }, { resolveRegion }] =
    await Promise.all([import("@aws-sdk/client-eks"), import("../kube/eks-token.ts"), import("./region.ts")]);
  const region = await resolveRegion(command.region);
  // the default provider chain, as `aws eks get-token`: env, profile, SSO, container and instance roles
  const credentials = new EKSClient({ region }).config.credentials;
  const token = await mintEksToken({ clusterName: command.clusterName, region, credentials }).catch(
    (error: unknown) => {
      // a bad cluster name or region is the caller's input: exit 2
      throw error instanceof EksTokenError ? new UsageError(error.message, "eks-token") : error;
    },
  );
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
      arg === "-ojson" ||
      (arg === "-o" && argv[i + 1] === "json"),
  );
  let name: CommandName | undefined;
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
    name = command.verb;
    if (command.verb === "eks-token") return await printEksToken(command, io);
    if (isLocalCommand(command)) {
      const { runLocalCommand } = await import("./local.ts");
      return await runLocalCommand(command, globals, io);
    }
    const [{ commandTarget, connect, runCommand }, { formatJson, formatText }] = await Promise.all([
      import("./dispatch.ts"),
      import("./output.ts"),
    ]);
    target = commandTarget(command);
    const kube = await connect(globals.connection);
    const result = await runCommand(kube, command, globals, io);
    io.stdout(output === "json" ? formatJson(result) : formatText(result));
    return result.ok ? 0 : 1;
  } catch (error) {
    const { errorResult, formatJson, formatText } = await import("./output.ts");
    // the command the line named, even when it could not be parsed whole
    const command = name ?? (error instanceof UsageError ? error.topic : undefined);
    const result = errorResult(error, {
      ...(command ? { command } : {}),
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
