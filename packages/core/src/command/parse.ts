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
 *   dev [--config FILE] [--port N] [--rollout-interval DURATION]
 *   global: --kubeconfig PATH [--context NAME] | --cluster NAME --region R ; --dry-run ; --output text|json
 *
 * A workload is `<namespace>/<name>` (a Deployment) or `<namespace>/<kind>/<name>` with kind
 * deployment|deploy|statefulset|sts (see target.ts).
 */
import { parseArgs } from "node:util";
import { HANDLER_NAMES } from "../domain/handlers.ts";
import { parseScaleChange, type ScaleChange, validateScaleBounds } from "../domain/scale-change.ts";
import { UsageError } from "./errors.ts";
import { parseNodeName, parseTarget, parseWorkloadTarget } from "./target.ts";
import { checkCommandText } from "./text.ts";
import {
  type Command,
  type CommandName,
  type Connection,
  type GlobalOptions,
  isLocalCommand,
  type ParsedInvocation,
} from "./types.ts";
import { commandWords } from "./usage.ts";
import { parseTimeout, wholeNumber } from "./values.ts";

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
  port: { type: "string" },
  "rollout-interval": { type: "string" },
  url: { type: "string" },
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
  dev: ["config", "port", "rollout-interval"],
  "slack-manifest": ["url"],
};

const COMMANDS = new Set<string>(
  Object.keys(VERB_OPTIONS).filter(
    (name) => name !== "eks-token" && name !== "events-sample" && name !== "slack-manifest",
  ),
);

/** The commands of two words: `eks token`, `events sample`. */
const TWO_WORD_COMMANDS: Record<string, { second: string; topic: CommandName; usage: string }> = {
  eks: { second: "token", topic: "eks-token", usage: "homeostat eks token --cluster NAME" },
  events: { second: "sample", topic: "events-sample", usage: "homeostat events sample [KIND]" },
  slack: { second: "manifest", topic: "slack-manifest", usage: "homeostat slack manifest --url URL" },
};

/** What a command's parser reads; it takes its words off `positionals`. */
interface CommandArgs {
  values: Values;
  /** The words after the command's name, negative numbers (`-2`) among them, in the order written. */
  positionals: string[];
}

type CommandParser = (args: CommandArgs) => Command;

const NEGATIVE_NUMBER = /^-\d+$/;

/** A negative number set aside, and where it was among the arguments parseArgs is given. */
interface SetAside {
  text: string;
  /** How many of the arguments handed to parseArgs came before it. */
  before: number;
}

/** `-2` is a scale change, not a short option: take it out before parseArgs sees it. */
function setNegativesAside(argv: readonly string[]): { args: string[]; negatives: SetAside[] } {
  const args: string[] = [];
  const negatives: SetAside[] = [];
  for (const arg of argv) {
    const previous = args.at(-1);
    const previousTakesValue =
      previous?.startsWith("--") &&
      !previous.includes("=") &&
      (OPTIONS as Record<string, { type: string }>)[previous.slice(2)]?.type === "string";
    if (!NEGATIVE_NUMBER.test(arg)) args.push(arg);
    // `--min -1`: hand it over as `--min=-1` so the option's own check reports the bad number
    else if (previousTakesValue) args[args.length - 1] = `${previous}=${arg}`;
    else negatives.push({ text: arg, before: args.length });
  }
  return { args, negatives };
}

/**
 * The options, and the words with the negative numbers put back where they were written (so in
 * `scale ns/app -1 +2` the change is `-1` and `+2` the word too many, not the other way round).
 */
function parseOptions(args: string[], negatives: SetAside[]): { values: Values; positionals: string[] } {
  try {
    const parsed = parseArgs({
      args,
      options: OPTIONS,
      allowPositionals: true,
      allowNegative: true,
      strict: true,
      tokens: true,
    });
    const words = [
      ...parsed.tokens.flatMap((token) =>
        token.kind === "positional" ? [{ text: token.value, at: token.index }] : [],
      ),
      // a negative number sits just before the argument that followed it
      ...negatives.map(({ text, before }) => ({ text, at: before - 0.5 })),
    ].sort((a, b) => a.at - b.at);
    return { values: parsed.values as Values, positionals: words.map((word) => word.text) };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new UsageError(`${message.replace(/\.$/, "")}; run homeostat --help`);
  }
}

/** The command the first words name, or help (with the command it is about, if any). */
function nameCommand(positionals: string[], help: boolean): { help: boolean; topic?: CommandName } {
  let name = positionals.shift();
  if (name === "help") {
    const topic = positionals.shift();
    if (topic === undefined) return { help: true };
    if (COMMANDS.has(topic)) return { help: true, topic: topic as CommandName };
    throw new UsageError(`no command '${topic}'; run homeostat --help`);
  }
  const twoWords =
    name !== undefined && Object.hasOwn(TWO_WORD_COMMANDS, name) ? TWO_WORD_COMMANDS[name] : undefined;
  if (twoWords) {
    const sub = positionals.shift();
    if (sub !== twoWords.second) {
      throw new UsageError(
        `unknown ${name} command '${sub ?? ""}'; the only one is: ${twoWords.usage}`,
        twoWords.topic,
      );
    }
    name = twoWords.topic;
  }
  if (name === undefined) {
    if (help) return { help: true };
    throw new UsageError("no command given; run homeostat --help");
  }
  if (!Object.hasOwn(VERB_OPTIONS, name)) {
    throw new UsageError(
      `unknown command '${name}'; commands: ${[...COMMANDS].join(", ")}, eks token, events sample, slack manifest`,
    );
  }
  return { help, topic: name as CommandName };
}

function checkOptionsAllowed(topic: CommandName, values: Values): void {
  const allowed = new Set<string>([...GLOBAL_OPTIONS, ...VERB_OPTIONS[topic]]);
  for (const option of Object.keys(values)) {
    if (!allowed.has(option)) {
      throw new UsageError(`${commandWords(topic)} does not take --${option}`, topic);
    }
  }
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

/** Runs a domain parser, reporting what it refuses as a usage error of `topic`. */
function asUsage<T>(topic: CommandName, read: () => T): T {
  try {
    return read();
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error), topic);
  }
}

const parseScale: CommandParser = ({ values, positionals }) => {
  const target = parseWorkloadTarget(positionals.shift(), "scale");
  const changeText = positionals.shift();
  if (changeText === undefined) {
    throw new UsageError("scale needs a replica change like 5, +2, -1 or x1.5 after the workload", "scale");
  }
  const change: ScaleChange = asUsage("scale", () => parseScaleChange(changeText));
  const min = wholeNumber(values.min, "--min", "scale");
  const max = wholeNumber(values.max, "--max", "scale");
  const currentReplicas = wholeNumber(values["current-replicas"], "--current-replicas", "scale");
  asUsage("scale", () => validateScaleBounds({ min, max }));
  return {
    verb: "scale",
    target,
    change,
    ...(min === undefined ? {} : { min }),
    ...(max === undefined ? {} : { max }),
    ...(currentReplicas === undefined ? {} : { currentReplicas }),
  };
};

const parseRollback: CommandParser = ({ values, positionals }) => {
  const target = parseWorkloadTarget(positionals.shift(), "rollback");
  const toRevision = wholeNumber(values["to-revision"], "--to-revision", "rollback");
  return { verb: "rollback", target, ...(toRevision === undefined ? {} : { toRevision }) };
};

const parseDrain: CommandParser = ({ values, positionals }) => {
  const node = positionals.shift();
  const timeoutMs = values.timeout === undefined ? undefined : parseTimeout(values.timeout);
  const gracePeriodSeconds = wholeNumber(values["grace-period"], "--grace-period", "drain");
  const skipWait = wholeNumber(
    values["skip-wait-for-delete-timeout"],
    "--skip-wait-for-delete-timeout",
    "drain",
  );
  return {
    verb: "drain",
    node: parseNodeName(node, "drain"),
    deleteEmptyDirData: values["delete-emptydir-data"] ?? false,
    force: values.force ?? false,
    ignoreDaemonSets: values["ignore-daemonsets"] ?? true,
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
    ...(gracePeriodSeconds === undefined ? {} : { gracePeriodSeconds }),
    ...(skipWait === undefined ? {} : { skipWaitForDeleteTimeoutSeconds: skipWait }),
  };
};

const parseEksToken: CommandParser = ({ values }) => {
  if (!values.cluster) throw new UsageError("eks token needs --cluster NAME", "eks-token");
  if (values.kubeconfig || values.context) {
    throw new UsageError("eks token takes --cluster and --region, not a kubeconfig", "eks-token");
  }
  return {
    verb: "eks-token",
    clusterName: values.cluster,
    ...(values.region ? { region: values.region } : {}),
  };
};

const parsePlan: CommandParser = ({ values }) => {
  if (!values.event) throw new UsageError("plan needs --event FILE (an event as JSON; - for stdin)", "plan");
  return {
    verb: "plan",
    eventFile: values.event,
    offline: values.offline ?? false,
    ...(values.config ? { configFile: values.config } : {}),
  };
};

const parseInvoke: CommandParser = ({ values, positionals }) => {
  const first = positionals.shift();
  const handler = HANDLER_NAMES.find((known) => known === first);
  if (!handler) {
    throw new UsageError(
      `invoke needs a handler: one of ${HANDLER_NAMES.join(", ")}; got '${first ?? ""}'`,
      "invoke",
    );
  }
  if (!values.event && handler !== "rollout-guard") {
    throw new UsageError(`invoke ${handler} needs --event FILE (an event as JSON; - for stdin)`, "invoke");
  }
  return {
    verb: "invoke",
    handler,
    ...(values.event ? { eventFile: values.event } : {}),
    ...(values.config ? { configFile: values.config } : {}),
  };
};

/** The loopback port `homeostat dev` listens on unless --port says otherwise. */
export const DEV_DEFAULT_PORT = 8642;

const parseDev: CommandParser = ({ values }) => {
  const port = wholeNumber(values.port, "--port", "dev") ?? DEV_DEFAULT_PORT;
  if (port > 65_535)
    throw new UsageError(`--port needs a port 0-65535 (0: any free one); got ${port}`, "dev");
  const interval = values["rollout-interval"] ?? "60s";
  const rolloutIntervalMs = asUsage("dev", () => parseTimeout(interval, "--rollout-interval"));
  if (rolloutIntervalMs < 1000) {
    throw new UsageError(`--rollout-interval must be at least 1s; got '${interval}'`, "dev");
  }
  return {
    verb: "dev",
    port,
    rolloutIntervalMs,
    ...(values.config ? { configFile: values.config } : {}),
  };
};

/** One parser per command: each reads its own arguments and options. */
const PARSERS: Record<CommandName, CommandParser> = {
  scale: parseScale,
  restart: ({ positionals }) => ({
    verb: "restart",
    target: parseWorkloadTarget(positionals.shift(), "restart"),
  }),
  rollback: parseRollback,
  cordon: ({ positionals }) => ({ verb: "cordon", node: parseNodeName(positionals.shift(), "cordon") }),
  uncordon: ({ positionals }) => ({ verb: "uncordon", node: parseNodeName(positionals.shift(), "uncordon") }),
  drain: parseDrain,
  status: ({ positionals }) => ({ verb: "status", target: parseTarget(positionals.shift(), "status") }),
  history: ({ positionals }) => ({
    verb: "history",
    target: parseWorkloadTarget(positionals.shift(), "history"),
  }),
  "eks-token": parseEksToken,
  plan: parsePlan,
  invoke: parseInvoke,
  dev: parseDev,
  "slack-manifest": ({ values }) => {
    if (!values.url) {
      throw new UsageError(
        "slack manifest needs --url URL: the Slack endpoint's function URL (the stack's slackEndpoint output)",
        "slack-manifest",
      );
    }
    return { verb: "slack-manifest", url: values.url };
  },
  "events-sample": ({ positionals }) => {
    const kind = positionals.shift();
    return { verb: "events-sample", ...(kind === undefined ? {} : { kind }) };
  },
};

function expectNoMore(extra: string[], topic: CommandName): void {
  if (extra.length > 0) {
    throw new UsageError(
      `unexpected '${extra.join(" ")}' after the command; run homeostat ${commandWords(topic)} --help`,
      topic,
    );
  }
}

/**
 * The command a line names, read leniently: for a line that does not parse (an unknown option, a
 * bad --output), the usage error still names its command.
 */
function namedCommand(argv: readonly string[]): CommandName | undefined {
  const { args } = setNegativesAside(argv);
  const { positionals } = parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: false });
  try {
    return nameCommand([...positionals], false).topic;
  } catch {
    return undefined;
  }
}

/**
 * Parses a command line (argv without the program name). Throws UsageError (exit 2) with a message
 * saying what is wrong and what was expected, and the command it is about when the line names one.
 */
export function parseCommandLine(argv: readonly string[]): ParsedInvocation {
  try {
    return parseInvocation(argv);
  } catch (error) {
    if (!(error instanceof UsageError) || error.topic !== undefined) throw error;
    const topic = namedCommand(argv);
    throw topic ? new UsageError(error.message, topic) : error;
  }
}

function parseInvocation(argv: readonly string[]): ParsedInvocation {
  const { args, negatives } = setNegativesAside(argv);
  const { values, positionals } = parseOptions(args, negatives);
  const output = values.output ?? "text";
  if (output !== "text" && output !== "json") {
    throw new UsageError(`--output must be text or json; got '${output}'`);
  }
  const dryRun = values["dry-run"] ?? false;

  const { help, topic } = nameCommand(positionals, values.help ?? false);
  if (help || topic === undefined) {
    const globals: GlobalOptions = { dryRun, output, connection: { kind: "kubeconfig" } };
    return { kind: "help", ...(topic === undefined ? {} : { topic }), globals };
  }
  checkOptionsAllowed(topic, values);
  const globalsOf = (): GlobalOptions => ({ dryRun, output, connection: connectionOf(values) });
  // eks token refuses a kubeconfig in its own words, so its options are read before the connection
  const globals = topic === "eks-token" ? undefined : globalsOf();
  const command = PARSERS[topic]({ values, positionals });
  expectNoMore(positionals, topic);
  return { kind: "command", command, globals: globals ?? globalsOf() };
}

/**
 * Parses a command written as one line of text (Slack's `/homeostat scale shop/checkout +2`).
 * Words are separated by whitespace; no quoting (no argument of this grammar contains a space). Text
 * that is too long, or holds control characters, shell metacharacters or non-ASCII look-alikes, is
 * refused before it is read (text.ts).
 */
export function parseCommandText(text: string): ParsedInvocation {
  checkCommandText(text);
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
