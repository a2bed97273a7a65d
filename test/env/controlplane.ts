// How each component of the test environment is started and probed. The order and the
// bookkeeping (env.json, idempotent up, down) live in lifecycle.ts.
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { request as httpsRequest } from "node:https";
import { join } from "node:path";
import type { Binaries } from "./binaries.ts";
import { REPO_ROOT } from "./binaries.ts";
import type { KeyPair, Pki } from "./pki.ts";
import { SERVICE_CLUSTER_IP_RANGE } from "./pki.ts";
import { ComponentError, type ProcessRecord, readyLine, spawnDetached, waitUntil } from "./processes.ts";

export const KWOK_STAGE_FILES = [
  join(REPO_ROOT, "test/env/kwok/kwok-defaults.yaml"),
  join(REPO_ROOT, "test/env/kwok/homeostat-behaviours.yaml"),
];
/** kwok manages only nodes carrying this annotation (what kwokctl does too). */
export const KWOK_NODE_ANNOTATION = { key: "kwok.x-k8s.io/node", value: "fake" } as const;

const STARTUP_TIMEOUT_MS = Number(process.env.HOMEOSTAT_TESTENV_STARTUP_TIMEOUT_MS ?? 90_000);

export interface Layout {
  /** called as soon as a process is spawned, so a failed start can stop everything it began */
  readonly track: (record: ProcessRecord) => void;
  readonly dir: string;
  readonly logs: string;
  readonly pki: string;
  readonly etcdData: string;
  readonly certs: string;
}

export function layout(dir: string, track: (record: ProcessRecord) => void = () => {}): Layout {
  return {
    track,
    dir,
    logs: join(dir, "logs"),
    pki: join(dir, "pki"),
    etcdData: join(dir, "etcd-data"),
    certs: join(dir, "serving-certs"),
  };
}

interface HttpAnswer {
  readonly status: number;
  readonly body: string;
}

/** GET over HTTPS with our CA (or none: the component's self-signed certificate) and an optional client certificate. */
export async function httpsGet(
  url: string,
  tls: { ca?: Buffer | undefined; cert?: Buffer | undefined; key?: Buffer | undefined },
): Promise<HttpAnswer> {
  return await new Promise((resolve, reject) => {
    const req = httpsRequest(
      url,
      {
        method: "GET",
        ca: tls.ca,
        cert: tls.cert,
        key: tls.key,
        rejectUnauthorized: tls.ca !== undefined,
        timeout: 3000,
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          body += chunk;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on("timeout", () => req.destroy(new Error(`timed out: GET ${url}`)));
    req.on("error", reject);
    req.end();
  });
}

async function httpGet(url: string): Promise<HttpAnswer> {
  const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
  return { status: res.status, body: await res.text() };
}

/** Writes a kubeconfig whose user authenticates with a client certificate. */
export function writeKubeconfig(
  path: string,
  opts: { server: string; caFile: string; user: string; client: KeyPair; context?: string },
): void {
  const context = opts.context ?? "homeostat-test";
  writeFileSync(
    path,
    `apiVersion: v1
kind: Config
clusters:
- name: homeostat-test
  cluster:
    server: ${opts.server}
    certificate-authority: ${opts.caFile}
users:
- name: ${opts.user}
  user:
    client-certificate: ${opts.client.cert}
    client-key: ${opts.client.key}
contexts:
- name: ${context}
  context:
    cluster: homeostat-test
    user: ${opts.user}
current-context: ${context}
`,
  );
}

// ---------------------------------------------------------------------------------------------
// moto, the Slack stand-in and the token webhook

/**
 * A Python that can run moto's server: the machine's python3 when it has moto 5 with the server extras,
 * else a virtualenv in the cache that scripts/ensure-moto.sh fills from PyPI once.
 */
function motoPython(): string {
  try {
    return execFileSync(join(REPO_ROOT, "scripts", "ensure-moto.sh"), {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
    }).trim();
  } catch (error) {
    throw new ComponentError(
      "moto",
      `could not find or install moto[server]: ${String(error)}`,
      'install Python 3 with venv, or set HOMEOSTAT_PYTHON to a python that has "moto[server]" 5',
    );
  }
}

export async function startMoto(l: Layout, port: number): Promise<{ record: ProcessRecord; url: string }> {
  const url = `http://127.0.0.1:${port}`;
  // moto's server runs requests on parallel threads and its DynamoDB checks a condition, then writes,
  // without a lock: two concurrent conditional writes can both win, which real DynamoDB never allows.
  // This launcher serializes requests, so "20 concurrent deliveries act once" is tested as in AWS.
  const launcher = join(REPO_ROOT, "test", "env", "moto-serialized.py");
  const record = spawnDetached({
    name: "moto",
    command: motoPython(),
    args: [launcher, "-H", "127.0.0.1", "-p", String(port)],
    logPath: join(l.logs, "moto.log"),
    match: "moto-serialized.py",
  });
  l.track(record);
  await waitUntil(async () => ((await httpGet(`${url}/moto-api/`)).status > 0 ? true : undefined), {
    record,
    timeoutMs: STARTUP_TIMEOUT_MS,
    what: "answering HTTP",
    fix: 'install moto with its server extra: pip install "moto[server]" (or set HOMEOSTAT_PYTHON)',
  });
  return { record, url };
}

/** Starts a Node service of the test environment that prints a JSON ready line with its URL. */
async function startNodeService(
  l: Layout,
  name: string,
  script: string,
  args: readonly string[],
  fix: string,
): Promise<{ record: ProcessRecord; url: string }> {
  const scriptPath = join(REPO_ROOT, script);
  const record = spawnDetached({
    name,
    // process.execPath: the pinned Node 24 that runs this orchestrator (type stripping needed)
    command: process.execPath,
    args: [scriptPath, ...args],
    logPath: join(l.logs, `${name}.log`),
    match: scriptPath,
  });
  l.track(record);
  const ready = await waitUntil(async () => readyLine(record.log), {
    record,
    timeoutMs: STARTUP_TIMEOUT_MS,
    what: 'ready (it prints {"ready":true,"url":...} once listening)',
    fix,
  });
  if (typeof ready.url !== "string") {
    throw new ComponentError(
      name,
      `printed a ready line without a url: ${JSON.stringify(ready)}`,
      fix,
      record.log,
    );
  }
  return { record, url: ready.url };
}

export async function startSlackStandin(
  l: Layout,
  port: number,
  token: string,
): Promise<{ record: ProcessRecord; url: string }> {
  return await startNodeService(
    l,
    "slack-standin",
    "test/env/slack-standin.ts",
    ["--listen", `127.0.0.1:${port}`, "--token", token],
    "see the log above; the stand-in is test/env/slack-standin.ts (run it by hand with the same flags to debug)",
  );
}

export async function startTokenWebhook(
  l: Layout,
  port: number,
  opts: { motoUrl: string; clusterName: string; tls: KeyPair },
): Promise<{ record: ProcessRecord; url: string }> {
  return await startNodeService(
    l,
    "token-webhook",
    "test/env/token-webhook.ts",
    [
      "--listen",
      `127.0.0.1:${port}`,
      "--moto-url",
      opts.motoUrl,
      "--mapping",
      join(REPO_ROOT, "test/env/access-entries.json"),
      "--cluster-id",
      opts.clusterName,
      "--tls-cert",
      opts.tls.cert,
      "--tls-key",
      opts.tls.key,
    ],
    "see the log above; the webhook is test/env/token-webhook.ts (run it by hand with the same flags to debug)",
  );
}

// ---------------------------------------------------------------------------------------------
// etcd and the Kubernetes control plane

export async function startEtcd(
  l: Layout,
  bin: Binaries,
  ports: { client: number; peer: number },
): Promise<{ record: ProcessRecord; url: string }> {
  const url = `http://127.0.0.1:${ports.client}`;
  const peer = `http://127.0.0.1:${ports.peer}`;
  const record = spawnDetached({
    name: "etcd",
    command: bin.etcd,
    args: [
      "--name=homeostat",
      `--data-dir=${l.etcdData}`,
      `--listen-client-urls=${url}`,
      `--advertise-client-urls=${url}`,
      `--listen-peer-urls=${peer}`,
      `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=homeostat=${peer}`,
      "--initial-cluster-state=new",
      // a throwaway store: durability costs seconds per test run on slow disks
      "--unsafe-no-fsync",
      "--auto-compaction-mode=periodic",
      "--auto-compaction-retention=10m",
      "--log-level=warn",
    ],
    logPath: join(l.logs, "etcd.log"),
  });
  l.track(record);
  await waitUntil(
    async () => {
      const res = await httpGet(`${url}/health`);
      return res.status === 200 && res.body.includes('"health":"true"') ? true : undefined;
    },
    {
      record,
      timeoutMs: STARTUP_TIMEOUT_MS,
      what: "healthy",
      fix: "see the log above; a port clash or a stale data dir clears with `npm run testenv -- down`",
    },
  );
  return { record, url };
}

export async function startApiserver(
  l: Layout,
  bin: Binaries,
  pki: Pki,
  opts: { port: number; etcdUrl: string; webhookUrl: string },
): Promise<{ record: ProcessRecord; server: string }> {
  const server = `https://127.0.0.1:${opts.port}`;
  // the token webhook is configured like a kubeconfig whose cluster is the webhook
  const webhookConfig = join(l.dir, "token-webhook.kubeconfig");
  writeFileSync(
    webhookConfig,
    `apiVersion: v1
kind: Config
clusters:
- name: token-webhook
  cluster:
    server: ${opts.webhookUrl}
    certificate-authority: ${pki.ca.cert}
users:
- name: kube-apiserver
  user: {}
contexts:
- name: token-webhook
  context:
    cluster: token-webhook
    user: kube-apiserver
current-context: token-webhook
`,
  );
  const record = spawnDetached({
    name: "kube-apiserver",
    command: bin["kube-apiserver"],
    args: [
      "--bind-address=127.0.0.1",
      "--advertise-address=127.0.0.1",
      `--secure-port=${opts.port}`,
      `--etcd-servers=${opts.etcdUrl}`,
      `--tls-cert-file=${pki.apiserver.cert}`,
      `--tls-private-key-file=${pki.apiserver.key}`,
      `--client-ca-file=${pki.ca.cert}`,
      "--authorization-mode=Node,RBAC",
      `--authentication-token-webhook-config-file=${webhookConfig}`,
      "--authentication-token-webhook-version=v1",
      // short, so a test that changes the access-entry mapping sees it soon
      "--authentication-token-webhook-cache-ttl=10s",
      "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
      `--service-account-key-file=${pki.serviceAccount.pub}`,
      `--service-account-signing-key-file=${pki.serviceAccount.key}`,
      `--service-cluster-ip-range=${SERVICE_CLUSTER_IP_RANGE}`,
      "--allow-privileged=true",
      "--profiling=false",
      "--event-ttl=1h",
    ],
    logPath: join(l.logs, "kube-apiserver.log"),
  });
  l.track(record);
  const tls = await adminTls(pki);
  await waitUntil(
    async () => {
      const res = await httpsGet(`${server}/readyz`, tls);
      return res.status === 200 ? true : undefined;
    },
    {
      record,
      timeoutMs: STARTUP_TIMEOUT_MS,
      what: "ready (GET /readyz)",
      fix: "see the log above (etcd unreachable, a port clash, or a bad flag for this version)",
    },
  );
  return { record, server };
}

async function adminTls(pki: Pki): Promise<{ ca: Buffer; cert: Buffer; key: Buffer }> {
  const { readFile } = await import("node:fs/promises");
  return {
    ca: await readFile(pki.ca.cert),
    cert: await readFile(pki.admin.cert),
    key: await readFile(pki.admin.key),
  };
}

/** /healthz of a component serving HTTPS with a self-signed certificate of its own. */
async function waitHealthz(record: ProcessRecord, port: number, fix: string): Promise<void> {
  await waitUntil(
    async () => {
      const res = await httpsGet(`https://127.0.0.1:${port}/healthz`, {});
      return res.status === 200 ? true : undefined;
    },
    { record, timeoutMs: STARTUP_TIMEOUT_MS, what: "healthy (GET /healthz)", fix },
  );
}

export async function startControllerManager(
  l: Layout,
  bin: Binaries,
  pki: Pki,
  opts: { port: number; server: string; clusterName: string },
): Promise<ProcessRecord> {
  const kubeconfig = join(l.dir, "controller-manager.kubeconfig");
  writeKubeconfig(kubeconfig, {
    server: opts.server,
    caFile: pki.ca.cert,
    user: "system:kube-controller-manager",
    client: pki.controllerManager,
  });
  const record = spawnDetached({
    name: "kube-controller-manager",
    command: bin["kube-controller-manager"],
    args: [
      `--kubeconfig=${kubeconfig}`,
      `--authentication-kubeconfig=${kubeconfig}`,
      `--authorization-kubeconfig=${kubeconfig}`,
      "--bind-address=127.0.0.1",
      `--secure-port=${opts.port}`,
      `--cert-dir=${join(l.certs, "controller-manager")}`,
      "--leader-elect=false",
      // every controller; the cloud ones (service-lb, node-route, cloud-node-lifecycle) skip
      // themselves without a cloud provider
      "--controllers=*",
      `--cluster-name=${opts.clusterName}`,
      "--use-service-account-credentials=true",
      `--service-account-private-key-file=${pki.serviceAccount.key}`,
      `--root-ca-file=${pki.ca.cert}`,
      `--cluster-signing-cert-file=${pki.ca.cert}`,
      `--cluster-signing-key-file=${pki.ca.key}`,
      // "fail" pods under a ReplicaSet accumulate; keep the garbage bounded
      "--terminated-pod-gc-threshold=200",
      "--profiling=false",
    ],
    logPath: join(l.logs, "kube-controller-manager.log"),
  });
  l.track(record);
  await waitHealthz(record, opts.port, "see the log above (usually a flag this version rejects)");
  return record;
}

export async function startScheduler(
  l: Layout,
  bin: Binaries,
  pki: Pki,
  opts: { port: number; server: string },
): Promise<ProcessRecord> {
  const kubeconfig = join(l.dir, "scheduler.kubeconfig");
  writeKubeconfig(kubeconfig, {
    server: opts.server,
    caFile: pki.ca.cert,
    user: "system:kube-scheduler",
    client: pki.scheduler,
  });
  const record = spawnDetached({
    name: "kube-scheduler",
    command: bin["kube-scheduler"],
    args: [
      `--kubeconfig=${kubeconfig}`,
      `--authentication-kubeconfig=${kubeconfig}`,
      `--authorization-kubeconfig=${kubeconfig}`,
      "--bind-address=127.0.0.1",
      `--secure-port=${opts.port}`,
      `--cert-dir=${join(l.certs, "scheduler")}`,
      "--leader-elect=false",
      "--profiling=false",
    ],
    logPath: join(l.logs, "kube-scheduler.log"),
  });
  l.track(record);
  await waitHealthz(record, opts.port, "see the log above (usually a flag this version rejects)");
  return record;
}

export async function startKwok(
  l: Layout,
  bin: Binaries,
  pki: Pki,
  opts: { port: number; server: string },
): Promise<ProcessRecord> {
  const kubeconfig = join(l.dir, "kwok.kubeconfig");
  writeKubeconfig(kubeconfig, { server: opts.server, caFile: pki.ca.cert, user: "kwok", client: pki.kwok });
  const record = spawnDetached({
    name: "kwok",
    command: bin.kwok,
    args: [
      `--kubeconfig=${kubeconfig}`,
      ...KWOK_STAGE_FILES.map((file) => `--config=${file}`),
      "--manage-all-nodes=false",
      `--manage-nodes-with-annotation-selector=${KWOK_NODE_ANNOTATION.key}=${KWOK_NODE_ANNOTATION.value}`,
      "--manage-nodes-with-label-selector=",
      "--disregard-status-with-annotation-selector=kwok.x-k8s.io/status=custom",
      // pod IPs; node IPs come from each node's own status.addresses
      "--cidr=10.0.0.1/16",
      "--node-ip=192.168.0.1",
      "--node-lease-duration-seconds=40",
      `--server-address=127.0.0.1:${opts.port}`,
    ],
    logPath: join(l.logs, "kwok.log"),
  });
  l.track(record);
  await waitUntil(
    async () => {
      const res = await httpGet(`http://127.0.0.1:${opts.port}/healthz`);
      return res.status === 200 ? true : undefined;
    },
    {
      record,
      timeoutMs: STARTUP_TIMEOUT_MS,
      what: "healthy (GET /healthz)",
      fix: "see the log above (a stage file in test/env/kwok/ that does not parse is the usual cause)",
    },
  );
  return record;
}
