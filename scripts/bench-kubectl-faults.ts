// What kubectl achieves under API faults — the baseline Homeostat's verbs must match: `kubectl scale`,
// `kubectl rollout restart` and `kubectl drain` through the HTTP fault proxy (test/env/fault-proxy.ts),
// at each fault rate, seeded (trial i uses seed i), as the admin, on the local test environment.
//
//   npm run testenv -- up && node scripts/bench-kubectl-faults.ts [--trials 10] [--drain-trials 6]
//                                [--rates 0.1,0.3] [--verbs scale,restart,drain] [--faults reset]
//                                [--json out.json]
//
// For each trial: kubectl's exit code, whether the goal was reached (read directly from the API
// server, not through the proxy), the requests the proxy saw and the faults it injected. "failed but
// done" is a lost acknowledgement kubectl reported as a failure although its change had landed.
// kubectl's discovery cache is warmed before the faults start (a cache dir per run), as on a
// workstation that has used the cluster before.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs, promisify } from "node:util";
import { createNamespace, createPauseDeployment, removeNode, waitFor } from "../test/env/cluster.ts";
import { adminKube, loadTestEnv } from "../test/env/env.ts";
import { type FaultRule, startFaultProxy } from "../test/env/fault-proxy.ts";
import {
  addDedicatedNode,
  createPooledDeployment,
  podsOnNode,
  uniqueId,
  waitForPodsOnNode,
} from "../test/env/node-fixtures.ts";

const run = promisify(execFile);
const { values } = parseArgs({
  options: {
    trials: { type: "string", default: "10" },
    "drain-trials": { type: "string", default: "6" },
    rates: { type: "string", default: "0.1,0.3" },
    json: { type: "string" },
    verbs: { type: "string", default: "scale,restart,drain" },
    /** a substring of the fault families to run (default all) */
    faults: { type: "string", default: "" },
  },
});
const TRIALS = Number(values.trials);
const DRAIN_TRIALS = Number(values["drain-trials"]);
const RATES = (values.rates ?? "").split(",").map(Number);
const REPLICAS = 4;
const WRITES = ["POST", "PUT", "PATCH", "DELETE"];

/** The fault families: each a rule set at rate r. */
const FAULTS: Record<string, (rate: number) => FaultRule[]> = {
  "503 before": (rate) => [{ name: "503", rate, action: "before", reply: 503 }],
  "429 + Retry-After 1": (rate) => [
    { name: "429", rate, action: "before", reply: 429, retryAfterSeconds: 1 },
  ],
  "reset before": (rate) => [{ name: "reset", rate, action: "before", reply: "reset" }],
  "lost ack 504 (writes)": (rate) => [
    { name: "lost-504", methods: WRITES, rate, action: "after", reply: 504 },
  ],
  "lost ack reset (writes)": (rate) => [
    { name: "lost-reset", methods: WRITES, rate, action: "after", reply: "reset" },
  ],
};

const log = (line: string) => process.stderr.write(`${line}\n`);
const env = loadTestEnv();
const admin = adminKube(env);
const ns = await createNamespace(admin, "bench-kubectl-faults");
const dir = mkdtempSync(join(tmpdir(), "homeostat-kubectl-faults-"));
const proxy = await startFaultProxy({ upstream: env.server, caFile: env.caFile });
const kubeconfig = proxy.writeKubeconfig("admin", join(dir, "admin.kubeconfig"));
const cacheDir = join(dir, "kube-cache");
const nodes: string[] = [];

async function kubectl(args: string[]): Promise<{ code: number; stderr: string; ms: number }> {
  const started = performance.now();
  try {
    const { stderr } = await run("kubectl", ["--kubeconfig", kubeconfig, "--cache-dir", cacheDir, ...args], {
      timeout: 180_000,
    });
    return { code: 0, stderr, ms: performance.now() - started };
  } catch (error) {
    const e = error as { code?: number | string; stderr?: string };
    return {
      code: typeof e.code === "number" ? e.code : -1,
      stderr: e.stderr ?? String(error),
      ms: performance.now() - started,
    };
  }
}

interface Trial {
  readonly code: number;
  readonly done: boolean;
  readonly requests: number;
  readonly injected: number;
  readonly ms: number;
  readonly error: string;
  readonly stderr: string;
  /** the requests kubectl made, as the proxy answered them */
  readonly log: readonly string[];
}

interface Verb {
  readonly name: string;
  readonly trials: number;
  /** runs kubectl once; returns whether the goal was reached */
  attempt(trial: number): Promise<{ code: number; stderr: string; ms: number; done: boolean }>;
}

const scale: Verb = {
  name: "kubectl scale",
  trials: TRIALS,
  async attempt(trial) {
    const target = 2 + (trial % 2);
    // start from the other count, so "done" means this run changed it
    await admin.apps.patchNamespacedDeploymentScale({
      name: "web",
      namespace: ns.name,
      body: [{ op: "replace", path: "/spec/replicas", value: 5 - target }],
    });
    const result = await kubectl(["-n", ns.name, "scale", "deploy/web", `--replicas=${target}`]);
    const after = await admin.apps.readNamespacedDeploymentScale({ name: "web", namespace: ns.name });
    return { ...result, done: after.spec?.replicas === target };
  },
};

const restart: Verb = {
  name: "kubectl rollout restart",
  trials: TRIALS,
  async attempt() {
    const annotation = async () =>
      (await admin.apps.readNamespacedDeployment({ name: "web", namespace: ns.name })).spec?.template.metadata
        ?.annotations?.["kubectl.kubernetes.io/restartedAt"];
    const before = await annotation();
    // restartedAt has one-second resolution: two restarts in the same second would look like one
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const result = await kubectl(["-n", ns.name, "rollout", "restart", "deploy/web"]);
    return { ...result, done: (await annotation()) !== before };
  },
};

// drain: two nodes in one pool; each trial drains the node holding the pods, then uncordons it
let pool = "";
const drain: Verb = {
  name: "kubectl drain",
  trials: DRAIN_TRIALS,
  async attempt() {
    // the last trial's replacements must have settled: a pod still Pending could land on the node
    // between kubectl's pod list and the end of the drain, and a node with no pod is drained trivially
    await waitForSettled();
    const counts = await Promise.all(nodes.map(async (n) => (await podsOnNode(admin, ns.name, n)).length));
    const node = (counts[0] ?? 0) >= (counts[1] ?? 0) ? nodes[0] : nodes[1];
    if (!node) throw new Error("no drain nodes");
    for (const n of nodes)
      await admin.core.patchNode({
        name: n,
        body: [{ op: "replace", path: "/spec/unschedulable", value: false }],
      });
    const result = await kubectl([
      "drain",
      node,
      "--ignore-daemonsets",
      "--delete-emptydir-data",
      "--force",
      "--timeout=90s",
      `--pod-selector=app=drain-${pool}`,
    ]);
    const left = (await podsOnNode(admin, ns.name, node)).length;
    const cordoned = (await admin.core.readNode({ name: node })).spec?.unschedulable === true;
    await admin.core.patchNode({
      name: node,
      body: [{ op: "replace", path: "/spec/unschedulable", value: false }],
    });
    return { ...result, done: left === 0 && cordoned };
  },
};

async function waitForSettled(): Promise<void> {
  await waitFor(
    async () => {
      const pods = (
        await admin.core.listNamespacedPod({ namespace: ns.name, labelSelector: `app=drain-${pool}` })
      ).items;
      return (
        pods.length === REPLICAS &&
        pods.every(
          (pod) =>
            !pod.metadata?.deletionTimestamp &&
            pod.spec?.nodeName &&
            pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"),
        )
      );
    },
    { what: `${REPLICAS} ready drain pods`, timeoutMs: 60_000 },
  );
}

async function setup(): Promise<void> {
  await createPauseDeployment(admin, ns.name, "web", 2);
  pool = `kf-${uniqueId()}`;
  const first = await addDedicatedNode(admin, pool);
  nodes.push(first.name);
  await createPooledDeployment(admin, ns.name, `drain-${pool}`, pool, { replicas: REPLICAS, role: "pdb" });
  await waitForPodsOnNode(admin, ns.name, first.name, REPLICAS);
  const second = await addDedicatedNode(admin, pool);
  nodes.push(second.name);
  // warm kubectl's discovery cache through the proxy, with no rule set
  const warm = await kubectl(["-n", ns.name, "get", "deploy,pods,nodes"]);
  if (warm.code !== 0) throw new Error(`kubectl through the proxy failed without faults: ${warm.stderr}`);
}

interface Cell {
  verb: string;
  fault: string;
  rate: number;
  trials: Trial[];
}

function summary(cell: Cell): Record<string, string | number> {
  const t = cell.trials;
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  const errors = new Map<string, number>();
  for (const trial of t) if (trial.error) errors.set(trial.error, (errors.get(trial.error) ?? 0) + 1);
  const topError = [...errors.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? "";
  return {
    verb: cell.verb,
    fault: cell.fault,
    rate: cell.rate,
    trials: t.length,
    "exit 0": t.filter((x) => x.code === 0).length,
    done: t.filter((x) => x.done).length,
    "failed but done": t.filter((x) => x.code !== 0 && x.done).length,
    "exit 0 not done": t.filter((x) => x.code === 0 && !x.done).length,
    "requests (median)": median(t.map((x) => x.requests)),
    "faults (mean)": Number((t.reduce((s, x) => s + x.injected, 0) / t.length).toFixed(1)),
    "time s (median)": Number((median(t.map((x) => x.ms)) / 1000).toFixed(1)),
    "typical error": topError,
  };
}

function firstError(stderr: string): string {
  const line =
    stderr.split("\n").find((l) => /error|Error|unable|Unable/.test(l)) ?? stderr.split("\n")[0] ?? "";
  return line
    .replace(/https:\/\/127\.0\.0\.1:\d+/g, "<proxy>")
    .replace(/127\.0\.0\.1:\d+->127\.0\.0\.1:\d+/g, "<client>-><proxy>")
    .replace(new RegExp(ns.name, "g"), "<ns>")
    .replace(/ip-[\d-]+\.ec2\.internal/g, "<node>")
    .replace(/drain-kf-[0-9a-f]+-[a-z0-9-]+/g, "<pod>")
    .slice(0, 140);
}

const cells: Cell[] = [];
try {
  await setup();
  const verbs = { scale, restart, drain } as Record<string, Verb>;
  for (const verb of (values.verbs ?? "").split(",").map((name) => verbs[name])) {
    if (!verb) throw new Error(`--verbs takes scale, restart and drain`);
    for (const [fault, rules] of Object.entries(FAULTS).filter(([name]) =>
      name.includes(values.faults ?? ""),
    )) {
      for (const rate of RATES) {
        const cell: Cell = { verb: verb.name, fault, rate, trials: [] };
        for (let trial = 0; trial < verb.trials; trial++) {
          proxy.clear();
          proxy.setRules(rules(rate), { seed: trial + 1 });
          const result = await verb.attempt(trial);
          const stats = proxy.stats();
          const proxyLog = proxy.requestLog();
          proxy.clear();
          cell.trials.push({
            code: result.code,
            done: result.done,
            requests: stats.requests,
            injected: stats.injected.length,
            ms: result.ms,
            error: result.code === 0 ? "" : firstError(result.stderr),
            stderr: result.stderr,
            log: proxyLog.map(
              (r) => `${r.method} ${r.path} ${r.outcome}${r.faults.length ? ` (${r.faults})` : ""}`,
            ),
          });
        }
        cells.push(cell);
        log(JSON.stringify(summary(cell)));
        if (values.json) writeFileSync(values.json, JSON.stringify(cells, null, 2));
      }
    }
  }
} finally {
  await proxy.close();
  await ns.cleanup();
  for (const node of nodes) await removeNode(admin, node);
  rmSync(dir, { recursive: true, force: true });
}

const rows = cells.map(summary);
const columns = Object.keys(rows[0] ?? {});
console.log(`| ${columns.join(" | ")} |`);
console.log(`| ${columns.map(() => "---").join(" | ")} |`);
for (const row of rows)
  console.log(`| ${columns.map((c) => String(row[c]).replaceAll("|", "\\|")).join(" | ")} |`);
if (values.json) writeFileSync(values.json, JSON.stringify(cells, null, 2));
