// The `homeostat` process: argv in, the exit code out. bin/homeostat.js starts it — bundled
// (dist/cli/main.mjs, built by scripts/build-cli.ts at install) or, failing that, from these sources.
import { runCli } from "./run.ts";

const abort = new AbortController();
process.once("SIGINT", () => abort.abort());

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  signal: abort.signal,
});
