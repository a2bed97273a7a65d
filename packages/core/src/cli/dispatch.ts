import { type Connection, type GlobalOptions, UsageError, type VerbCommand } from "../command/index.ts";
import type { VerbResult } from "../domain/verb.ts";
import { verbRequest } from "../domain/verbs/index.ts";
import { kubeForCluster, kubeForEksCluster } from "../kube/access.ts";
import type { Kube } from "../kube/client.ts";
import { runVerb } from "../kube/verbs.ts";
import { resolveRegion } from "./region.ts";
import type { CliIo } from "./run.ts";

/** A Kube handle for the connection the command line asked for. */
export async function connect(connection: Connection): Promise<Kube> {
  if (connection.kind === "eks") {
    return await kubeForEksCluster({
      clusterName: connection.clusterName,
      region: await resolveRegion(connection.region),
    });
  }
  try {
    return await kubeForCluster({
      kubeconfig: {
        ...(connection.path ? { path: connection.path } : {}),
        ...(connection.context ? { context: connection.context } : {}),
      },
    });
  } catch (error) {
    throw new UsageError(
      `could not use the kubeconfig${connection.path ? ` ${connection.path}` : ""}: ${
        error instanceof Error ? error.message : String(error)
      }; pass --kubeconfig PATH [--context NAME] or --cluster NAME --region R`,
    );
  }
}

/** Runs one parsed command against the cluster, through the verb registry. */
export async function runCommand(
  kube: Kube,
  command: VerbCommand,
  globals: GlobalOptions,
  io: CliIo,
): Promise<VerbResult> {
  const { verb, target, params } = verbRequest(command);
  return await runVerb(kube, verb, target, params, {
    dryRun: globals.dryRun,
    ...(io.signal ? { signal: io.signal } : {}),
    // progress (drain's) goes to stderr in both modes: stdout carries only the result
    onProgress: (line: string) => io.stderr(`${line}\n`),
  });
}
