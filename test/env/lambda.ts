/**
 * Runs a handler bundle the way Lambda does: the Runtime Interface Emulator (aws-lambda-rie) starts
 * Node with the runtime interface client (aws-lambda-ric) on the bundle, and invocations go through
 * the emulator's invoke API. Both are built on demand by scripts/build-lambda-runtime.sh into the
 * cache outside the repository (like the control plane, test/env/binaries.ts).
 *
 * @example
 * const fn = await startFunction({ dir: bundle.dir, handler: "bundle.handler", env: { AWS_REGION: "eu-west-1" } });
 * const answer = await fn.invoke({ "detail-type": "…" });
 * await fn.stop();
 */
import { spawn } from "node:child_process";
import { accessSync, constants, existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { BuildError, cacheDir, REPO_ROOT } from "./binaries.ts";
import { freePort, spawnDetached, stopProcesses } from "./processes.ts";

/** Keep in step with scripts/build-lambda-runtime.sh. */
export const LAMBDA_RUNTIME_VERSIONS = {
  rie: process.env.RIE_VERSION ?? "v0.0.0-20261030222936-bef5c4ba774d",
  ric: process.env.RIC_VERSION ?? "4.0.2",
} as const;

const BUILD_SCRIPT = join(REPO_ROOT, "scripts/build-lambda-runtime.sh");

export interface LambdaRuntime {
  /** aws-lambda-rie */
  rie: string;
  /** aws-lambda-ric's entry (index.mjs) */
  ric: string;
  /** the Node that runs the function: the pinned one (Lambda's nodejs24.x) */
  node: string;
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function lambdaRuntimePaths(): LambdaRuntime {
  const node = process.execPath;
  const ricDir = join(
    cacheDir(),
    "lambda",
    `aws-lambda-ric-${LAMBDA_RUNTIME_VERSIONS.ric}-node${process.versions.node}`,
    "node_modules",
    "aws-lambda-ric",
  );
  return {
    rie: join(cacheDir(), "bin", `aws-lambda-rie-${LAMBDA_RUNTIME_VERSIONS.rie}`, "aws-lambda-rie"),
    ric: join(ricDir, "index.mjs"),
    node,
  };
}

function ready(paths: LambdaRuntime): boolean {
  return executable(paths.rie) && existsSync(join(paths.ric, "..", "rapid-client.node"));
}

/** The emulator and the runtime interface client, built into the cache when missing (progress on stderr). */
export async function ensureLambdaRuntime(): Promise<LambdaRuntime> {
  const paths = lambdaRuntimePaths();
  if (ready(paths)) return paths;
  process.stderr.write(
    "[lambda] building the Runtime Interface Emulator and the Node runtime interface client into " +
      `${cacheDir()} (once per machine: about 5 minutes on 2 cores)\n`,
  );
  await new Promise<void>((resolvePromise, reject) => {
    const child = spawn("bash", [BUILD_SCRIPT], {
      cwd: REPO_ROOT,
      stdio: ["ignore", 2, 2],
      env: {
        ...process.env,
        RIE_VERSION: LAMBDA_RUNTIME_VERSIONS.rie,
        RIC_VERSION: LAMBDA_RUNTIME_VERSIONS.ric,
      },
    });
    child.on("error", (error) => reject(new BuildError(`could not run ${BUILD_SCRIPT}: ${error.message}`)));
    child.on("exit", (code) =>
      code === 0
        ? resolvePromise()
        : reject(
            new BuildError(
              `building the Lambda runtime failed (exit ${code}); the reason is in the output above.\n` +
                `fix: run bash ${BUILD_SCRIPT} and follow what it says (Go, the Debian build packages, npm ci)`,
            ),
          ),
    );
  });
  if (!ready(paths)) {
    throw new BuildError(`the build finished but ${paths.rie} or ${paths.ric}'s native client is missing`);
  }
  return paths;
}

export interface FunctionOptions {
  /** The function's folder (LAMBDA_TASK_ROOT): what SST zips. */
  dir: string;
  /** Lambda's handler setting, e.g. `bundle.handler`. */
  handler: string;
  /** The function's environment, as the stack sets it (plus credentials and endpoints). */
  env: Record<string, string>;
  name?: string;
  timeoutSeconds?: number;
  memoryMb?: number;
  logPath: string;
}

export interface InvokeAnswer {
  status: number;
  /** the handler's result, or Lambda's error document ({ errorType, errorMessage, … }) */
  body: unknown;
  /** set when the handler threw: the runtime reports the error as `X-Amz-Function-Error: Unhandled` */
  functionError: string | undefined;
}

export interface RunningFunction {
  invoke(event: unknown): Promise<InvokeAnswer>;
  /** The emulator's and the function's log so far. */
  log(): string;
  /** INIT durations the emulator reported (one per started runtime process). */
  initDurationsMs(): number[];
  /**
   * Each invocation's duration from the emulator's REPORT lines, in order. The emulator starts the
   * runtime inside the first invocation, so the first one includes the INIT.
   */
  invokeDurationsMs(): number[];
  /** Peak resident memory (VmHWM) of the function's Node process (the emulator's child), in bytes. */
  runtimePeakRss(): number | undefined;
  stop(): Promise<void>;
}

/** Peak resident memory of a process (VmHWM), in bytes. */
function peakResidentBytes(pid: number): number | undefined {
  try {
    const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
    return kb ? Number(kb) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** The Node process the emulator started (its only child; Go forks from any of its threads). */
function runtimePid(emulatorPid: number): number | undefined {
  try {
    for (const task of readdirSync(`/proc/${emulatorPid}/task`)) {
      const children = readFileSync(`/proc/${emulatorPid}/task/${task}/children`, "utf8").trim();
      if (children) return Number(children.split(/\s+/)[0]);
    }
  } catch {
    // the emulator is gone
  }
  return undefined;
}

/** Starts the emulator for one function; the runtime itself starts at the first invocation, as Lambda's does. */
export async function startFunction(options: FunctionOptions): Promise<RunningFunction> {
  const runtime = await ensureLambdaRuntime();
  const [apiPort, runtimeApiPort] = [await freePort(), await freePort()];
  const name = options.name ?? "function";
  const record = spawnDetached({
    name: `lambda ${name}`,
    command: runtime.rie,
    args: [
      "--runtime-interface-emulator-address",
      `127.0.0.1:${apiPort}`,
      "--runtime-api-address",
      `127.0.0.1:${runtimeApiPort}`,
      runtime.node,
      runtime.ric,
      options.handler,
    ],
    cwd: options.dir,
    logPath: options.logPath,
    // Only what Lambda itself sets, and the function's own environment: nothing leaks in from the test runner.
    env: {
      PATH: "/usr/local/bin:/usr/bin:/bin",
      LANG: "en_US.UTF-8",
      TZ: ":UTC",
      LAMBDA_TASK_ROOT: options.dir,
      AWS_LAMBDA_FUNCTION_NAME: name,
      AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(options.memoryMb ?? 512),
      AWS_LAMBDA_FUNCTION_TIMEOUT: String(options.timeoutSeconds ?? 120),
      AWS_LAMBDA_INITIALIZATION_TYPE: "on-demand",
      AWS_EXECUTION_ENV: "AWS_Lambda_nodejs24.x",
      AWS_LAMBDA_LOG_FORMAT: "JSON",
      ...options.env,
    },
    match: runtime.rie,
  });
  const url = `http://127.0.0.1:${apiPort}/2015-03-31/functions/function/invocations`;
  const log = () => (existsSync(options.logPath) ? readFileSync(options.logPath, "utf8") : "");
  // the emulator listens at once; wait for its socket before the first invoke
  for (let attempt = 0; ; attempt++) {
    try {
      await fetch(`http://127.0.0.1:${apiPort}/`, { signal: AbortSignal.timeout(1000) });
      break;
    } catch (error) {
      if (attempt >= 100) {
        await stopProcesses([record]);
        throw new Error(`the emulator for ${name} did not listen on ${apiPort}: ${String(error)}\n${log()}`);
      }
      await sleep(50);
    }
  }
  return {
    async invoke(event) {
      const response = await fetch(url, { method: "POST", body: JSON.stringify(event) });
      const text = await response.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // a non-JSON answer stays text: the test shows it
      }
      const errorType =
        typeof body === "object" && body !== null && "errorType" in body ? String(body.errorType) : undefined;
      return { status: response.status, body, functionError: errorType };
    },
    log,
    initDurationsMs: () =>
      [...log().matchAll(/INIT REPORT\(durationMs: ([\d.]+)\)/g)].map((match) => Number(match[1])),
    invokeDurationsMs: () =>
      [
        ...log().matchAll(/^REPORT RequestId: \S+\t(?:Init Duration: [\d.]+ ms\t)?Duration: ([\d.]+) ms/gm),
      ].map((match) => Number(match[1])),
    runtimePeakRss() {
      const pid = runtimePid(record.pid);
      return pid === undefined ? undefined : peakResidentBytes(pid);
    },
    async stop() {
      const child = runtimePid(record.pid);
      await stopProcesses([record]);
      if (child !== undefined) {
        try {
          process.kill(child, "SIGKILL");
        } catch {
          // gone with the emulator
        }
      }
    },
  };
}
