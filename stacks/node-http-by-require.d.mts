// Types of stacks/node-http-by-require.mjs (plain JavaScript, loaded by SST's CLI with bundle-config.mjs).
import type { Plugin } from "esbuild";

export function nodeHttpByRequire(): Plugin;
