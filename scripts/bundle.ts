/**
 * Bundles each Lambda handler the way SST 4.17 does for `sst deploy` (the settings are in
 * stacks/bundle.ts, which the stack passes to SST too): one folder per function with its
 * `bundle.mjs`, Lambda's handler string `bundle.<export>`.
 *
 *   node scripts/bundle.ts [outDir=.homeostat/bundles] [handler ...]     (handlers: alarm, node-events, …)
 *
 * The tests (test/deployed/, test/infra/) and the cold-start benchmark run these bundles; the infra
 * tests answer SST's Runtime.Build with `bundleHandler`, so a handler path the stack names that has
 * no file or no such export fails there as it fails `sst deploy`.
 */
import { existsSync, mkdirSync, rmSync, statSync } from "node:fs";
import { basename, dirname, extname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { esbuildOptions } from "../stacks/bundle.ts";
import { bundlePlugins } from "../stacks/bundle-config.mjs";
import { FUNCTION_SUFFIX, HANDLERS, type HandlerKey } from "../stacks/handlers.ts";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** The file extensions SST tries for a handler path, in its order (pkg/runtime/node/node.go). */
const NODE_EXTENSIONS = [".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs"];

export interface HandlerBundle {
  /** The function's folder: what SST zips. */
  dir: string;
  file: string;
  /** Lambda's handler setting: `bundle.<export>`. */
  handler: string;
  bytes: number;
}

export class BundleError extends Error {
  override readonly name = "BundleError";
}

/** The source file a handler path names (`functions/alarm.handler` → functions/alarm.ts), as SST finds it. */
function handlerSource(handler: string, root: string): { file: string; exportName: string } {
  const exportName = extname(handler).slice(1);
  const base = handler.slice(0, -extname(handler).length);
  for (const extension of NODE_EXTENSIONS) {
    const file = join(root, base + extension);
    if (existsSync(file)) return { file, exportName };
  }
  throw new BundleError(`Handler not found: ${handler} (no ${base}.ts or .js in ${root})`);
}

export interface BundleOptions {
  /** The config to embed (validated now) instead of the repository's homeostat.config.ts. */
  configFile?: string;
  root?: string;
}

/**
 * Bundles one handler path (`functions/alarm.handler`) into `dir`, with the config checked and
 * embedded (stacks/bundle-config.mjs); fails on a missing file or export, or a config that does not validate.
 */
export async function bundleHandler(
  handler: string,
  dir: string,
  { configFile, root = ROOT }: BundleOptions = {},
): Promise<HandlerBundle> {
  const { file: entry, exportName } = handlerSource(handler, root);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const file = join(dir, "bundle.mjs");
  const plugins = bundlePlugins(configFile ? { configFile: resolve(configFile) } : {});
  let result: Awaited<ReturnType<typeof build>>;
  try {
    result = await build({
      ...esbuildOptions(entry, file, plugins),
      logLevel: "silent",
      absWorkingDir: root,
    });
  } catch (error) {
    const errors = (error as { errors?: { text: string }[] }).errors;
    throw new BundleError(
      `bundling ${handler} failed:\n${errors?.map((e) => e.text).join("\n") ?? String(error)}`,
    );
  }
  const metafile = result.metafile as NonNullable<typeof result.metafile>;
  const output = Object.values(metafile.outputs).find((out) => out.entryPoint !== undefined);
  if (!output?.exports.includes(exportName)) {
    throw new BundleError(
      `${relative(root, entry)} has no export "${exportName}" (it exports ${output?.exports.join(", ") || "nothing"}); fix the handler path ${handler}`,
    );
  }
  return {
    dir,
    file,
    handler: `${basename(file, ".mjs")}.${exportName}`,
    bytes: statSync(file).size,
  };
}

/** Bundles the named handlers (default: all four) into `<outDir>/<handler name>/`. */
export async function bundleHandlers(
  outDir: string,
  names: readonly string[] = Object.values(FUNCTION_SUFFIX),
  options: BundleOptions = {},
): Promise<Record<string, HandlerBundle>> {
  const keys = (Object.keys(HANDLERS) as HandlerKey[]).filter((key) => names.includes(FUNCTION_SUFFIX[key]));
  const unknown = names.filter((name) => !Object.values(FUNCTION_SUFFIX).includes(name as never));
  if (unknown.length > 0) {
    throw new BundleError(
      `no handler ${unknown.join(", ")}; the handlers are ${Object.values(FUNCTION_SUFFIX).join(", ")}`,
    );
  }
  const bundles: Record<string, HandlerBundle> = {};
  for (const key of keys) {
    const name = FUNCTION_SUFFIX[key];
    bundles[name] = await bundleHandler(HANDLERS[key].handler, join(outDir, name), options);
  }
  return bundles;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [outDir = join(ROOT, ".homeostat", "bundles"), ...names] = process.argv.slice(2);
  try {
    const bundles = await bundleHandlers(resolve(outDir), names.length > 0 ? names : undefined);
    for (const [name, bundle] of Object.entries(bundles)) {
      console.log(`${name}\t${(bundle.bytes / 1e6).toFixed(2)} MB\t${relative(process.cwd(), bundle.file)}`);
    }
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  }
}
