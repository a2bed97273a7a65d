// Where the control-plane binaries live, and building the missing ones with
// scripts/build-controlplane.sh (Go module proxy; cached outside the repository, keyed by version).
import { spawn } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const VERSIONS = {
  kubernetes: process.env.K8S_VERSION ?? "v1.34.4",
  etcd: process.env.ETCD_VERSION ?? "v3.6.16",
  kwok: process.env.KWOK_VERSION ?? "v0.8.0",
} as const;

export const BINARY_NAMES = [
  "etcd",
  "kube-apiserver",
  "kube-controller-manager",
  "kube-scheduler",
  "kwok",
] as const;
export type BinaryName = (typeof BINARY_NAMES)[number];
export type Binaries = Record<BinaryName, string>;

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const BUILD_SCRIPT = join(REPO_ROOT, "scripts/build-controlplane.sh");

export function cacheDir(): string {
  return process.env.HOMEOSTAT_CACHE ?? join(homedir(), ".cache/homeostat");
}

/** Paths of the five binaries: from HOMEOSTAT_PREBUILT_BIN when set, else the build cache. */
export function binaryPaths(): Binaries {
  const prebuilt = process.env.HOMEOSTAT_PREBUILT_BIN;
  if (prebuilt) {
    return Object.fromEntries(BINARY_NAMES.map((name) => [name, join(prebuilt, name)])) as Binaries;
  }
  const bin = join(cacheDir(), "bin");
  const k8s = join(bin, `kubernetes-${VERSIONS.kubernetes}`);
  return {
    etcd: join(bin, `etcd-${VERSIONS.etcd}`, "etcd"),
    "kube-apiserver": join(k8s, "kube-apiserver"),
    "kube-controller-manager": join(k8s, "kube-controller-manager"),
    "kube-scheduler": join(k8s, "kube-scheduler"),
    kwok: join(bin, `kwok-${VERSIONS.kwok}`, "kwok"),
  };
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function missingBinaries(paths: Binaries = binaryPaths()): BinaryName[] {
  return BINARY_NAMES.filter((name) => !executable(paths[name]));
}

export class BuildError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BuildError";
  }
}

/**
 * Builds the missing binaries one at a time, streaming the build's progress to stderr.
 * With HOMEOSTAT_PREBUILT_BIN set nothing is built: a missing file there is an error.
 */
export async function ensureBinaries(log: (line: string) => void): Promise<Binaries> {
  const paths = binaryPaths();
  const missing = missingBinaries(paths);
  if (missing.length === 0) return paths;
  if (process.env.HOMEOSTAT_PREBUILT_BIN) {
    throw new BuildError(
      `HOMEOSTAT_PREBUILT_BIN=${process.env.HOMEOSTAT_PREBUILT_BIN} lacks ${missing.join(", ")}.\n` +
        "fix: put executable etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok there, " +
        "or unset HOMEOSTAT_PREBUILT_BIN to build them from the Go module proxy (npm run testenv -- build)",
    );
  }
  log(
    `building ${missing.join(", ")} from the Go module proxy into ${join(cacheDir(), "bin")} ` +
      "(once per machine; a cold build of the control plane takes 15-40 minutes on 2 cores)",
  );
  for (const [index, name] of missing.entries()) {
    log(`[${index + 1}/${missing.length}] ${name}`);
    await runBuild(name);
  }
  const still = missingBinaries(paths);
  if (still.length > 0) {
    throw new BuildError(
      `the build finished but ${still.join(", ")} is still missing (see the output above)`,
    );
  }
  return paths;
}

/** toxiproxy (TCP faults, test/env/toxiproxy.ts): not part of the control plane, built on first use. */
export const TOXIPROXY_VERSION = process.env.TOXIPROXY_VERSION ?? "v2.5.0";

/** toxiproxy-server: HOMEOSTAT_PREBUILT_BIN/toxiproxy-server when set, else the build cache. */
export function toxiproxyPath(): string {
  const prebuilt = process.env.HOMEOSTAT_PREBUILT_BIN;
  if (prebuilt) return join(prebuilt, "toxiproxy-server");
  return join(cacheDir(), "bin", `toxiproxy-${TOXIPROXY_VERSION}`, "toxiproxy-server");
}

/** Builds toxiproxy into the cache when it is missing (3 min with an empty Go cache, 30 s with a warm one); returns toxiproxy-server's path. */
export async function ensureToxiproxy(log: (line: string) => void): Promise<string> {
  const path = toxiproxyPath();
  if (executable(path)) return path;
  if (process.env.HOMEOSTAT_PREBUILT_BIN) {
    throw new BuildError(
      `HOMEOSTAT_PREBUILT_BIN=${process.env.HOMEOSTAT_PREBUILT_BIN} lacks toxiproxy-server.\n` +
        "fix: put toxiproxy-server there, or unset HOMEOSTAT_PREBUILT_BIN to build it from the Go module proxy",
    );
  }
  log(`building toxiproxy ${TOXIPROXY_VERSION} from the Go module proxy into ${dirname(path)}`);
  await runBuild("toxiproxy");
  if (!executable(path)) throw new BuildError(`the build finished but ${path} is still missing`);
  return path;
}

async function runBuild(name: BinaryName | "toxiproxy"): Promise<void> {
  await new Promise<void>((resolvePromise, reject) => {
    // the build's own progress lines go straight to our stderr: stdout may be a test reporter
    const child = spawn("bash", [BUILD_SCRIPT, name], { cwd: REPO_ROOT, stdio: ["ignore", 2, 2] });
    child.on("error", (error) =>
      reject(new BuildError(`could not run ${BUILD_SCRIPT}: ${error.message}\nfix: install bash and Go`)),
    );
    child.on("exit", (code) => {
      if (code === 0) resolvePromise();
      else
        reject(
          new BuildError(
            `building ${name} failed (exit ${code}); the reason is in the output above.\n` +
              "fix: check Go is installed (go version; 1.24+), the Go module proxy is reachable " +
              "(GOPROXY), and there is disk space in the cache; or set HOMEOSTAT_PREBUILT_BIN " +
              "to a directory of prebuilt binaries",
          ),
        );
    });
  });
}
