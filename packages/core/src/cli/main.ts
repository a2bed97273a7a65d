// The `homeostat` process: argv in, the exit code out. bin/homeostat.js starts it — bundled
// (dist/cli/main.mjs, built by scripts/build-cli.ts at install) or, failing that, from these sources.
import { runCli } from "./run.ts";

/**
 * The reader of stdout went away (`homeostat … | head`): end as kubectl and coreutils do, killed by
 * SIGPIPE (the shell shows 141), with nothing on stderr. Node ignores SIGPIPE, so a write to the
 * closed pipe is an EPIPE error event that would otherwise end the process with a stack trace.
 */
function endOnClosedStdout(error: NodeJS.ErrnoException): void {
  if (error.code !== "EPIPE") throw error;
  // a SIGPIPE listener added and removed puts the signal back to its default action: terminate
  process.on("SIGPIPE", () => {});
  process.removeAllListeners("SIGPIPE");
  process.kill(process.pid, "SIGPIPE");
  // the same status through exit, should the signal stay ignored
  process.exit(128 + 13);
}
process.stdout.on("error", endOnClosedStdout);

const abort = new AbortController();
process.once("SIGINT", () => abort.abort());

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  signal: abort.signal,
});
