#!/usr/bin/env node
// The `homeostat` command: npx homeostat --help
import { runCli } from "../src/cli/run.ts";

const abort = new AbortController();
process.once("SIGINT", () => abort.abort());

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  signal: abort.signal,
});
