// up / down / status of the local test environment, shared by the CLI (test/env/cli.ts) and
// vitest's global setup. State lives in .testenv/ (git-ignored); binaries in the build cache.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { ensureBinaries, VERSIONS } from "./binaries.ts";
import { addNode, ZONES } from "./cluster.ts";
import {
  httpsGet,
  layout,
  startApiserver,
  startControllerManager,
  startEtcd,
  startKwok,
  startMoto,
  startScheduler,
  startSlackStandin,
  startTokenWebhook,
  writeKubeconfig,
} from "./controlplane.ts";
import { adminKube, ENV_FILE, processRecordSchema, TESTENV_DIR, type TestEnv, testEnvSchema } from "./env.ts";
import { generatePki } from "./pki.ts";
import {
  ComponentError,
  freePort,
  isRunning,
  type ProcessRecord,
  residentBytes,
  stopProcesses,
} from "./processes.ts";

export const ACCOUNT_ID = "123456789012";
export const REGION = "us-east-1";
export const CLUSTER_NAME = "homeostat-test";
export const SLACK_TOKEN = "xoxb-homeostat-test";
export const ROLES = {
  automation: `arn:aws:iam::${ACCOUNT_ID}:role/homeostat-automation`,
  readonly: `arn:aws:iam::${ACCOUNT_ID}:role/homeostat-readonly`,
} as const;
export const GROUPS = { automation: "homeostat:automation", readonly: "homeostat:readonly" } as const;
const DEFAULT_NODE_COUNT = 3;

// pids of everything started so far, written as each process starts: lets `down` clean up after
// an `up` that was interrupted before env.json existed
const STARTED_FILE = join(TESTENV_DIR, "started.json");
const LOCK_FILE = join(TESTENV_DIR, "lock");
const LEASES_DIR = join(TESTENV_DIR, "leases");

export type Log = (line: string) => void;

// ---------------------------------------------------------------------------------------------
// one `up` or `down` at a time (a person and a test run may race)

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function withLock<T>(log: Log, body: () => Promise<T>): Promise<T> {
  mkdirSync(TESTENV_DIR, { recursive: true });
  let announced = false;
  for (;;) {
    try {
      writeFileSync(LOCK_FILE, String(process.pid), { flag: "wx" });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const holder = Number(readFileSync(LOCK_FILE, "utf8").trim() || "0");
      if (!holder || !pidAlive(holder)) {
        rmSync(LOCK_FILE, { force: true });
        continue;
      }
      if (!announced) {
        log(`waiting for another testenv command (pid ${holder}) to finish`);
        announced = true;
      }
      await sleep(500);
    }
  }
  try {
    return await body();
  } finally {
    mkdirSync(TESTENV_DIR, { recursive: true });
    rmSync(LOCK_FILE, { force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// inspecting what runs

function readEnvFile(): TestEnv | undefined {
  if (!existsSync(ENV_FILE)) return undefined;
  try {
    return testEnvSchema.parse(JSON.parse(readFileSync(ENV_FILE, "utf8")));
  } catch {
    return undefined;
  }
}

function readStarted(): ProcessRecord[] {
  if (!existsSync(STARTED_FILE)) return [];
  try {
    return processRecordSchema.array().parse(JSON.parse(readFileSync(STARTED_FILE, "utf8")));
  } catch {
    return [];
  }
}

export interface ComponentStatus {
  readonly name: string;
  readonly pid: number;
  readonly running: boolean;
  readonly rssBytes: number;
  readonly log: string;
}

export interface EnvStatus {
  readonly env: TestEnv | undefined;
  readonly components: ComponentStatus[];
  /** every process runs and the apiserver and moto answer */
  readonly healthy: boolean;
  readonly problems: string[];
}

export async function inspect(): Promise<EnvStatus> {
  const env = readEnvFile();
  if (!env) {
    const leftovers = readStarted().filter(isRunning);
    return {
      env,
      components: leftovers.map((p) => ({ ...p, running: true, rssBytes: residentBytes(p.pid) })),
      healthy: false,
      problems: [
        leftovers.length > 0
          ? `no env.json, but processes from an interrupted start run: ${leftovers.map((p) => p.name).join(", ")}`
          : "not running (no .testenv/env.json)",
      ],
    };
  }
  const components = env.processes.map((p) => {
    const running = isRunning(p);
    return { name: p.name, pid: p.pid, log: p.log, running, rssBytes: running ? residentBytes(p.pid) : 0 };
  });
  const problems = components.filter((c) => !c.running).map((c) => `${c.name} (pid ${c.pid}) is not running`);
  if (problems.length === 0) {
    try {
      const tls = {
        ca: await readFile(env.caFile),
        cert: await readFile(join(env.dir, "pki/admin.crt")),
        key: await readFile(join(env.dir, "pki/admin.key")),
      };
      const res = await httpsGet(`${env.server}/readyz`, tls);
      if (res.status !== 200)
        problems.push(`kube-apiserver /readyz answered ${res.status}: ${res.body.slice(0, 300)}`);
    } catch (error) {
      problems.push(`kube-apiserver does not answer: ${(error as Error).message}`);
    }
    try {
      await fetch(`${env.motoUrl}/moto-api/`, { signal: AbortSignal.timeout(3000) });
    } catch (error) {
      problems.push(`moto does not answer: ${(error as Error).message}`);
    }
  }
  return { env, components, healthy: problems.length === 0, problems };
}

// ---------------------------------------------------------------------------------------------
// up

export interface UpOptions {
  readonly startedBy: "cli" | "vitest";
  readonly log: Log;
}

export interface UpResult {
  readonly env: TestEnv;
  readonly reused: boolean;
  readonly durationMs: number;
}

export async function up(options: UpOptions): Promise<UpResult> {
  const started = Date.now();
  const { log } = options;
  // building can take long: do it before taking the lock, so `status` and `down` stay usable
  const binaries = await ensureBinaries(log);
  return await withLock(log, async () => {
    const current = await inspectPatiently(log);
    if (current.env && current.healthy) {
      return { env: current.env, reused: true, durationMs: Date.now() - started };
    }
    const stale = [...(current.env?.processes ?? []), ...readStarted()];
    if (stale.length > 0) {
      log(
        `environment is partly down (${current.problems.join("; ")}): stopping what is left and starting afresh`,
      );
      await stopProcesses(stale);
    }
    clearState();
    const env = await startEverything(binaries, options);
    writeFileSync(ENV_FILE, `${JSON.stringify(env, null, 2)}\n`);
    rmSync(STARTED_FILE, { force: true });
    return { env, reused: false, durationMs: Date.now() - started };
  });
}

/**
 * `inspect`, asked again while every process runs but a probe fails: on a busy machine moto (one
 * request at a time) or the API server can take longer than a probe's timeout to answer, and
 * restarting then would kill the environment under every test run that uses it. Only a dead process,
 * or probes that keep failing for a minute, count as down.
 */
async function inspectPatiently(log: Log): Promise<EnvStatus> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const current = await inspect();
    const allRunning = current.components.length > 0 && current.components.every((c) => c.running);
    if (current.healthy || !current.env || !allRunning || Date.now() > deadline) return current;
    log(`the environment runs but does not answer yet (${current.problems.join("; ")}); asking again`);
    await sleep(3000);
  }
}

function clearState(): void {
  // everything but the lock we hold
  if (!existsSync(TESTENV_DIR)) return;
  for (const entry of readdirSync(TESTENV_DIR)) {
    if (entry === "lock") continue;
    rmSync(join(TESTENV_DIR, entry), { recursive: true, force: true });
  }
}

async function startEverything(
  binaries: Awaited<ReturnType<typeof ensureBinaries>>,
  options: UpOptions,
): Promise<TestEnv> {
  const { log } = options;
  const processes: ProcessRecord[] = [];
  const l = layout(TESTENV_DIR, (record) => {
    processes.push(record);
    writeFileSync(STARTED_FILE, JSON.stringify(processes));
  });
  for (const dir of [l.dir, l.logs, l.pki, l.etcdData, l.certs]) mkdirSync(dir, { recursive: true });
  try {
    log("generating certificates (openssl)");
    const pki = generatePki(l.pki);
    const { motoPort, slackPort, webhookPort, etcdClient, etcdPeer, apiPort, cmPort, schedPort, kwokPort } =
      await freePorts([
        "motoPort",
        "slackPort",
        "webhookPort",
        "etcdClient",
        "etcdPeer",
        "apiPort",
        "cmPort",
        "schedPort",
        "kwokPort",
      ] as const);

    log("starting moto, the Slack stand-in, the token webhook and etcd");
    // independent of one another; the webhook only needs moto's URL at request time
    const [moto, slack, webhook, etcd] = await allOrFirstError([
      startMoto(l, motoPort),
      startSlackStandin(l, slackPort, SLACK_TOKEN),
      startTokenWebhook(l, webhookPort, {
        motoUrl: `http://127.0.0.1:${motoPort}`,
        clusterName: CLUSTER_NAME,
        tls: pki.webhook,
      }),
      startEtcd(l, binaries, { client: etcdClient, peer: etcdPeer }),
    ] as const);

    log("starting kube-apiserver");
    const apiserver = await startApiserver(l, binaries, pki, {
      port: apiPort,
      etcdUrl: etcd.url,
      webhookUrl: webhook.url,
    });
    const kubeconfig = join(l.dir, "admin.kubeconfig");
    writeKubeconfig(kubeconfig, {
      server: apiserver.server,
      caFile: pki.ca.cert,
      user: "homeostat-admin",
      client: pki.admin,
    });

    log("starting kube-controller-manager, kube-scheduler and kwok");
    const server = apiserver.server;
    await allOrFirstError([
      startControllerManager(l, binaries, pki, { port: cmPort, server, clusterName: CLUSTER_NAME }),
      startScheduler(l, binaries, pki, { port: schedPort, server }),
      startKwok(l, binaries, pki, { port: kwokPort, server }),
    ] as const);

    log(`creating ${DEFAULT_NODE_COUNT} EKS-like kwok nodes`);
    const env: TestEnv = {
      kubeconfig,
      server,
      caFile: pki.ca.cert,
      motoUrl: moto.url,
      slackUrl: slack.url,
      slackToken: SLACK_TOKEN,
      webhookUrl: webhook.url,
      region: REGION,
      accountId: ACCOUNT_ID,
      clusterName: CLUSTER_NAME,
      roles: { ...ROLES },
      groups: { ...GROUPS },
      nodes: [],
      processes,
      versions: {
        kubernetes: VERSIONS.kubernetes,
        etcd: VERSIONS.etcd,
        kwok: VERSIONS.kwok,
        node: process.version,
      },
      startedBy: options.startedBy,
      startedAt: new Date().toISOString(),
      dir: l.dir,
    };
    const kube = adminKube(env);
    const nodes = await Promise.all(
      ZONES.slice(0, DEFAULT_NODE_COUNT).map((zone) => addNode(kube, { zone, timeoutMs: 60_000 })),
    );
    return { ...env, nodes: nodes.map((n) => n.name) };
  } catch (error) {
    log("start failed: stopping the processes started so far (logs are kept in .testenv/logs)");
    await stopProcesses(processes);
    rmSync(STARTED_FILE, { force: true });
    if (error instanceof ComponentError) throw error;
    throw new ComponentError(
      "startup",
      `failed: ${error instanceof Error ? error.message : String(error)}`,
      "see .testenv/logs/*.log; `npm run testenv -- down` then `up` starts from nothing",
    );
  }
}

/**
 * Like Promise.all, but waits for every start to settle before throwing the first error, so no
 * process is spawned after the failed start has stopped the others.
 */
async function allOrFirstError<const T extends readonly unknown[]>(
  promises: T,
): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  const settled = await Promise.allSettled(promises);
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;
  return settled.map((r) => (r as PromiseFulfilledResult<unknown>).value) as {
    -readonly [K in keyof T]: Awaited<T[K]>;
  };
}

/** One distinct free loopback port per name. */
async function freePorts<const K extends string>(names: readonly K[]): Promise<Record<K, number>> {
  const taken = new Set<number>();
  const ports = {} as Record<K, number>;
  for (const name of names) {
    let port = await freePort();
    while (taken.has(port)) port = await freePort();
    taken.add(port);
    ports[name] = port;
  }
  return ports;
}

// ---------------------------------------------------------------------------------------------
// down

export interface DownResult {
  readonly stopped: string[];
  readonly survivors: string[];
}

export async function down(log: Log): Promise<DownResult> {
  return await withLock(log, async () => {
    const env = readEnvFile();
    const records = [...(env?.processes ?? []), ...readStarted()];
    const running = records.filter(isRunning);
    const survivors = await stopProcesses(records);
    if (survivors.length > 0) {
      throw new ComponentError(
        "down",
        `could not stop ${survivors.join(", ")}`,
        "kill those pids by hand (kill -9 <pid>), then run `npm run testenv -- down` again",
      );
    }
    clearState();
    return { stopped: running.map((r) => `${r.name} (pid ${r.pid})`), survivors };
  });
}

// ---------------------------------------------------------------------------------------------
// leases: test runs that use the environment; the last run out stops an environment a run started

export function takeLease(): () => void {
  mkdirSync(LEASES_DIR, { recursive: true });
  const file = join(LEASES_DIR, String(process.pid));
  writeFileSync(file, String(process.pid));
  return () => {
    try {
      unlinkSync(file);
    } catch {
      // already gone (down removed the directory)
    }
  };
}

export function otherLiveLeases(): number[] {
  if (!existsSync(LEASES_DIR)) return [];
  return readdirSync(LEASES_DIR)
    .map(Number)
    .filter((pid) => pid !== process.pid && Number.isInteger(pid) && pidAlive(pid));
}
