export type {
  Command,
  CommandName,
  Connection,
  GlobalOptions,
  OutputFormat,
  ParsedInvocation,
} from "../command/grammar.ts";
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
} from "../command/grammar.ts";
export { connect, runCommand } from "./dispatch.ts";
export type { CliResult } from "./output.ts";
export { errorResult, formatJson, formatText, formatUndo } from "./output.ts";
export type { CliIo } from "./run.ts";
export { processIo, runCli } from "./run.ts";
