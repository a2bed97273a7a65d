// Drain of a node with 100 pods: Homeostat's drain against `kubectl drain` with the same flags, on twin
// kwok nodes of the local test environment; wall time and API requests, as a ratio from one run.
//
//   npm run testenv -- up && node scripts/bench-drain.ts [--pods 100]
//
// Ours runs as the restricted automation identity (EKS-style token); kubectl (the oracle) with the
// admin kubeconfig, its requests counted from `-v=6` (discovery requests reported apart).
import { execFile } from "node:child_process";
import { parseArgs, promisify } from "node:util";
import { drain } from "../packages/core/src/kube/drain.ts";
import { createNamespace, removeNode } from "../test/env/cluster.ts";
import { adminKube, loadTestEnv } from "../test/env/env.ts";
import { automationKube } from "../test/env/identity.ts";
import {
  addDedicatedNode,
  createPooledDeployment,
  uniqueId,
  waitForPodsOnNode,
} from "../test/env/node-fixtures.ts";
import { applyAutomationRbac } from "../test/env/rbac.ts";

const run = promisify(execFile);
const { values } = parseArgs({ options: { pods: { type: "string", default: "100" } } });
const podCount = Number(values.pods);
const DEPLOYMENTS = 4;

const env = loadTestEnv();
const admin = adminKube(env);
await applyAutomationRbac(admin);
const automation = await automationKube(env);
const ns = await createNamespace(admin, "bench-drain");
const created: string[] = [];
const log = (line: string) => process.stderr.write(`${line}\n`);

try {
  const sides = await Promise.all(
    ["ours", "kubectl"].map(async (side) => {
      const pool = `bench-${uniqueId()}-${side}`;
      const node = await addDedicatedNode(admin, pool);
      created.push(node.name);
      for (let i = 0; i < DEPLOYMENTS; i++) {
        const replicas = Math.floor(podCount / DEPLOYMENTS) + (i < podCount % DEPLOYMENTS ? 1 : 0);
        await createPooledDeployment(admin, ns.name, `web-${side}-${i}`, pool, { replicas, role: "pdb" });
      }
      await waitForPodsOnNode(admin, ns.name, node.name, podCount);
      // somewhere for the evicted replicas to go (the drained node is cordoned)
      const spare = await addDedicatedNode(admin, pool);
      created.push(spare.name);
      return node;
    }),
  );
  const [oursNode, kubectlNode] = sides;
  if (!oursNode || !kubectlNode) throw new Error("fixture nodes missing");
  log(`${podCount} pods on ${oursNode.name} (ours) and ${kubectlNode.name} (kubectl)`);

  const oursStart = performance.now();
  const result = await drain(automation, oursNode.instanceId, {
    deleteEmptyDirData: true,
    force: true,
    timeoutMs: 300_000,
  });
  const oursMs = performance.now() - oursStart;
  if (!result.ok) throw new Error(`our drain failed: ${result.message}`);

  const kubectlStart = performance.now();
  const { stderr } = await run(
    "/usr/bin/kubectl",
    [
      "--kubeconfig",
      env.kubeconfig,
      "drain",
      kubectlNode.name,
      "--ignore-daemonsets",
      "--delete-emptydir-data",
      "--force",
      "--timeout=300s",
      "-v=6",
    ],
    { maxBuffer: 64 * 1024 * 1024, timeout: 360_000 },
  );
  const kubectlMs = performance.now() - kubectlStart;
  // klog at -v=6 logs one line per response: `"Response" verb="GET" url="…"` (older: `GET https://… 200 OK`)
  const requests = stderr
    .split("\n")
    .map(
      (line) =>
        /"Response" verb="(\w+)" url="([^"]+)"/.exec(line) ??
        /\] (GET|POST|PATCH|PUT|DELETE) (https:\S+)/.exec(line),
    )
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => ({ verb: match[1], url: new URL(match[2] ?? "").pathname }));
  const discovery = requests.filter(
    (r) => /^\/(api|apis)(\/[^/]+)?(\/v[^/]+)?$/.test(r.url) || r.url.startsWith("/openapi"),
  );
  const kubectlRequests = requests.length;
  const kubectlResourceRequests = kubectlRequests - discovery.length;

  const figures = {
    pods: podCount,
    ours: {
      wallMs: Math.round(oursMs),
      apiRequests: result.apiRequests,
      evicted: result.after?.evicted.length,
    },
    kubectl: {
      wallMs: Math.round(kubectlMs),
      apiRequests: kubectlRequests,
      apiRequestsWithoutDiscovery: kubectlResourceRequests,
    },
    ratio: {
      wallTime: Number((oursMs / kubectlMs).toFixed(2)),
      apiRequests: Number((result.apiRequests / kubectlRequests).toFixed(2)),
      apiRequestsWithoutDiscovery: Number((result.apiRequests / kubectlResourceRequests).toFixed(2)),
    },
  };
  console.log(JSON.stringify(figures, null, 2));
} finally {
  await ns.cleanup();
  for (const name of created) await removeNode(admin, name);
}
