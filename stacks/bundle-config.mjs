// The esbuild plugins of every function (plain JavaScript: SST's CLI loads this file with `node`,
// stacks/bundle.ts names it in NODEJS.plugins, and scripts/bundle.ts adds `bundlePlugins()` to its own
// esbuild run): the config check below, and node-http-by-require.mjs. The config is checked when
// the function is bundled, not at every cold start. The handler's `import … from "../homeostat.config.ts"`
// becomes the config as packages/core's loadConfig validated and parsed it, embedded as JSON, so the
// bundle carries no defineConfig call and no config schema to run. A config that does not validate fails
// the bundle (and so `sst deploy`) with loadConfig's message, which names the field.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { nodeHttpByRequire } from "./node-http-by-require.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

// Run on the project's Node 24 (type stripping), whatever Node loads this plugin: the config is TypeScript.
const READ_CONFIG = `
import { loadConfig } from "@homeostat/core/config";
const config = await loadConfig(process.argv[1]).catch((error) => {
  process.stderr.write(String(error?.message ?? error));
  process.exit(1);
});
process.stdout.write(JSON.stringify(config));
`;

/** The validated config of `file` as JSON text, or an Error whose message is loadConfig's. */
export function validatedConfigJson(file, root = ROOT) {
  const node = join(root, "node_modules", ".bin", "node");
  if (!existsSync(node)) throw new Error(`${node} is missing: run \`npm ci\` before bundling`);
  try {
    return execFileSync(node, ["--input-type=module", "-e", READ_CONFIG, file], {
      cwd: root,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
  } catch (error) {
    throw new Error(`${file} is not a valid Homeostat config:\n${error.stderr?.trim() || String(error)}`);
  }
}

/**
 * @param {{ configFile?: string }} [options] the config to embed instead of the one the handler imports
 *   (tests bundle the handlers with a config for the test cluster)
 */
export function validatedConfig(options = {}) {
  return {
    name: "homeostat-validated-config",
    setup(build) {
      build.onResolve({ filter: /(^|\/)homeostat\.config\.ts$/ }, (args) => ({
        path: options.configFile ?? resolve(args.resolveDir, args.path),
        namespace: "homeostat-config",
      }));
      build.onLoad({ filter: /.*/, namespace: "homeostat-config" }, (args) => {
        try {
          const json = validatedConfigJson(args.path);
          return {
            contents: `export default JSON.parse(${JSON.stringify(json)});`,
            loader: "js",
            watchFiles: [args.path],
          };
        } catch (error) {
          return { errors: [{ text: error.message }] };
        }
      });
    },
  };
}

/**
 * Every plugin of a function's bundle: the validated config, and node:http by require()
 * (node-http-by-require.mjs). SST loads the default export; scripts/bundle.ts calls this.
 * @param {{ configFile?: string }} [options]
 */
export function bundlePlugins(options = {}) {
  return [validatedConfig(options), nodeHttpByRequire()];
}

// SST's CLI loads this in the process of `sst deploy`: HOMEOSTAT_CONFIG (stacks/config.ts) picks the
// config file the stack reads, and the bundles embed the same one
const deployed = process.env.HOMEOSTAT_CONFIG;
export default bundlePlugins(deployed ? { configFile: resolve(ROOT, deployed) } : {});
