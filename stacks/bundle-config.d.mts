// Types of stacks/bundle-config.mjs (plain JavaScript, so that SST's CLI can load it with any Node).
import type { Plugin } from "esbuild";

export function validatedConfigJson(file: string, root?: string): string;
export function validatedConfig(options?: { configFile?: string }): Plugin;
export function bundlePlugins(options?: { configFile?: string }): Plugin[];
declare const plugins: Plugin[];
export default plugins;
