// The `homeostat` command: argv in, one result out. Its grammar lives in ../command (shared with Slack).
export { connect, runCommand } from "./dispatch.ts";
export type { CliResult } from "./output.ts";
export { errorResult, formatJson, formatText, formatUndo } from "./output.ts";
export type { CliIo } from "./run.ts";
export { processIo, runCli } from "./run.ts";
