/**
 * The one grammar of Homeostat's commands, shared by the CLI (argv) and Slack's `/homeostat` (text):
 *
 *   scale <namespace>/<deployment> <N|+N|-N|xF> [--min N] [--max N] [--current-replicas N]
 *   restart <namespace>/<deployment>
 *   rollback <namespace>/<deployment> [--to-revision N]
 *   cordon <node|instance-id>
 *   uncordon <node|instance-id>
 *   drain <node|instance-id> [--timeout DURATION] [--grace-period SECONDS] [--delete-emptydir-data]
 *         [--force] [--skip-wait-for-delete-timeout SECONDS] [--no-ignore-daemonsets]
 *   status <namespace>/<deployment>|<node|instance-id>
 *   history <namespace>/<deployment>
 *   eks token --cluster NAME [--region R]
 *   global: --kubeconfig PATH [--context NAME] | --cluster NAME --region R ; --dry-run ; --output text|json
 *
 * A workload is `<namespace>/<name>` (a Deployment) or `<namespace>/<kind>/<name>` with kind
 * deployment|deploy|statefulset|sts.
 */
import { parseArgs } from "node:util";
import { parseGoDuration } from "../domain/duration.ts";
import { KubeVerbError } from "../domain/errors.ts";
import { isInstanceId } from "../domain/instance-id.ts";
import { parseScaleChange, type ScaleChange, validateScaleBounds } from "../domain/scale-change.ts";
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
  | "events-sample";

/** The Lambda handlers `homeostat invoke` can run locally. */
export const HANDLER_NAMES = ["alarm", "node-events", "schedule", "rollout-guard"] as const;
export type HandlerName = (typeof HANDLER_NAMES)[number];

/** Commands for a person at a terminal only: they read local files, so Slack does not take them. */
const CLI_ONLY: ReadonlySet<CommandName> = new Set(["eks-token", "plan", "invoke", "events-sample"]);

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
  | { verb: "events-sample"; kind?: string };

export type Command = VerbCommand | LocalCommand;

export function isLocalCommand(command: Command): command is LocalCommand {
  return CLI_ONLY.has(command.verb);
}

export type ParsedInvocation =
  | { kind: "command"; command: Command; globals: GlobalOptions }
  | { kind: "help"; topic?: CommandName; globals: GlobalOptions };

/** A command line that does not follow the grammar; `topic` names the command whose usage applies. */
export class UsageError extends KubeVerbError {
  readonly topic: CommandName | undefined;
  constructor(message: string, topic?: CommandName) {
    super("invalid", message);
    this.topic = topic;
  }
}

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
  invoke: `homeostat invoke <alarm|node-events|schedule|rollout-guard> [--event FILE] [--config FILE]
  Run a Lambda handler locally, for real: against --kubeconfig/--context (or the config's cluster), with
  the embedded state store .homeostat/state.db. rollout-guard needs no event.
  example: homeostat invoke node-events --event spot.json --kubeconfig ~/.kube/config`,
  "events-sample": `homeostat events sample [KIND]
  Print a realistic event of KIND (an AWS-documented shape) to start from; without KIND, list the kinds.
  example: homeostat events sample health-scheduled-change > health.json`,
};

/** How a person types the command: `eks token`, `events sample`, `scale`. */
function commandWords(topic: CommandName): string {
  if (topic === "eks-token") return "eks token";
  if (topic === "events-sample") return "events sample";
  return topic;
}

/** The command's usage without the global options: what to print under a usage error. */
export function shortUsage(topic?: CommandName): string {
  if (!topic) return "run homeostat --help for the commands";
  const name = commandWords(topic);
  return `usage: ${USAGE[topic].split("\n  ")[0]}\nrun homeostat ${name} --help for more`;
}

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

const OPTIONS = {
  kubeconfig: { type: "string" },
  context: { type: "string" },
  cluster: { type: "string" },
  region: { type: "string" },
  "dry-run": { type: "boolean" },
  output: { type: "string", short: "o" },
  help: { type: "boolean", short: "h" },
  min: { type: "string" },
  max: { type: "string" },
  "current-replicas": { type: "string" },
  "to-revision": { type: "string" },
  timeout: { type: "string" },
  "grace-period": { type: "string" },
  "delete-emptydir-data": { type: "boolean" },
  force: { type: "boolean" },
  "ignore-daemonsets": { type: "boolean" },
  "skip-wait-for-delete-timeout": { type: "string" },
  event: { type: "string" },
  config: { type: "string" },
  offline: { type: "boolean" },
} as const;

type OptionName = keyof typeof OPTIONS;
type Values = { [K in OptionName]?: (typeof OPTIONS)[K]["type"] extends "string" ? string : boolean };

const GLOBAL_OPTIONS: readonly OptionName[] = [
  "kubeconfig",
  "context",
  "cluster",
  "region",
  "dry-run",
  "output",
  "help",
];
const VERB_OPTIONS: Record<CommandName, readonly OptionName[]> = {
  scale: ["min", "max", "current-replicas"],
  restart: [],
  rollback: ["to-revision"],
  cordon: [],
  uncordon: [],
  drain: [
    "timeout",
    "grace-period",
    "delete-emptydir-data",
    "force",
    "ignore-daemonsets",
    "skip-wait-for-delete-timeout",
  ],
  status: [],
  history: [],
  "eks-token": [],
  plan: ["event", "config", "offline"],
  invoke: ["event", "config"],
  "events-sample": [],
};

const COMMANDS = new Set<string>(
  Object.keys(VERB_OPTIONS).filter((name) => name !== "eks-token" && name !== "events-sample"),
);

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const WORKLOAD_KINDS: Record<string, WorkloadTarget["kind"]> = {
  deployment: "Deployment",
  deployments: "Deployment",
  deploy: "Deployment",
  statefulset: "StatefulSet",
  statefulsets: "StatefulSet",
  sts: "StatefulSet",
};

/** `<namespace>/<name>` or `<namespace>/<kind>/<name>`. */
export function parseWorkloadTarget(text: string | undefined, topic: CommandName): WorkloadTarget {
  if (!text) {
    throw new UsageError(`${topic} needs a workload as <namespace>/<deployment>, e.g. shop/checkout`, topic);
  }
  const parts = text.split("/");
  let kind: WorkloadTarget["kind"] = "Deployment";
  let namespace: string | undefined;
  let name: string | undefined;
  if (parts.length === 2) {
    [namespace, name] = parts;
  } else if (parts.length === 3) {
    const kindText = parts[1]?.toLowerCase() ?? "";
    const known = WORKLOAD_KINDS[kindText];
    if (!known) {
      throw new UsageError(
        `unknown workload kind '${parts[1]}' in '${text}'; use deployment or statefulset (e.g. shop/statefulset/db)`,
        topic,
      );
    }
    kind = known;
    [namespace, , name] = parts;
  } else {
    throw new UsageError(
      `${topic} needs a workload as <namespace>/<deployment>, e.g. shop/checkout; got '${text}'`,
      topic,
    );
  }
  if (!namespace || namespace.length > 63 || !DNS_LABEL.test(namespace)) {
    throw new UsageError(
      `'${namespace}' is not a namespace name (lowercase letters, digits and '-', at most 63); got '${text}'`,
      topic,
    );
  }
  if (!name || name.length > 253 || !DNS_SUBDOMAIN.test(name)) {
    throw new UsageError(
      `'${name}' is not a ${kind} name (lowercase letters, digits, '-' and '.'); got '${text}'`,
      topic,
    );
  }
  return { kind, namespace, name };
}

export function parseNodeName(text: string | undefined, topic: CommandName): string {
  if (!text) throw new UsageError(`${topic} needs a node name or an EC2 instance id (i-...)`, topic);
  if (text.startsWith("i-") && !isInstanceId(text)) {
    throw new UsageError(
      `'${text}' looks like an EC2 instance id but is not one (i- and 8 or 17 hex digits)`,
      topic,
    );
  }
  if (text.length > 253 || !DNS_SUBDOMAIN.test(text)) {
    throw new UsageError(`'${text}' is not a node name or an EC2 instance id`, topic);
  }
  return text;
}

/** A duration option like `--timeout 90s` (Go units, as kubectl takes them), in milliseconds. */
export function parseTimeout(text: string, option = "--timeout"): number {
  const total = parseGoDuration(text);
  if (total === undefined) {
    throw new UsageError(`${option} needs a duration like 90s, 5m or 1h30m; got '${text}'`);
  }
  // Node's timers take at most 2^31-1 ms (about 24.8 days); a longer one would fire at once.
  if (total > 2_147_483_647) {
    throw new UsageError(`${option} can be at most 596h (24 days); got '${text}' — use 0 for no deadline`);
  }
  // 0 means no deadline, so a positive duration must not round down to it
  if (total > 0 && Math.round(total) === 0) {
    throw new UsageError(`${option} must be at least 1ms (or 0 for no deadline); got '${text}'`);
  }
  return Math.round(total);
}

function wholeNumber(text: string | undefined, option: string, topic: CommandName): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d{1,10}$/.test(text) || Number(text) > 2_147_483_647) {
    throw new UsageError(`${option} needs a whole number ≥ 0; got '${text}'`, topic);
  }
  return Number(text);
}

function connectionOf(values: Values): Connection {
  if (values.cluster !== undefined) {
    if (values.kubeconfig !== undefined || values.context !== undefined) {
      throw new UsageError("use either --kubeconfig/--context or --cluster/--region, not both");
    }
    if (!values.cluster) throw new UsageError("--cluster needs the EKS cluster's name");
    return { kind: "eks", clusterName: values.cluster, ...(values.region ? { region: values.region } : {}) };
  }
  if (values.region !== undefined) {
    throw new UsageError(
      "--region goes with --cluster NAME (an EKS cluster); with a kubeconfig, use --context",
    );
  }
  return {
    kind: "kubeconfig",
    ...(values.kubeconfig ? { path: values.kubeconfig } : {}),
    ...(values.context ? { context: values.context } : {}),
  };
}

const NEGATIVE_NUMBER = /^-\d+$/;

/**
 * Parses a command line (argv without the program name). Throws UsageError (exit 2) with a message
 * saying what is wrong and what was expected.
 */
export function parseCommandLine(argv: readonly string[]): ParsedInvocation {
  // `-2` is a scale change, not a short option: take it out before parseArgs sees it.
  const args: string[] = [];
  const negatives: string[] = [];
  for (const arg of argv) {
    const previous = args.at(-1);
    const previousTakesValue =
      previous?.startsWith("--") &&
      !previous.includes("=") &&
      (OPTIONS as Record<string, { type: string }>)[previous.slice(2)]?.type === "string";
    if (!NEGATIVE_NUMBER.test(arg)) args.push(arg);
    // `--min -1`: hand it over as `--min=-1` so the option's own check reports the bad number
    else if (previousTakesValue) args[args.length - 1] = `${previous}=${arg}`;
    else negatives.push(arg);
  }

  let parsed: { values: Values; positionals: string[] };
  try {
    parsed = parseArgs({
      args,
      options: OPTIONS,
      allowPositionals: true,
      allowNegative: true,
      strict: true,
    }) as {
      values: Values;
      positionals: string[];
    };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new UsageError(`${message.replace(/\.$/, "")}; run homeostat --help`);
  }
  const { values } = parsed;
  const positionals = [...parsed.positionals];
  const output = values.output ?? "text";
  if (output !== "text" && output !== "json") {
    throw new UsageError(`--output must be text or json; got '${output}'`);
  }
  const dryRun = values["dry-run"] ?? false;

  let name = positionals.shift();
  if (name === "help") {
    const topic = positionals.shift();
    const globals: GlobalOptions = { dryRun, output, connection: { kind: "kubeconfig" } };
    if (topic === undefined) return { kind: "help", globals };
    if (COMMANDS.has(topic)) return { kind: "help", topic: topic as CommandName, globals };
    throw new UsageError(`no command '${topic}'; run homeostat --help`);
  }
  if (name === "eks") {
    const sub = positionals.shift();
    if (sub !== "token") {
      throw new UsageError(
        `unknown eks command '${sub ?? ""}'; the only one is: homeostat eks token --cluster NAME`,
        "eks-token",
      );
    }
    name = "eks-token";
  }
  if (name === "events") {
    const sub = positionals.shift();
    if (sub !== "sample") {
      throw new UsageError(
        `unknown events command '${sub ?? ""}'; the only one is: homeostat events sample [KIND]`,
        "events-sample",
      );
    }
    name = "events-sample";
  }
  if (name === undefined) {
    if (values.help) return { kind: "help", globals: { dryRun, output, connection: { kind: "kubeconfig" } } };
    throw new UsageError("no command given; run homeostat --help");
  }
  if (!(name in VERB_OPTIONS)) {
    throw new UsageError(
      `unknown command '${name}'; commands: ${[...COMMANDS].join(", ")}, eks token, events sample`,
    );
  }
  const topic = name as CommandName;
  if (values.help)
    return { kind: "help", topic, globals: { dryRun, output, connection: { kind: "kubeconfig" } } };

  const allowed = new Set<string>([...GLOBAL_OPTIONS, ...VERB_OPTIONS[topic]]);
  for (const option of Object.keys(values)) {
    if (!allowed.has(option)) {
      throw new UsageError(`${commandWords(topic)} does not take --${option}`, topic);
    }
  }

  if (topic === "eks-token") {
    if (!values.cluster) throw new UsageError("eks token needs --cluster NAME", topic);
    if (values.kubeconfig || values.context) {
      throw new UsageError("eks token takes --cluster and --region, not a kubeconfig", topic);
    }
    expectNoMore(positionals, negatives, topic);
    return {
      kind: "command",
      command: {
        verb: "eks-token",
        clusterName: values.cluster,
        ...(values.region ? { region: values.region } : {}),
      },
      globals: { dryRun, output, connection: connectionOf(values) },
    };
  }

  const globals: GlobalOptions = { dryRun, output, connection: connectionOf(values) };
  const first = positionals.shift();
  let command: Command;
  switch (topic) {
    case "scale": {
      const target = parseWorkloadTarget(first, topic);
      const changeText = positionals.shift() ?? negatives.shift();
      if (changeText === undefined) {
        throw new UsageError("scale needs a replica change like 5, +2, -1 or x1.5 after the workload", topic);
      }
      let change: ScaleChange;
      try {
        change = parseScaleChange(changeText);
      } catch (error) {
        throw new UsageError(error instanceof Error ? error.message : String(error), topic);
      }
      const min = wholeNumber(values.min, "--min", topic);
      const max = wholeNumber(values.max, "--max", topic);
      const currentReplicas = wholeNumber(values["current-replicas"], "--current-replicas", topic);
      try {
        validateScaleBounds({ min, max });
      } catch (error) {
        throw new UsageError(error instanceof Error ? error.message : String(error), topic);
      }
      command = {
        verb: "scale",
        target,
        change,
        ...(min === undefined ? {} : { min }),
        ...(max === undefined ? {} : { max }),
        ...(currentReplicas === undefined ? {} : { currentReplicas }),
      };
      break;
    }
    case "restart":
      command = { verb: "restart", target: parseWorkloadTarget(first, topic) };
      break;
    case "rollback": {
      const target = parseWorkloadTarget(first, topic);
      const toRevision = wholeNumber(values["to-revision"], "--to-revision", topic);
      command = { verb: "rollback", target, ...(toRevision === undefined ? {} : { toRevision }) };
      break;
    }
    case "cordon":
    case "uncordon":
      command = { verb: topic, node: parseNodeName(first, topic) };
      break;
    case "drain": {
      const timeoutMs = values.timeout === undefined ? undefined : parseTimeout(values.timeout);
      const gracePeriodSeconds = wholeNumber(values["grace-period"], "--grace-period", topic);
      const skipWait = wholeNumber(
        values["skip-wait-for-delete-timeout"],
        "--skip-wait-for-delete-timeout",
        topic,
      );
      command = {
        verb: "drain",
        node: parseNodeName(first, topic),
        deleteEmptyDirData: values["delete-emptydir-data"] ?? false,
        force: values.force ?? false,
        ignoreDaemonSets: values["ignore-daemonsets"] ?? true,
        ...(timeoutMs === undefined ? {} : { timeoutMs }),
        ...(gracePeriodSeconds === undefined ? {} : { gracePeriodSeconds }),
        ...(skipWait === undefined ? {} : { skipWaitForDeleteTimeoutSeconds: skipWait }),
      };
      break;
    }
    case "status": {
      if (first === undefined) {
        throw new UsageError("status needs <namespace>/<deployment> or a node name or instance id", topic);
      }
      const target: Target = first.includes("/")
        ? parseWorkloadTarget(first, topic)
        : isInstanceId(first)
          ? { kind: "Node", name: first, instanceId: first }
          : { kind: "Node", name: parseNodeName(first, topic) };
      command = { verb: "status", target };
      break;
    }
    case "history":
      command = { verb: "history", target: parseWorkloadTarget(first, topic) };
      break;
    case "plan":
      if (first !== undefined) positionals.unshift(first);
      if (!values.event)
        throw new UsageError("plan needs --event FILE (an event as JSON; - for stdin)", topic);
      command = {
        verb: "plan",
        eventFile: values.event,
        offline: values.offline ?? false,
        ...(values.config ? { configFile: values.config } : {}),
      };
      break;
    case "invoke": {
      const handler = HANDLER_NAMES.find((known) => known === first);
      if (!handler) {
        throw new UsageError(
          `invoke needs a handler: one of ${HANDLER_NAMES.join(", ")}; got '${first ?? ""}'`,
          topic,
        );
      }
      if (!values.event && handler !== "rollout-guard") {
        throw new UsageError(`invoke ${handler} needs --event FILE (an event as JSON; - for stdin)`, topic);
      }
      command = {
        verb: "invoke",
        handler,
        ...(values.event ? { eventFile: values.event } : {}),
        ...(values.config ? { configFile: values.config } : {}),
      };
      break;
    }
    case "events-sample":
      command = { verb: "events-sample", ...(first === undefined ? {} : { kind: first }) };
      break;
  }
  expectNoMore(positionals, negatives, topic);
  return { kind: "command", command, globals };
}

function expectNoMore(positionals: string[], negatives: string[], topic: CommandName): void {
  const extra = [...positionals, ...negatives];
  if (extra.length > 0) {
    throw new UsageError(
      `unexpected '${extra.join(" ")}' after the command; run homeostat ${commandWords(topic)} --help`,
      topic,
    );
  }
}

/**
 * Parses a command written as one line of text (Slack's `/homeostat scale shop/checkout +2`).
 * Words are separated by whitespace; no quoting (no argument of this grammar contains a space).
 */
export function parseCommandText(text: string): ParsedInvocation {
  const words = text
    .trim()
    .split(/\s+/)
    .filter((word) => word.length > 0);
  const invocation = parseCommandLine(words[0] === "homeostat" ? words.slice(1) : words);
  if (invocation.kind === "command" && isLocalCommand(invocation.command)) {
    const name = commandWords(invocation.command.verb);
    throw new UsageError(`${name} works only in the homeostat CLI (it reads local files or credentials)`);
  }
  return invocation;
}
