// The one grammar of Homeostat's commands: the CLI parses argv with it, Slack's /homeostat and the
// pipeline's command triggers parse text with it.
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
} from "./grammar.ts";
export {
  HANDLER_NAMES,
  isLocalCommand,
  parseCommandLine,
  parseCommandText,
  parseNodeName,
  parseTimeout,
  parseWorkloadTarget,
  shortUsage,
  USAGE,
  UsageError,
  usageText,
} from "./grammar.ts";
