// `npm start`: `homeostat dev` on the local test environment (started, and built, on demand), with an
// online shop seeded on it and an incident replayed through the real handlers over dev's HTTP endpoint:
// an alarm scales checkout out, a Spot interruption drains its node within the disruption budget, a bad
// release of cart crash-loops and the rollout guard rolls it back, and staging's evening and morning
// schedules scale it down and back. Each step waits on the cluster, not on the clock. Then dev keeps
// running until Ctrl-C; the objects stay in the cluster for kubectl.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { sampleEvent } from "../../packages/core/src/events/samples.ts";
import type { Kube } from "../../packages/core/src/kube/client.ts";
import { REPO_ROOT } from "../../test/env/binaries.ts";
import { BEHAVIOUR_LABEL, BEHAVIOURS, waitFor } from "../../test/env/cluster.ts";
import { adminKube } from "../../test/env/env.ts";
import { up } from "../../test/env/lifecycle.ts";
import { DEMO_CLUSTER_DIMENSION } from "./homeostat.demo.config.ts";
import {
  DEMO_WAIT_MS,
  type DemoNodes,
  SHOP,
  STAGING,
  STAGING_SERVICES,
  seedDemo,
  waitForRolledOut,
} from "./seed.ts";

const CONFIG = join(REPO_ROOT, "scripts/demo/homeostat.demo.config.ts");
const HOMEOSTAT = join(REPO_ROOT, "packages/core/bin/homeostat.js");
const PORT = Number(process.env.HOMEOSTAT_DEMO_PORT ?? 8642);
const URL_BASE = `http://127.0.0.1:${PORT}`;

const say = (text: string): void => {
  process.stdout.write(`\n\x1b[1mdemo ▸ ${text}\x1b[0m\n`);
};

function fresh<T extends Record<string, unknown>>(event: T): T {
  return { ...event, id: crypto.randomUUID(), time: new Date().toISOString().replace(/\.\d{3}Z$/, "Z") };
}

async function post(path: string, body?: unknown): Promise<void> {
  const response = await fetch(`${URL_BASE}${path}`, {
    method: "POST",
    ...(body === undefined
      ? {}
      : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }),
  });
  await response.text();
  if (!response.ok) throw new Error(`POST ${path} answered ${response.status}`);
}

async function replicasOf(admin: Kube, namespace: string, name: string): Promise<number> {
  return (await admin.apps.readNamespacedDeployment({ namespace, name })).spec?.replicas ?? 1;
}

async function alarmScalesCheckout(admin: Kube): Promise<void> {
  const before = await replicasOf(admin, SHOP, "checkout");
  say(`1/5  CloudWatch alarm checkout-cpu-high goes to ALARM; checkout runs ${before} replicas`);
  const sample = sampleEvent("alarm") as Record<string, unknown> & { detail: Record<string, unknown> };
  const dimensions = { ClusterName: DEMO_CLUSTER_DIMENSION, Namespace: SHOP, Service: "checkout" };
  const configuration = sample.detail.configuration as { metrics: Array<{ metricStat: { metric: object } }> };
  const metrics = configuration.metrics.map((metric) => ({
    ...metric,
    metricStat: { ...metric.metricStat, metric: { ...metric.metricStat.metric, dimensions } },
  }));
  await post(
    "/events",
    fresh({ ...sample, detail: { ...sample.detail, configuration: { ...configuration, metrics } } }),
  );
  await waitFor(async () => (await replicasOf(admin, SHOP, "checkout")) === before + 2, {
    what: "checkout to be scaled out by 2",
    timeoutMs: DEMO_WAIT_MS,
  });
  await waitForRolledOut(admin, SHOP, "the new checkout replicas to run");
}

async function spotDrainsNode(admin: Kube, nodes: DemoNodes): Promise<void> {
  const { spot } = nodes;
  const pods = await admin.core.listNamespacedPod({
    namespace: SHOP,
    fieldSelector: `spec.nodeName=${spot.name}`,
  });
  say(
    `2/5  EC2 Spot interruption warning for ${spot.instanceId} (node ${spot.name}, running ${pods.items.length} shop pods)`,
  );
  const sample = sampleEvent("spot-interruption") as Record<string, unknown> & {
    detail: Record<string, unknown>;
  };
  await post("/events", fresh({ ...sample, detail: { ...sample.detail, "instance-id": spot.instanceId } }));
  await waitFor(
    async () => {
      const node = await admin.core.readNode({ name: spot.name });
      const left = await admin.core.listNamespacedPod({
        namespace: SHOP,
        fieldSelector: `spec.nodeName=${spot.name}`,
      });
      return node.spec?.unschedulable === true && left.items.length === 0;
    },
    { what: `node ${spot.name} to be cordoned and drained`, timeoutMs: DEMO_WAIT_MS },
  );
  await waitForRolledOut(admin, SHOP, "the shop's pods to run again on the other nodes");
}

async function badReleaseRolledBack(admin: Kube): Promise<void> {
  say("3/5  a bad release of cart (v2 crash-loops); the rollout guard scans every 5s");
  await admin.apps.patchNamespacedDeployment(
    {
      namespace: SHOP,
      name: "cart",
      body: {
        metadata: { annotations: { "kubernetes.io/change-cause": "cart v2 (crash-loops)" } },
        spec: { template: { metadata: { labels: { [BEHAVIOUR_LABEL]: BEHAVIOURS.crashloop } } } },
      },
    },
    setHeaderOptions("Content-Type", PatchStrategy.StrategicMergePatch),
  );
  await waitFor(
    async () => {
      const cart = await admin.apps.readNamespacedDeployment({ namespace: SHOP, name: "cart" });
      const revision = Number(cart.metadata?.annotations?.["deployment.kubernetes.io/revision"] ?? 0);
      return revision >= 3 && cart.spec?.template?.metadata?.labels?.[BEHAVIOUR_LABEL] === undefined;
    },
    { what: "cart to be rolled back to v1", timeoutMs: DEMO_WAIT_MS },
  );
  await waitForRolledOut(admin, SHOP, "cart v1 to run again");
}

async function stagingEveningAndMorning(admin: Kube): Promise<void> {
  const names = Object.keys(STAGING_SERVICES);
  say(
    "4/5  staging's evening schedule (20:00 Europe/Berlin, Mon-Fri). The demo drives the schedule's clock: " +
      "it fires the schedule now, as of its next time (POST /schedules/staging-office-hours.evening)",
  );
  await post("/schedules/staging-office-hours.evening");
  await waitFor(
    async () => {
      const counts = await Promise.all(names.map((name) => replicasOf(admin, STAGING, name)));
      return counts.every((count) => count === 0);
    },
    { what: "staging to be scaled to zero", timeoutMs: DEMO_WAIT_MS },
  );
  say(
    "5/5  and its morning schedule (07:30 Europe/Berlin), fired the same way: staging gets back what it had",
  );
  await post("/schedules/staging-office-hours.morning");
  await waitFor(
    async () => {
      const counts = await Promise.all(names.map((name) => replicasOf(admin, STAGING, name)));
      return names.every(
        (name, index) => counts[index] === STAGING_SERVICES[name as keyof typeof STAGING_SERVICES],
      );
    },
    { what: "staging to be restored", timeoutMs: DEMO_WAIT_MS },
  );
  await waitForRolledOut(admin, STAGING, "staging's pods to run again");
}

function startDev(kubeconfig: string, stateDb: string): ChildProcess {
  // its own process group: Ctrl-C reaches this script, which hands dev exactly one SIGINT
  return spawn(
    process.execPath,
    [
      HOMEOSTAT,
      "dev",
      "--config",
      CONFIG,
      "--kubeconfig",
      kubeconfig,
      "--port",
      String(PORT),
      "--rollout-interval",
      "5s",
    ],
    {
      cwd: REPO_ROOT,
      detached: true,
      stdio: ["ignore", "inherit", "inherit"],
      env: {
        ...process.env,
        HOMEOSTAT_STATE_DB: stateDb,
        // kwok's crash loop restarts every few seconds: two restarts are enough to call it stalled
        HOMEOSTAT_ROLLOUT_CRASHLOOP_RESTARTS: "2",
      },
    },
  );
}

async function main(): Promise<number> {
  say("starting the local test environment (a real kube-apiserver with kwok nodes; built on first use)");
  const { env } = await up({ startedBy: "cli", log: (line) => process.stderr.write(`[testenv] ${line}\n`) });
  const admin = adminKube(env);
  say("seeding the shop: namespaces shop and staging, 3 EKS-looking nodes (one Spot), Deployments with PDBs");
  const nodes = await seedDemo(admin);

  const stateDir = join(env.dir, "demo");
  rmSync(stateDir, { recursive: true, force: true });
  mkdirSync(stateDir, { recursive: true });
  const dev = startDev(env.kubeconfig, join(stateDir, "state.db"));
  const exited = new Promise<number>((resolvePromise) =>
    dev.once("exit", (code) => resolvePromise(code ?? 1)),
  );
  let signalled = false;
  // each Ctrl-C goes to dev once: the first stops it cleanly, a second makes it quit at once
  const stop = () => {
    signalled = true;
    if (dev.exitCode === null) dev.kill("SIGINT");
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);

  try {
    await Promise.race([
      waitFor(async () => (await fetch(URL_BASE)).ok, {
        what: `homeostat dev to listen on ${URL_BASE}`,
        timeoutMs: 60_000,
      }),
      exited.then((code) => {
        throw new Error(`homeostat dev exited (${code}) before it listened`);
      }),
    ]);
    const incident = async () => {
      await alarmScalesCheckout(admin);
      await spotDrainsNode(admin, nodes);
      await badReleaseRolledBack(admin);
      await stagingEveningAndMorning(admin);
    };
    // Ctrl-C during the incident: dev stops, and so does the demo
    const stopped = await Promise.race([incident().then(() => false), exited.then(() => true)]);
    if (stopped) {
      if (!signalled)
        process.stderr.write(`demo failed: homeostat dev exited (${await exited}) during the incident\n`);
      return signalled ? 0 : 1;
    }
    say(
      [
        "the incident is handled; everything it did is left in the cluster:",
        `  kubectl --kubeconfig ${env.kubeconfig} get nodes,deploy,pdb,pods -n ${SHOP} -o wide`,
        `  kubectl --kubeconfig ${env.kubeconfig} rollout history deployment/cart -n ${SHOP}`,
        `homeostat dev keeps running at ${URL_BASE}: try  npx homeostat events sample spot-interruption | curl --data @- ${URL_BASE}/events`,
        "Ctrl-C stops it (the test environment keeps running; npm run testenv -- down stops that)",
      ].join("\n       "),
    );
  } catch (error) {
    if (!signalled) {
      process.stderr.write(`demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
      stop();
      await exited;
      return 1;
    }
  }
  const code = await exited;
  if (signalled) {
    say(
      `the objects stay in the cluster (kubectl --kubeconfig ${env.kubeconfig} get pods -A); npm run testenv -- down stops it`,
    );
  }
  return signalled ? 0 : code;
}

// exit explicitly: an incident step cut short by Ctrl-C may still be polling the cluster
process.exit(
  await main().catch((error: unknown) => {
    // before dev started (the test environment, the seeding): say what failed, without a stack trace
    process.stderr.write(`npm start failed: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }),
);
