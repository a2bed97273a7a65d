// The one grammar of Homeostat's commands: the CLI parses argv with it, Slack's /homeostat and the
// pipeline's command triggers parse text with it.
export type {
  Command,
  CommandName,
  Connection,
  GlobalOptions,
  OutputFormat,
  ParsedInvocation,
} from "./grammar.ts";
export {
  parseCommandLine,
  parseCommandText,
  parseDuration,
  parseNodeName,
  parseWorkloadTarget,
  shortUsage,
  USAGE,
  UsageError,
  usageText,
} from "./grammar.ts";
