// a file that imports nothing, so it is safe here (see tsconfig.infra.json on packages/ imports)
/**
 * How the handlers are bundled: the one place for it. The stack passes NODEJS to every
 * `sst.aws.Function` (SST's CLI bundles with esbuild from these properties), and scripts/bundle.ts
 * builds the same bundles here with `esbuildOptions`, which restates what SST 4.17's Node runtime
 * (pkg/runtime/node/build.go in SST's source) does with those properties for a deploy:
 * ESM, platform node, mainFields module/main, keepNames, the createRequire banner, only sharp and
 * pg-native external, no source map unless `sourcemap` is set, minified when `minify` is true
 * (SST's Go default is false, whatever its docs say: set it).
 *
 * SST is pinned exactly in package.json: these settings are tied to 4.17, and an upgrade must
 * rerun the deployed and infra tests first.
 */

/**
 * The SST `nodejs` properties of every Homeostat function. `plugins` (relative to sst.config.ts) checks
 * the config at bundle time and embeds it validated, and turns ES imports of node:http into require()
 * (stacks/bundle-config.mjs, node-http-by-require.mjs).
 */
export const NODEJS = { format: "esm", minify: true, plugins: "stacks/bundle-config.mjs" } as const;

/** The Lambda runtime every function runs on, and esbuild's target for it (SST maps one to the other). */
export const LAMBDA_RUNTIME = "nodejs24.x";
export const ESBUILD_TARGET = "es2024";

/** SST always leaves these to `npm install` in the function's folder; Homeostat uses neither. */
export const FORCE_EXTERNAL = ["sharp", "pg-native"] as const;

/** SST's banner: `require`, `__filename` and `__dirname` for CommonJS code inside an ESM bundle. */
export const BANNER = [
  "import { createRequire as topLevelCreateRequire } from 'module';",
  "const require = topLevelCreateRequire(import.meta.url);",
  'import { fileURLToPath as topLevelFileUrlToPath, URL as topLevelURL } from "url"',
  "const __filename = topLevelFileUrlToPath(import.meta.url)",
  'const __dirname = topLevelFileUrlToPath(new topLevelURL(".", import.meta.url))',
  "",
].join("\n");

/**
 * The esbuild options SST 4.17 uses for one handler entry with NODEJS (a deploy, not `sst dev`),
 * but for `plugins`: SST loads NODEJS.plugins itself, the caller passes the same plugins here.
 */
export function esbuildOptions<P>(entry: string, outfile: string, plugins: P[]) {
  return {
    plugins,
    entryPoints: [entry],
    outfile,
    platform: "node" as const,
    format: NODEJS.format,
    target: ESBUILD_TARGET,
    mainFields: ["module", "main"],
    external: [...FORCE_EXTERNAL],
    keepNames: true,
    bundle: true,
    splitting: false,
    metafile: true,
    sourcemap: false,
    write: true,
    minifyWhitespace: NODEJS.minify,
    minifySyntax: NODEJS.minify,
    minifyIdentifiers: NODEJS.minify,
    banner: { js: BANNER },
  };
}
