// The grammar's help: each command's usage with an example, the global options, the overview.
import { HANDLER_NAMES } from "../domain/handlers.ts";
import type { CommandName } from "./types.ts";

const GLOBAL_USAGE = `global options:
  --kubeconfig PATH     kubeconfig file (default: $KUBECONFIG or ~/.kube/config)
  --context NAME        context in the kubeconfig
  --cluster NAME        EKS cluster (instead of a kubeconfig; credentials from the AWS provider chain)
  --region R            the EKS cluster's region (default: AWS_REGION / the AWS config)
  --dry-run             server-side dry run: validated by the API server, nothing is changed
  --output text|json    json prints exactly one JSON object, the result
  -h, --help            this help`;

export const USAGE: Record<CommandName, string> = {
  scale: `homeostat scale <namespace>/<deployment> <N|+N|-N|xF> [--min N] [--max N] [--current-replicas N]
  Scale a Deployment (or <namespace>/statefulset/<name>) to N, by +N/-N, or by a factor xF (rounded up),
  kept within --min/--max. --current-replicas applies the change only if the count is still N.
  example: homeostat scale shop/checkout +2 --max 20`,
  restart: `homeostat restart <namespace>/<deployment>
  Roll every pod, like kubectl rollout restart. A paused Deployment is refused.
  example: homeostat restart shop/checkout`,
  rollback: `homeostat rollback <namespace>/<deployment> [--to-revision N]
  Roll back like kubectl rollout undo: to the previous revision, or to revision N (see homeostat history).
  example: homeostat rollback shop/checkout --to-revision 3`,
  cordon: `homeostat cordon <node|instance-id>
  Mark a node unschedulable. A node can be named by its EC2 instance id (i-...).
  example: homeostat cordon i-0123456789abcdef0`,
  uncordon: `homeostat uncordon <node|instance-id>
  Mark a node schedulable again.
  example: homeostat uncordon ip-10-0-1-23.ec2.internal`,
  drain: `homeostat drain <node|instance-id> [--timeout DURATION] [--grace-period SECONDS]
                [--delete-emptydir-data] [--force] [--skip-wait-for-delete-timeout SECONDS]
                [--no-ignore-daemonsets]
  Cordon the node and evict its pods like kubectl drain (DaemonSet pods stay, PDBs are honoured).
  DURATION is like 90s, 5m, 1h30m; without --timeout the drain waits as long as it takes, as kubectl's
  does (Ctrl-C stops waiting; the node stays cordoned). Unlike kubectl, a drain that its pod filters
  block (emptyDir without --delete-emptydir-data, bare pods without --force) evicts nothing and leaves
  the node as it was.
  example: homeostat drain i-0123456789abcdef0 --timeout 10m --delete-emptydir-data`,
  status: `homeostat status <namespace>/<deployment>|<node|instance-id>
  Replicas, readiness, revision and conditions of a workload; readiness, taints and pods of a node.
  example: homeostat status shop/checkout`,
  history: `homeostat history <namespace>/<deployment>
  The Deployment's revisions with their change-cause, like kubectl rollout history.
  example: homeostat history shop/checkout`,
  "eks-token": `homeostat eks token --cluster NAME [--region R]
  Print an ExecCredential for an EKS cluster (what aws eks get-token prints), from the default AWS
  credentials, so a kubeconfig user can run: homeostat eks token --cluster NAME --region R`,
  plan: `homeostat plan --event FILE [--config FILE] [--offline]
  Show what the policies would do with an event: planned actions and skipped policies, each with its
  reason. Reads the cluster (the config's, or --kubeconfig/--context) for nodes and workloads, and
  changes nothing. --offline decides without reading the cluster. FILE may be - for standard input.
  example: homeostat events sample spot-interruption | homeostat plan --event - --kubeconfig kind.yaml`,
  invoke: `homeostat invoke <${HANDLER_NAMES.join("|")}> [--event FILE] [--config FILE]
  Run a Lambda handler locally, for real: against --kubeconfig/--context (or the config's cluster), with
  the embedded state store .homeostat/state.db. rollout-guard needs no event.
  example: homeostat invoke node-events --event spot.json --kubeconfig ~/.kube/config`,
  dev: `homeostat dev [--config FILE] [--port N] [--rollout-interval DURATION]
  Run the whole of Homeostat on this machine until Ctrl-C, with the embedded state store
  .homeostat/state.db (HOMEOSTAT_STATE_DB), against the cluster --kubeconfig/--context name (the config
  must then serve one cluster: HOMEOSTAT_CLUSTERS picks it), or else each cluster as the config says:
    - AWS events as EventBridge delivers them, on http://127.0.0.1:N/events (default port 8642; 0 for
      any free one), run through the real handlers:  curl --data @spot.json http://127.0.0.1:8642/events
      (POST /events/<${HANDLER_NAMES.filter((name) => name !== "rollout-guard").join("|")}> picks the handler; else the event's source does)
    - the config's schedules, fired at their times in their time zones; POST /schedules/<name> fires
      one now (as of its next time), GET /schedules lists them with their next times
    - the rollout guard every DURATION (default 60s); deferred drains on timers, while dev runs
    - with a slack section in the config and HOMEOSTAT_SLACK_SIGNING_SECRET and HOMEOSTAT_SLACK_TOKEN
      set: Slack's slash commands and buttons on POST /slack (point the Slack app there, through a tunnel)
  A timeline of every decision and action, with its reason, is printed as it happens. --dry-run makes
  every write a server-side dry run.
  example: HOMEOSTAT_CLUSTERS=local homeostat dev --config homeostat.config.ts --dry-run`,
  "events-sample": `homeostat events sample [KIND]
  Print a realistic event of KIND (an AWS-documented shape) to start from; without KIND, list the kinds.
  example: homeostat events sample health-scheduled-change > health.json`,
  "slack-manifest": `homeostat slack manifest --url URL
  Print the Slack app manifest (JSON) for the /homeostat command and its buttons, served at URL (https;
  the stack's slackEndpoint output): the slash command, interactivity, and the bot scopes Homeostat
  uses (commands, chat:write, usergroups:read, users:read) and no more. Paste it into
  https://api.slack.com/apps → Create New App → From a manifest (see docs/slack.md).
  example: homeostat slack manifest --url https://abc123.lambda-url.eu-west-1.on.aws/`,
};

/** How a person types the command: `eks token`, `events sample`, `scale`. */
export function commandWords(topic: CommandName): string {
  if (topic === "eks-token") return "eks token";
  if (topic === "events-sample") return "events sample";
  if (topic === "slack-manifest") return "slack manifest";
  return topic;
}

/** The command's usage without the global options: what to print under a usage error. */
export function shortUsage(topic?: CommandName): string {
  if (!topic) return "run homeostat --help for the commands";
  const name = commandWords(topic);
  return `usage: ${USAGE[topic].split("\n  ")[0]}\nrun homeostat ${name} --help for more`;
}

/** The help for one command (with the global options), or the overview of all of them. */
export function usageText(topic?: CommandName): string {
  if (topic) return `usage: ${USAGE[topic]}\n\n${GLOBAL_USAGE}`;
  return `homeostat: Kubernetes verbs with kubectl's semantics, for people and for automation

usage: homeostat <command> [arguments] [global options]

commands:
${Object.values(USAGE)
  .map((text) => `  ${text.split("\n")[0]?.replace(/^homeostat /, "")}`)
  .join("\n")}

${GLOBAL_USAGE}

exit codes: 0 done or nothing to do; 1 the action failed; 2 bad usage or input (nothing changed)
run homeostat <command> --help for each command's options`;
}
