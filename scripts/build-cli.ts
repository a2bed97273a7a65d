// Bundles the homeostat CLI into packages/core/dist/cli/ (npm's `prepare`, so `npm ci` builds it):
// one file per command's needs instead of hundreds of TypeScript sources stripped at every start.
// Code splitting turns each dynamic import of the CLI (the verbs, plan/invoke, eks token, the EKS
// access) into chunks of its own, so `scale` loads client-node but not the AWS SDK, Powertools, the
// config schema or the pipeline. bin/homeostat.js runs the bundle while sources.json (every source
// file bundled, with its modification time) matches the sources; else the sources.
//
//   npm run build:cli
import { mkdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { build, type Metafile, type Plugin } from "esbuild";
import { nodeHttpByRequire } from "../stacks/node-http-by-require.mjs";

const REPO_ROOT = resolve(import.meta.dirname, "..");
export const CORE_DIR = join(REPO_ROOT, "packages/core");
export const CLI_BUNDLE_DIR = join(CORE_DIR, "dist/cli");

/**
 * Tells esbuild that a package's modules do nothing when imported but define things, so the ones
 * nothing uses are left out. client-node's index re-exports the generated API of every group (three
 * layers each); the CLI uses four groups.
 */
function sideEffectFree(pkg: string): Plugin {
  return {
    name: `side-effect-free:${pkg}`,
    setup(build) {
      const inPackage = `node_modules/${pkg}/`;
      build.onResolve({ filter: /.*/ }, async (args) => {
        if (args.pluginData === pkg) return undefined;
        const importer = args.importer;
        if (args.path !== pkg && !importer.includes(inPackage)) return undefined;
        const resolved = await build.resolve(args.path, {
          kind: args.kind,
          importer: args.importer,
          resolveDir: args.resolveDir,
          pluginData: pkg,
        });
        if (resolved.errors.length > 0 || !resolved.path.includes(inPackage)) {
          return undefined;
        }
        return { ...resolved, sideEffects: false };
      });
    },
  };
}

/** client-node's imports of undici, answered by scripts/build-cli-undici.cjs (why: there). */
function slimUndiciForClientNode(): Plugin {
  return {
    name: "slim-undici",
    setup(build) {
      build.onResolve({ filter: /^undici$/ }, (args) =>
        args.importer.includes("node_modules/@kubernetes/client-node/")
          ? { path: join(REPO_ROOT, "scripts/build-cli-undici.cjs") }
          : undefined,
      );
    },
  };
}

/**
 * Builds the bundle; returns esbuild's metafile (what went into which chunk). `write: false` only
 * computes it (the test of what each command loads).
 */
export async function buildCli({ write = true }: { write?: boolean } = {}): Promise<Metafile> {
  const startedAt = Date.now();
  if (write) {
    rmSync(CLI_BUNDLE_DIR, { recursive: true, force: true });
    mkdirSync(CLI_BUNDLE_DIR, { recursive: true });
  }
  const result = await build({
    absWorkingDir: REPO_ROOT,
    entryPoints: [join(CORE_DIR, "src/cli/main.ts")],
    outdir: CLI_BUNDLE_DIR,
    // .mjs: an ES module whatever package.json is near (Node need not look)
    outExtension: { ".js": ".mjs" },
    chunkNames: "chunks/[name]-[hash]",
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node24",
    // ESM first: the AWS SDK's dist-es tree-shakes, its CommonJS build does not
    mainFields: ["module", "main"],
    // CommonJS dependencies inside an ES module bundle still call require() for Node's built-ins
    banner: {
      js: 'import { createRequire as __homeostatRequire } from "node:module";\nconst require = __homeostatRequire(import.meta.url);',
    },
    // less to read and compile at every start; errors reach people as messages, not stack traces
    minify: true,
    plugins: [sideEffectFree("@kubernetes/client-node"), slimUndiciForClientNode(), nodeHttpByRequire()],
    metafile: true,
    write,
    logLevel: "warning",
  });
  if (!write) return result.metafile;
  // written last: a build that failed half-way leaves no manifest, and the bin runs the sources
  const sources = Object.fromEntries(
    Object.keys(result.metafile.inputs)
      // files only: not packages, nor a plugin's virtual module (`namespace:path`)
      .filter((input) => !input.includes("node_modules/") && !/^[\w-]+:/.test(input))
      .map((input) => {
        const { mtimeMs } = statSync(join(REPO_ROOT, input));
        // changed while the build read it: which version went in is unknown, so never a match
        return [relative(CORE_DIR, join(REPO_ROOT, input)), mtimeMs >= startedAt ? -1 : mtimeMs];
      }),
  );
  writeFileSync(join(CLI_BUNDLE_DIR, "sources.json"), `${JSON.stringify({ sources }, null, 2)}\n`);
  return result.metafile;
}

if (import.meta.main) {
  const metafile = await buildCli();
  const bytes = Object.values(metafile.outputs).reduce((sum, output) => sum + output.bytes, 0);
  process.stderr.write(
    `built the homeostat CLI: ${relative(REPO_ROOT, CLI_BUNDLE_DIR)}/ (${Object.keys(metafile.outputs).length} files, ${(bytes / 1024 / 1024).toFixed(1)} MiB)\n`,
  );
}
