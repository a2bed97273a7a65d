import { type Connection, type GlobalOptions, UsageError, type VerbCommand } from "../command/index.ts";
import type { Target } from "../domain/target.ts";
import type { VerbResult } from "../domain/verb.ts";
import { verbRequest } from "../domain/verbs/index.ts";
import { type Kube, kubeFromDefaultKubeconfig, kubeFromKubeconfigFile } from "../kube/client.ts";
import { runVerb } from "../kube/verbs.ts";
import type { CliIo } from "./run.ts";

/**
 * A Kube handle for the connection the command line asked for. A kubeconfig is read by client-node
 * alone; the AWS SDK (EKS access, the region) is loaded only for --cluster.
 */
export async function connect(connection: Connection): Promise<Kube> {
  if (connection.kind === "eks") {
    const [{ kubeForEksCluster }, { resolveRegion }] = await Promise.all([
      import("../kube/access.ts"),
      import("./region.ts"),
    ]);
    return await kubeForEksCluster({
      clusterName: connection.clusterName,
      region: await resolveRegion(connection.region),
    });
  }
  try {
    return connection.path
      ? kubeFromKubeconfigFile(connection.path, connection.context)
      : kubeFromDefaultKubeconfig(connection.context);
  } catch (error) {
    throw new UsageError(
      `could not use the kubeconfig${connection.path ? ` ${connection.path}` : ""}: ${
        error instanceof Error ? error.message : String(error)
      }; pass --kubeconfig PATH [--context NAME] or --cluster NAME --region R`,
    );
  }
}

/** What the command acts on, as the verb registry reads it (a failure's result names it too). */
export function commandTarget(command: VerbCommand): Target {
  return verbRequest(command).target;
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
