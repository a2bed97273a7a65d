import { type Connection, type GlobalOptions, UsageError, type VerbCommand } from "../command/index.ts";
import type { VerbResult } from "../domain/verb.ts";
import { kubeForCluster, kubeForEksCluster } from "../kube/access.ts";
import type { Kube } from "../kube/client.ts";
import { cordon, uncordon } from "../kube/cordon.ts";
import { drain } from "../kube/drain.ts";
import { history } from "../kube/history.ts";
import { restart } from "../kube/restart.ts";
import { rollback } from "../kube/rollback.ts";
import { scale } from "../kube/scale.ts";
import { status } from "../kube/status.ts";
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

/** Runs one parsed command against the cluster. */
export async function runCommand(
  kube: Kube,
  command: VerbCommand,
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
        // progress goes to stderr in both modes: stdout carries only the result
        onProgress: (line: string) => io.stderr(`${line}\n`),
      });
    case "status":
      return await status(kube, command.target);
    case "history":
      return await history(kube, command.target);
  }
}
