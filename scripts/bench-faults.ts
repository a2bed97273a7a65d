// Our side of the fault table: Homeostat's verbs (scale absolute and relative, restart, rollback, cordon,
// uncordon, drain) through the HTTP fault proxy (test/env/fault-proxy.ts), with the fault families, rates,
// seeds (trial i uses seed i) and trial counts of scripts/bench-kubectl-faults.ts, the kubectl baseline,
// plus latency beyond the client's own request deadline. As the admin, on the local test environment.
//
//   npm run testenv -- up && npm run bench:faults [-- --trials 25 --drain-trials 12 --rates 0.1,0.3]
//                                [--verbs scale,scale-relative,restart,rollback,cordon,uncordon,drain]
//                                [--faults reset] [--json out.json]
//
// Each trial runs the verb once, in this process, as `homeostat <verb>` does (runVerb on a Kube from a
// kubeconfig that points at the proxy): "ok" is what the CLI's exit 0 means (result.ok; a thrown error
// is exit 1 or 2). The goal is read directly from the API server, not through the proxy. "failed but
// done": reported as failed although the change is in place; "applied twice": a relative scale above
// its target, a restart or rollback that changed the template more than once. Drains also check that the
// PodDisruptionBudget (maxUnavailable 2) was never breached — sampled every 100 ms beside the drain — and
// that the report matches the cluster (each pod reported evicted is gone from the node, a drain reported
// complete leaves none).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { KubeVerbError } from "../packages/core/src/domain/errors.ts";
import type { Target } from "../packages/core/src/domain/target.ts";
import type { Verb, VerbResult } from "../packages/core/src/domain/verb.ts";
import { type Kube, kubeFromKubeconfigFile } from "../packages/core/src/kube/client.ts";
import type { DrainReport } from "../packages/core/src/kube/drain.ts";
import { runVerb } from "../packages/core/src/kube/verbs.ts";
import { createNamespace, createPauseDeployment, removeNode, waitFor } from "../test/env/cluster.ts";
import { adminKube, loadTestEnv } from "../test/env/env.ts";
import { type FaultRule, startFaultProxy } from "../test/env/fault-proxy.ts";
import {
  addDedicatedNode,
  createPooledDeployment,
  podsOnNode,
  uniqueId,
  waitForBudgets,
  waitForPodsOnNode,
} from "../test/env/node-fixtures.ts";

const { values } = parseArgs({
  options: {
    trials: { type: "string", default: "25" },
    "drain-trials": { type: "string", default: "12" },
    rates: { type: "string", default: "0.1,0.3" },
    json: { type: "string" },
    verbs: { type: "string", default: "scale,scale-relative,restart,rollback,cordon,uncordon,drain" },
    /** a substring of the fault families to run (default all) */
    faults: { type: "string", default: "" },
  },
});
const TRIALS = Number(values.trials);
const DRAIN_TRIALS = Number(values["drain-trials"]);
const RATES = (values.rates ?? "").split(",").map(Number);
const REPLICAS = 4;
const WRITES = ["POST", "PUT", "PATCH", "DELETE"];
/** The client's own request deadline in the latency family, and the latency injected beyond it. */
const REQUEST_TIMEOUT_MS = 1500;
const LATENCY_MS = 2500;

/** The fault families of the kubectl baseline, and latency beyond the client's deadline. */
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
  [`latency ${LATENCY_MS} ms > deadline ${REQUEST_TIMEOUT_MS} ms`]: (rate) => [
    { name: "latency", rate, action: "delay", ms: LATENCY_MS },
  ],
};

const log = (line: string) => process.stderr.write(`${line}\n`);
const env = loadTestEnv();
const admin = adminKube(env);
const ns = await createNamespace(admin, "bench-faults");
const dir = mkdtempSync(join(tmpdir(), "homeostat-faults-"));
const proxy = await startFaultProxy({ upstream: env.server, caFile: env.caFile });
const kubeconfig = proxy.writeKubeconfig("admin", join(dir, "admin.kubeconfig"));
const viaProxy = kubeFromKubeconfigFile(kubeconfig);
const viaProxyShortDeadline = kubeFromKubeconfigFile(kubeconfig, undefined, {
  requestTimeoutMs: REQUEST_TIMEOUT_MS,
});
const nodes: string[] = [];
let pool = "";

interface Outcome {
  ok: boolean;
  done: boolean;
  twice: boolean;
  ms: number;
  error: string;
  /** drains: the PDB was breached at some sample */
  breached?: boolean;
  /** drains: the report disagrees with the cluster */
  mismatch?: boolean;
}

interface Trial extends Outcome {
  readonly requests: number;
  readonly injected: number;
  readonly log: readonly string[];
}

interface VerbBench {
  readonly name: string;
  readonly trials: number;
  attempt(kube: Kube, trial: number): Promise<Outcome>;
}

const web: Target = { kind: "Deployment", namespace: ns.name, name: "web" };
const rb: Target = { kind: "Deployment", namespace: ns.name, name: "rb" };

/** Runs a verb as the CLI does: a thrown error is a failure (exit 1 or 2), with its message. */
async function runAsCli(
  kube: Kube,
  verb: Verb,
  target: Target,
  params: unknown,
): Promise<{ result?: VerbResult; ok: boolean; ms: number; error: string }> {
  const started = performance.now();
  try {
    const result = await runVerb(kube, verb, target, params);
    return { result, ok: result.ok, ms: performance.now() - started, error: result.ok ? "" : result.message };
  } catch (error) {
    const message = error instanceof KubeVerbError ? error.message : String(error);
    return { ok: false, ms: performance.now() - started, error: message };
  }
}

async function scaleTo(name: string, replicas: number): Promise<void> {
  await admin.apps.patchNamespacedDeploymentScale({
    name,
    namespace: ns.name,
    body: [{ op: "replace", path: "/spec/replicas", value: replicas }],
  });
}

async function replicasOf(name: string): Promise<number | undefined> {
  return (await admin.apps.readNamespacedDeploymentScale({ name, namespace: ns.name })).spec?.replicas;
}

async function deployment(name: string) {
  return admin.apps.readNamespacedDeployment({ name, namespace: ns.name });
}

/** The template changes since `generation` (scales change the generation too, so none run meanwhile). */
async function templateChanges(name: string, generation: number): Promise<number> {
  return ((await deployment(name)).metadata?.generation ?? 0) - generation;
}

const scale: VerbBench = {
  name: "scale (absolute)",
  trials: TRIALS,
  async attempt(kube, trial) {
    const target = 2 + (trial % 2);
    await scaleTo("web", 5 - target);
    const run = await runAsCli(kube, "scale", web, { change: String(target) });
    return { ...run, done: (await replicasOf("web")) === target, twice: false };
  },
};

const scaleRelative: VerbBench = {
  name: "scale +1 (relative)",
  trials: TRIALS,
  async attempt(kube) {
    await scaleTo("web", 2);
    const run = await runAsCli(kube, "scale", web, { change: "+1" });
    const after = (await replicasOf("web")) ?? 0;
    return { ...run, done: after === 3, twice: after > 3 };
  },
};

const restart: VerbBench = {
  name: "restart",
  trials: TRIALS,
  async attempt(kube) {
    const before = await deployment("web");
    const stamp = () => before.spec?.template.metadata?.annotations?.["kubectl.kubernetes.io/restartedAt"];
    const was = stamp();
    // restartedAt has one-second resolution: two restarts in the same second would look like one
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const run = await runAsCli(kube, "restart", web, {});
    const after = await deployment("web");
    const now = after.spec?.template.metadata?.annotations?.["kubectl.kubernetes.io/restartedAt"];
    const changes = (after.metadata?.generation ?? 0) - (before.metadata?.generation ?? 0);
    return { ...run, done: now !== undefined && now !== was, twice: changes > 1 };
  },
};

const GOOD_IMAGE = "registry.k8s.io/pause:3.10";
const rollback: VerbBench = {
  name: "rollback",
  trials: TRIALS,
  async attempt(kube, trial) {
    // the good template, then a bad rollout on top of it, each seen by the controller before the next
    // (else it may skip straight to the bad one, and the last trial's ReplicaSets decide "previous"):
    // the rollback must bring the good one back, once
    const observedAt = async (value: string) => {
      await admin.apps.patchNamespacedDeployment({
        name: "rb",
        namespace: ns.name,
        body: [{ op: "replace", path: "/spec/template/spec/containers/0/image", value }],
      });
      await waitFor(
        async () => {
          const d = await deployment("rb");
          return (d.status?.observedGeneration ?? 0) >= (d.metadata?.generation ?? 1);
        },
        { what: `deployment rb's rollout to ${value} observed`, timeoutMs: 30_000 },
      );
    };
    await observedAt(GOOD_IMAGE);
    await observedAt(`example.com/bad:${trial}`);
    const generation = (await deployment("rb")).metadata?.generation ?? 0;
    const run = await runAsCli(kube, "rollback", rb, {});
    const image = (await deployment("rb")).spec?.template.spec?.containers[0]?.image;
    return { ...run, done: image === GOOD_IMAGE, twice: (await templateChanges("rb", generation)) > 1 };
  },
};

async function setUnschedulable(node: string, value: boolean): Promise<void> {
  await admin.core.patchNode({ name: node, body: [{ op: "replace", path: "/spec/unschedulable", value }] });
}

async function unschedulable(node: string): Promise<boolean> {
  return (await admin.core.readNode({ name: node })).spec?.unschedulable === true;
}

const cordon: VerbBench = {
  name: "cordon",
  trials: TRIALS,
  async attempt(kube) {
    const node = nodes[1] ?? "";
    await setUnschedulable(node, false);
    const run = await runAsCli(kube, "cordon", { kind: "Node", name: node }, {});
    const done = await unschedulable(node);
    await setUnschedulable(node, false);
    return { ...run, done, twice: false };
  },
};

const uncordon: VerbBench = {
  name: "uncordon",
  trials: TRIALS,
  async attempt(kube) {
    const node = nodes[1] ?? "";
    await setUnschedulable(node, true);
    const run = await runAsCli(kube, "uncordon", { kind: "Node", name: node }, {});
    return { ...run, done: !(await unschedulable(node)), twice: false };
  },
};

/** Samples the drain pods every 100 ms while `work` runs: were more than maxUnavailable (2) ever not ready? */
async function watchBudget<T>(work: Promise<T>): Promise<{ value: T; breached: boolean }> {
  let breached = false;
  let running = true;
  const sampler = (async () => {
    while (running) {
      const pods = (
        await admin.core.listNamespacedPod({ namespace: ns.name, labelSelector: `app=drain-${pool}` })
      ).items;
      const ready = pods.filter(
        (pod) =>
          !pod.metadata?.deletionTimestamp &&
          pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"),
      ).length;
      if (ready < REPLICAS - 2) breached = true;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  try {
    return { value: await work, breached };
  } finally {
    running = false;
    await sampler;
  }
}

const drain: VerbBench = {
  name: "drain (4 pods, PDB maxUnavailable 2)",
  trials: DRAIN_TRIALS,
  async attempt(kube) {
    await waitForSettled();
    const counts = await Promise.all(nodes.map(async (n) => (await podsOnNode(admin, ns.name, n)).length));
    const node = (counts[0] ?? 0) >= (counts[1] ?? 0) ? nodes[0] : nodes[1];
    if (!node) throw new Error("no drain nodes");
    for (const n of nodes) await setUnschedulable(n, false);
    const { value: run, breached } = await watchBudget(
      runAsCli(
        kube,
        "drain",
        { kind: "Node", name: node },
        { ignoreDaemonSets: true, deleteEmptyDirData: true, force: true, timeoutSeconds: 90 },
      ),
    );
    const left = (await podsOnNode(admin, ns.name, node))
      .filter((pod) => !pod.metadata?.deletionTimestamp)
      .map((pod) => `${pod.metadata?.namespace}/${pod.metadata?.name}`);
    const cordoned = await unschedulable(node);
    const report = run.result?.after as DrainReport | undefined;
    const mismatch =
      report !== undefined &&
      (report.evicted.some((pod) => left.includes(pod)) ||
        (run.ok && left.length > 0) ||
        report.unschedulable !== cordoned);
    await setUnschedulable(node, false);
    return { ...run, done: left.length === 0 && cordoned, twice: false, breached, mismatch };
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
  await createPauseDeployment(admin, ns.name, "rb", 1);
  pool = `bf-${uniqueId()}`;
  const first = await addDedicatedNode(admin, pool);
  nodes.push(first.name);
  await createPooledDeployment(admin, ns.name, `drain-${pool}`, pool, {
    replicas: REPLICAS,
    role: "pdb",
    pdb: [{ maxUnavailable: 2 }],
  });
  await waitForPodsOnNode(admin, ns.name, first.name, REPLICAS);
  await waitForBudgets(admin, ns.name);
  const second = await addDedicatedNode(admin, pool);
  nodes.push(second.name);
  const image = (await deployment("rb")).spec?.template.spec?.containers[0]?.image;
  if (image !== GOOD_IMAGE) throw new Error(`the rollback fixture runs ${image}, not ${GOOD_IMAGE}`);
  // a first request through the proxy with no rule: the token and connection, as a CLI's warm run
  await viaProxy.core.listNode({ limit: 1 });
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
  const drains = t.some((x) => x.breached !== undefined);
  return {
    verb: cell.verb,
    fault: cell.fault,
    rate: cell.rate,
    trials: t.length,
    "ok (exit 0)": t.filter((x) => x.ok).length,
    done: t.filter((x) => x.done).length,
    "failed but done": t.filter((x) => !x.ok && x.done).length,
    "ok not done": t.filter((x) => x.ok && !x.done).length,
    "applied twice": t.filter((x) => x.twice).length,
    ...(drains
      ? {
          "PDB breached": t.filter((x) => x.breached).length,
          "report ≠ cluster": t.filter((x) => x.mismatch).length,
        }
      : {}),
    "requests (median)": median(t.map((x) => x.requests)),
    "faults (mean)": Number((t.reduce((s, x) => s + x.injected, 0) / t.length).toFixed(1)),
    "time s (median)": Number((median(t.map((x) => x.ms)) / 1000).toFixed(1)),
    "typical error": redact(topError),
  };
}

function redact(message: string): string {
  return message
    .replace(/https:\/\/127\.0\.0\.1:\d+/g, "<proxy>")
    .replace(new RegExp(ns.name, "g"), "<ns>")
    .replace(/ip-[\d-]+\.ec2\.internal|kwok-[a-z0-9-]+/g, "<node>")
    .replace(/drain-bf-[0-9a-f]+-[a-z0-9-]+/g, "<pod>")
    .slice(0, 160);
}

const cells: Cell[] = [];
try {
  await setup();
  const verbs: Record<string, VerbBench> = {
    scale,
    "scale-relative": scaleRelative,
    restart,
    rollback,
    cordon,
    uncordon,
    drain,
  };
  for (const verb of (values.verbs ?? "").split(",").map((name) => verbs[name])) {
    if (!verb) throw new Error(`--verbs takes ${Object.keys(verbs).join(", ")}`);
    for (const [fault, rules] of Object.entries(FAULTS).filter(([name]) =>
      name.includes(values.faults ?? ""),
    )) {
      const kube = fault.startsWith("latency") ? viaProxyShortDeadline : viaProxy;
      for (const rate of RATES) {
        const cell: Cell = { verb: verb.name, fault, rate, trials: [] };
        for (let trial = 0; trial < verb.trials; trial++) {
          proxy.clear();
          proxy.setRules(rules(rate), { seed: trial + 1 });
          const outcome = await verb.attempt(kube, trial);
          const stats = proxy.stats();
          const proxyLog = proxy.requestLog();
          proxy.clear();
          cell.trials.push({
            ...outcome,
            requests: stats.requests,
            injected: stats.injected.length,
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
const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
console.log(`| ${columns.join(" | ")} |`);
console.log(`| ${columns.map(() => "---").join(" | ")} |`);
for (const row of rows)
  console.log(`| ${columns.map((c) => String(row[c] ?? "").replaceAll("|", "\\|")).join(" | ")} |`);
if (values.json) writeFileSync(values.json, JSON.stringify(cells, null, 2));
