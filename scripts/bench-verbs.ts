// API requests and wall time per verb: Homeostat against kubectl on the same local cluster.
//
//   npm run testenv -- up && node scripts/bench-verbs.ts [--runs 5]
//
// Ours runs as the restricted automation identity (EKS-style token) on a warm client, as a warm Lambda
// would; kubectl with the admin kubeconfig, its requests counted from `-v=6` (discovery requests
// reported apart: kubectl caches them on disk). kubectl's time includes its process start; ours does not.
// (Drain has its own benchmark: scripts/bench-drain.ts.)
import { execFile } from "node:child_process";
import { parseArgs, promisify } from "node:util";
import type { WorkloadTarget } from "../packages/core/src/domain/target.ts";
import type { VerbResult } from "../packages/core/src/domain/verb.ts";
import { cordon, uncordon } from "../packages/core/src/kube/cordon.ts";
import { restart } from "../packages/core/src/kube/restart.ts";
import { strategicMergePatch } from "../packages/core/src/kube/result.ts";
import { rollback } from "../packages/core/src/kube/rollback.ts";
import { scale } from "../packages/core/src/kube/scale.ts";
import { status } from "../packages/core/src/kube/status.ts";
import { addNode, createNamespace, removeNode, waitFor } from "../test/env/cluster.ts";
import { adminKube, loadTestEnv } from "../test/env/env.ts";
import { automationKube } from "../test/env/identity.ts";
import { applyAutomationRbac } from "../test/env/rbac.ts";

const run = promisify(execFile);
const { values } = parseArgs({ options: { runs: { type: "string", default: "5" } } });
const runs = Number(values.runs);

const env = loadTestEnv();
const admin = adminKube(env);
await applyAutomationRbac(admin);
const kube = await automationKube(env);
const ns = await createNamespace(admin, "bench-verbs");
const log = (line: string) => process.stderr.write(`${line}\n`);

interface Sample {
  requests: number;
  discovery: number;
  ms: number;
}

const REQUEST_LINE = /\b(GET|POST|PUT|PATCH|DELETE) (https?:\/\/\S+) (\d{3})/;

async function kubectl(args: string[]): Promise<Sample> {
  const started = performance.now();
  const { stderr } = await run("/usr/bin/kubectl", [
    "--kubeconfig",
    env.kubeconfig,
    "-n",
    ns.name,
    "-v=6",
    ...args,
  ]);
  const ms = performance.now() - started;
  let requests = 0;
  let discovery = 0;
  for (const line of stderr.split("\n")) {
    const match = REQUEST_LINE.exec(line);
    if (!match?.[2]) continue;
    const path = new URL(match[2]).pathname;
    if (/^\/(api|apis)(\/[^/]+){0,2}$/.test(path) || path.startsWith("/openapi")) discovery++;
    else requests++;
  }
  return { requests, discovery, ms };
}

async function ours(verb: () => Promise<VerbResult<unknown, unknown>>): Promise<Sample> {
  const started = performance.now();
  const result = await verb();
  if (!result.ok) throw new Error(result.message);
  return { requests: result.apiRequests, discovery: 0, ms: performance.now() - started };
}

async function deployment(name: string): Promise<void> {
  await admin.apps.createNamespacedDeployment({
    namespace: ns.name,
    body: {
      metadata: { name },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: name } },
        template: {
          metadata: { labels: { app: name } },
          spec: { containers: [{ name: "web", image: "nginx:1" }] },
        },
      },
    },
  });
}

async function newRevision(name: string, image: string): Promise<void> {
  const before = await admin.apps.readNamespacedDeployment({ name, namespace: ns.name });
  const revision = Number(before.metadata?.annotations?.["deployment.kubernetes.io/revision"] ?? "0");
  await admin.apps.patchNamespacedDeployment(
    {
      name,
      namespace: ns.name,
      body: { spec: { template: { spec: { containers: [{ name: "web", image }] } } } },
    },
    strategicMergePatch(),
  );
  await waitFor(
    async () =>
      Number(
        (await admin.apps.readNamespacedDeployment({ name, namespace: ns.name })).metadata?.annotations?.[
          "deployment.kubernetes.io/revision"
        ] ?? "0",
      ) > revision,
    { what: `a new revision of ${name}` },
  );
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const target = (name: string): WorkloadTarget => ({ kind: "Deployment", namespace: ns.name, name });

const rows: { verb: string; ours: Sample[]; kubectl: Sample[] }[] = [];
const node = await addNode(admin, {
  taints: [{ key: "homeostat.test/bench", value: "true", effect: "NoSchedule" }],
});
try {
  await Promise.all([deployment("ours"), deployment("theirs")]);
  // warm both: our client's token and connection, kubectl's discovery cache
  await status(kube, target("ours"));
  await kubectl(["get", "deployment", "theirs"]);

  const scaleRow = { verb: "scale", ours: [] as Sample[], kubectl: [] as Sample[] };
  const restartRow = { verb: "restart", ours: [] as Sample[], kubectl: [] as Sample[] };
  const rollbackRow = { verb: "rollback", ours: [] as Sample[], kubectl: [] as Sample[] };
  const cordonRow = { verb: "cordon", ours: [] as Sample[], kubectl: [] as Sample[] };
  for (let i = 0; i < runs; i++) {
    log(`run ${i + 1}/${runs}`);
    scaleRow.ours.push(await ours(() => scale(kube, target("ours"), { change: String(2 + i) })));
    scaleRow.kubectl.push(await kubectl(["scale", "deployment/theirs", `--replicas=${2 + i}`]));
    restartRow.ours.push(await ours(() => restart(kube, target("ours"))));
    restartRow.kubectl.push(await kubectl(["rollout", "restart", "deployment/theirs"]));
    await Promise.all([newRevision("ours", `nginx:1.${i}`), newRevision("theirs", `nginx:1.${i}`)]);
    rollbackRow.ours.push(await ours(() => rollback(kube, target("ours"))));
    rollbackRow.kubectl.push(await kubectl(["rollout", "undo", "deployment/theirs"]));
    cordonRow.ours.push(await ours(() => cordon(kube, node.instanceId)));
    await uncordon(kube, node.name);
    cordonRow.kubectl.push(await kubectl(["cordon", node.name]));
    await uncordon(kube, node.name);
  }
  rows.push(scaleRow, restartRow, rollbackRow, cordonRow);
} finally {
  await removeNode(admin, node.name);
  await ns.cleanup();
}

const lines = [
  `| verb | ours: requests | kubectl: requests (+discovery) | ours: median ms | kubectl: median ms (process) |`,
  `|---|---|---|---|---|`,
  ...rows.map(
    (row) =>
      `| ${row.verb} | ${median(row.ours.map((s) => s.requests))} | ${median(row.kubectl.map((s) => s.requests))} (+${median(
        row.kubectl.map((s) => s.discovery),
      )}) | ${median(row.ours.map((s) => s.ms)).toFixed(0)} | ${median(row.kubectl.map((s) => s.ms)).toFixed(0)} |`,
  ),
];
process.stdout.write(
  `${lines.join("\n")}\n(${runs} runs each; cordon by EC2 instance id for ours, by node name for kubectl)\n`,
);
