#!/usr/bin/env node
// The `homeostat` command: npx homeostat --help
//
// Plain JavaScript that any Node with ES modules parses (no TypeScript, no top-level await), so that
// an older Node gets one line saying what to do instead of a stack trace. It starts the bundle that
// scripts/build-cli.ts builds at install (dist/cli/: each command loads only its own chunks) when
// that bundle was built from the sources as they are now, else the TypeScript sources themselves.
// HOMEOSTAT_CLI=bundle insists on the bundle (exit 1 if missing or stale), HOMEOSTAT_CLI=sources on
// the sources.
import { readFileSync, statSync } from "node:fs";
import * as nodeModule from "node:module";

const NEEDED_MAJOR = 24;
const major = Number(process.versions.node.split(".")[0]);
if (!(major >= NEEDED_MAJOR)) {
  process.stderr.write(
    `homeostat needs Node ${NEEDED_MAJOR} or newer, and this is Node ${process.versions.node}: run it through npx in the Homeostat repository (npx homeostat …: the project pins Node ${NEEDED_MAJOR}), or install Node ${NEEDED_MAJOR} (nvm install ${NEEDED_MAJOR})\n`,
  );
  process.exit(1);
}

const bundleDir = new URL("../dist/cli/", import.meta.url);
const packageDir = new URL("../", import.meta.url);

/**
 * Why the bundle can't be used, or undefined when it can. The build lists the source files it
 * bundled with their modification times; one changed or gone means the sources moved on since (a
 * new file is reached only through a changed one). A stat per file costs well under a millisecond
 * for all of them.
 */
function bundleProblem() {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(new URL("sources.json", bundleDir), "utf8"));
  } catch {
    return "it is not built (npm ci builds it; or run npm run build:cli)";
  }
  for (const [file, mtimeMs] of Object.entries(manifest.sources)) {
    let now;
    try {
      now = statSync(new URL(file, packageDir)).mtimeMs;
    } catch {
      return `${file} is gone since it was built (run npm run build:cli)`;
    }
    if (now !== mtimeMs) return `${file} changed since it was built (run npm run build:cli)`;
  }
  return undefined;
}

const wanted = process.env.HOMEOSTAT_CLI;
const problem = wanted === "sources" ? "HOMEOSTAT_CLI=sources" : bundleProblem();
if (wanted === "bundle" && problem) {
  process.stderr.write(`homeostat: HOMEOSTAT_CLI=bundle, but the bundle can't be used: ${problem}\n`);
  process.exit(1);
}
// V8's code cache on disk (in the OS temp directory): later runs skip compiling the bundle's chunks
if (!problem) nodeModule.enableCompileCache();
import(problem ? "../src/cli/main.ts" : new URL("main.mjs", bundleDir).href);
