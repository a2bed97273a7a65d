// A slash command's text read with the CLI's grammar (command/), plus what Slack does not take: local
// files and credentials (--kubeconfig, --context, --region) and the CLI's --output. `--cluster NAME`
// names a cluster of homeostat.config.ts. Pure, and never throws: the endpoint answers every reading.
import {
  type CommandName,
  isLocalCommand,
  parseCommandText,
  USAGE,
  UsageError,
  type VerbCommand,
} from "../../command/index.ts";
import type { HomeostatConfig } from "../../config/schema.ts";
import { isMutatingVerb } from "../../domain/verbs/index.ts";

export type SlackReading =
  | { kind: "help"; text: string }
  | { kind: "refused"; text: string }
  | { kind: "command"; command: VerbCommand; cluster: string; dryRun: boolean; mutating: boolean };

const SLACK_COMMANDS: readonly CommandName[] = [
  "scale",
  "restart",
  "rollback",
  "cordon",
  "uncordon",
  "drain",
  "status",
  "history",
];

/** The CLI's usage, as typed in Slack. */
export function slackUsage(topic?: CommandName): string {
  const asTyped = (text: string) => text.replace(/homeostat /g, "/homeostat ");
  if (topic && SLACK_COMMANDS.includes(topic)) return asTyped(`usage: ${USAGE[topic]}`);
  const lines = SLACK_COMMANDS.map((name) => `  ${USAGE[name].split("\n")[0]?.replace(/^homeostat /, "")}`);
  return [
    "usage: /homeostat <command> [arguments] [--cluster NAME] [--dry-run]",
    "",
    "commands:",
    ...lines,
    "",
    "  --cluster NAME   a cluster of homeostat.config.ts (default: its defaultCluster)",
    "  --dry-run        server-side dry run: checked by the API server, nothing changes",
    "/homeostat help <command> for one command's options",
  ].join("\n");
}

function usageFor(topic: CommandName | undefined): string {
  return topic && SLACK_COMMANDS.includes(topic) ? asShort(topic) : "/homeostat help lists the commands";
}

function asShort(topic: CommandName): string {
  return `usage: /homeostat ${USAGE[topic].split("\n")[0]?.replace(/^homeostat /, "")}`;
}

/** Reads `text` as Slack's /homeostat: a command to run on a cluster, a help, or a refusal saying the fix. */
export function readSlackText(
  text: string,
  config: Pick<HomeostatConfig, "clusters" | "defaultCluster">,
): SlackReading {
  const refused = (message: string, topic?: CommandName): SlackReading => ({
    kind: "refused",
    text: `${message}\n${usageFor(topic)}`,
  });
  let parsed: ReturnType<typeof parseCommandText>;
  try {
    // blank (ASCII blanks only: any other space is refused as not ASCII) is a request for help
    parsed = parseCommandText(/^[ \t]*$/.test(text) ? "help" : text);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    // the grammar's hints name the CLI's --help; in Slack that is /homeostat help
    const message = error.message.replace(
      /run homeostat (\S+ )?--help/g,
      (_all, name?: string) => `see /homeostat help${name ? ` ${name.trim()}` : ""}`,
    );
    return refused(message, error.topic);
  }
  if (parsed.kind === "help") return { kind: "help", text: slackUsage(parsed.topic) };
  const { command, globals } = parsed;
  // parseCommandText refuses them already; this narrows the type
  if (isLocalCommand(command)) return refused(`${command.verb} works only in the homeostat CLI`);
  const topic = command.verb;
  if (globals.connection.kind === "kubeconfig" && (globals.connection.path || globals.connection.context)) {
    return refused(
      "Slack commands take --cluster NAME (a cluster of homeostat.config.ts), not --kubeconfig or --context",
      topic,
    );
  }
  if (globals.output !== "text") return refused("--output is for the CLI; Slack answers in text", topic);
  let cluster = config.defaultCluster;
  if (globals.connection.kind === "eks") {
    if (globals.connection.region) {
      return refused(
        "--region is for the CLI; in Slack, --cluster names a cluster of homeostat.config.ts",
        topic,
      );
    }
    cluster = globals.connection.clusterName;
    if (!Object.hasOwn(config.clusters, cluster)) {
      return refused(
        `no cluster '${cluster}' in homeostat.config.ts; clusters: ${Object.keys(config.clusters).join(", ")}`,
        topic,
      );
    }
  }
  return {
    kind: "command",
    command,
    cluster,
    dryRun: globals.dryRun,
    mutating: isMutatingVerb(command.verb),
  };
}
