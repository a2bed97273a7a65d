// The one grammar of Homeostat's commands: the CLI parses argv with it, Slack's /homeostat and the
// pipeline's command triggers parse text with it.
export { UsageError } from "./errors.ts";
export { parseCommandLine, parseCommandText } from "./parse.ts";
export { formatTarget, parseNodeName, parseTarget, parseWorkloadTarget } from "./target.ts";
export type {
  Command,
  CommandName,
  Connection,
  GlobalOptions,
  HandlerName,
  LocalCommand,
  OutputFormat,
  ParsedInvocation,
  VerbCommand,
} from "./types.ts";
export { HANDLER_NAMES, isLocalCommand } from "./types.ts";
export { shortUsage, USAGE, usageText } from "./usage.ts";
export { parseTimeout } from "./values.ts";
