/**
 * Generates SST's platform (.sst/platform: the `sst`, `aws` and `$` globals, their components and
 * the Pulumi provider types) so tsconfig.infra.json can typecheck sst.config.ts and stacks/ on a
 * machine without internet access beyond the npm registry.
 *
 * `sst install` normally downloads Pulumi and Bun; the `bun` npm package provides Bun, and
 * SST_SKIP_DEPENDENCY_CHECK skips Pulumi, which a typecheck never runs. Regenerates only when the
 * platform is missing, incomplete, from another SST version or older than sst.config.ts (or with --force).
 *
 * Usage: node scripts/sst-platform.ts [--force]   (run by `npm run typecheck:infra`)
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, realpathSync, statSync } from "node:fs";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const platformDir = join(root, ".sst", "platform");
const log = (message: string) => console.log(`[sst-platform] ${message}`);

class PlatformError extends Error {
  override name = "PlatformError";
}

function readJsonVersion(path: string): string | undefined {
  if (!existsSync(path)) return undefined;
  const parsed: unknown = JSON.parse(readFileSync(path, "utf8"));
  return typeof parsed === "object" && parsed !== null && "version" in parsed
    ? String(parsed.version)
    : undefined;
}

function installedSstVersion(): string {
  const version = readJsonVersion(join(root, "node_modules", "sst", "package.json"));
  if (!version) {
    throw new PlatformError("the sst package is not installed (node_modules/sst). Fix: run `npm ci`.");
  }
  return version;
}

/** Why the platform must be (re)generated, or undefined when it is current. */
function staleReason(sstVersion: string): string | undefined {
  const versionFile = join(platformDir, "version");
  if (!existsSync(versionFile)) return ".sst/platform does not exist yet";
  const platformVersion = readFileSync(versionFile, "utf8").trim();
  if (platformVersion !== sstVersion) {
    return `.sst/platform is from SST ${platformVersion}, node_modules has SST ${sstVersion}`;
  }
  if (!existsSync(join(platformDir, "config.d.ts"))) return ".sst/platform/config.d.ts is missing";
  // a previous install interrupted while fetching the platform's packages
  if (!existsSync(join(platformDir, "node_modules", "@pulumi", "aws", "package.json"))) {
    return ".sst/platform/node_modules is incomplete (no @pulumi/aws)";
  }
  // sst.config.ts declares the providers (and their versions) the platform's types come from
  const lock = join(root, ".sst", "provider-lock.json");
  if (!existsSync(lock) || statSync(join(root, "sst.config.ts")).mtimeMs > statSync(lock).mtimeMs) {
    return "sst.config.ts changed since the platform was generated (its providers may have)";
  }
  return undefined;
}

/** The real Bun binary behind node_modules/.bin/bun, checked to run. */
function bunBinary(): string {
  const link = join(root, "node_modules", ".bin", "bun");
  if (!existsSync(link)) {
    throw new PlatformError("node_modules/.bin/bun is missing. Fix: run `npm ci` (bun is a devDependency).");
  }
  const binary = realpathSync(link);
  const probe = spawnSync(binary, ["--version"], { encoding: "utf8" });
  if (probe.status !== 0) {
    throw new PlatformError(
      `${binary} does not run (${probe.error?.message || probe.stderr.trim() || `exit ${probe.status}`}). ` +
        "The bun package puts its real binary in place in its install script. " +
        "Fix: run `npm rebuild bun` (and make sure install scripts are allowed for bun).",
    );
  }
  log(`using Bun ${probe.stdout.trim()} at ${binary}`);
  return binary;
}

function generate(sstVersion: string, reason: string): void {
  log(`generating .sst/platform for SST ${sstVersion}: ${reason}`);
  const env = {
    ...process.env,
    SST_BUN_PATH: bunBinary(),
    SST_SKIP_DEPENDENCY_CHECK: "1",
    SST_STAGE: "dev",
    // nothing to report, and no network calls beyond the registry
    SST_TELEMETRY_DISABLED: "1",
    // whatever SST spawns uses the project's pinned Node, not the system's
    PATH: [join(root, "node_modules", ".bin"), process.env.PATH ?? ""].join(delimiter),
  };
  log(
    "running: SST_BUN_PATH=<bun> SST_SKIP_DEPENDENCY_CHECK=1 SST_STAGE=dev npx sst install " +
      "(fetches the platform's packages from the npm registry)",
  );
  const started = Date.now();
  const result = spawnSync(
    process.execPath,
    [join(root, "node_modules", "sst", "bin", "sst.mjs"), "install"],
    {
      cwd: root,
      env,
      stdio: "inherit",
    },
  );
  if (result.status !== 0) {
    throw new PlatformError(
      `\`sst install\` failed (${result.error?.message ?? `exit ${result.status}`}). ` +
        "It needs the npm registry (for the platform's packages) and a valid sst.config.ts; read its output above. " +
        "Fix the cause, then run `npm run typecheck:infra` again (`node scripts/sst-platform.ts --force` regenerates).",
    );
  }
  const after = staleReason(sstVersion);
  if (after) {
    throw new PlatformError(`\`sst install\` finished but the platform is not usable: ${after}.`);
  }
  log(`generated .sst/platform in ${((Date.now() - started) / 1000).toFixed(1)}s`);
}

try {
  const sstVersion = installedSstVersion();
  const reason = process.argv.includes("--force") ? "--force" : staleReason(sstVersion);
  if (reason) {
    generate(sstVersion, reason);
  } else {
    log(`.sst/platform is current (SST ${sstVersion})`);
  }
} catch (error) {
  if (error instanceof PlatformError) {
    console.error(`[sst-platform] cannot generate SST's platform types: ${error.message}`);
    process.exit(1);
  }
  throw error;
}
