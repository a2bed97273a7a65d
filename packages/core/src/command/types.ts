// What the command grammar reads: the commands, the global options and what a parse returns.
import type { HandlerName } from "../domain/handlers.ts";
import type { ScaleChange } from "../domain/scale-change.ts";
import type { Target, WorkloadTarget } from "../domain/target.ts";

export type OutputFormat = "text" | "json";

/** How to reach the cluster. Absent: the default kubeconfig ($KUBECONFIG or ~/.kube/config). */
export type Connection =
  | { kind: "kubeconfig"; path?: string; context?: string }
  | { kind: "eks"; clusterName: string; region?: string };

export interface GlobalOptions {
  dryRun: boolean;
  output: OutputFormat;
  connection: Connection;
}

export type CommandName =
  | "scale"
  | "restart"
  | "rollback"
  | "cordon"
  | "uncordon"
  | "drain"
  | "status"
  | "history"
  | "eks-token"
  | "plan"
  | "invoke"
  | "events-sample"
  | "dev"
  | "slack-manifest";

/** A command that acts on (or reads) a cluster: what Slack and the pipeline run too. */
export type VerbCommand =
  | {
      verb: "scale";
      target: WorkloadTarget;
      change: ScaleChange;
      min?: number;
      max?: number;
      currentReplicas?: number;
    }
  | { verb: "restart"; target: WorkloadTarget }
  | { verb: "rollback"; target: WorkloadTarget; toRevision?: number }
  | { verb: "cordon" | "uncordon"; node: string }
  | {
      verb: "drain";
      node: string;
      timeoutMs?: number;
      gracePeriodSeconds?: number;
      deleteEmptyDirData: boolean;
      force: boolean;
      ignoreDaemonSets: boolean;
      skipWaitForDeleteTimeoutSeconds?: number;
    }
  | { verb: "status"; target: Target }
  | { verb: "history"; target: WorkloadTarget };

/** A command for a person at a terminal: tooling around the verbs, not a verb. */
export type LocalCommand =
  | { verb: "eks-token"; clusterName: string; region?: string }
  | { verb: "plan"; eventFile: string; configFile?: string; offline: boolean }
  | { verb: "invoke"; handler: HandlerName; eventFile?: string; configFile?: string }
  | { verb: "events-sample"; kind?: string }
  | {
      verb: "dev";
      configFile?: string;
      /** The loopback port of the event endpoint (0: any free one). */
      port: number;
      /** How often the rollout guard scans. */
      rolloutIntervalMs: number;
    }
  | { verb: "slack-manifest"; url: string };

export type Command = VerbCommand | LocalCommand;

export type ParsedInvocation =
  | { kind: "command"; command: Command; globals: GlobalOptions }
  | { kind: "help"; topic?: CommandName; globals: GlobalOptions };

/** Commands for a person at a terminal only: they read local files, so Slack does not take them. */
const CLI_ONLY: ReadonlySet<CommandName> = new Set([
  "eks-token",
  "plan",
  "invoke",
  "events-sample",
  "dev",
  "slack-manifest",
]);

export function isLocalCommand(command: Command): command is LocalCommand {
  return CLI_ONLY.has(command.verb);
}
