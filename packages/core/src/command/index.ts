// The one grammar of Homeostat's commands: the CLI parses argv with it, Slack's /homeostat and the
// pipeline's command triggers parse text with it.
export type { HandlerName } from "../domain/handlers.ts";
export { HANDLER_NAMES, isHandlerName } from "../domain/handlers.ts";
export { UsageError } from "./errors.ts";
export { parseCommandLine, parseCommandText } from "./parse.ts";
export { formatTarget, parseNodeName, parseTarget, parseWorkloadTarget } from "./target.ts";
export { checkCommandText, MAX_COMMAND_TEXT } from "./text.ts";
export type {
  Command,
  CommandName,
  Connection,
  GlobalOptions,
  LocalCommand,
  OutputFormat,
  ParsedInvocation,
  VerbCommand,
} from "./types.ts";
export { isLocalCommand } from "./types.ts";
export { shortUsage, USAGE, usageText } from "./usage.ts";
export { parseTimeout } from "./values.ts";
