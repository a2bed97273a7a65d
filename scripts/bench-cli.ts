// The homeostat CLI against kubectl as whole processes, side by side on the test cluster: what a person
// at a terminal waits for. Wall time and peak RSS of each process, medians, ratios.
//
//   npm run testenv -- up && npm run bench:cli [-- --runs 15] [--homeostat path/to/bin]
//
// Both use the admin kubeconfig (a client certificate: no exec plugin on either side). Runs are
// interleaved — ours, kubectl, then kubectl first on the next round — so load on the machine falls on
// both alike. Peak RSS is GNU time's %M: the largest process of the command's tree. `--homeostat`
// points at another bin (the baseline: a checkout of main), run with this Node as the bin is.
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { parseArgs, promisify } from "node:util";
import { cordon, uncordon } from "../packages/core/src/kube/cordon.ts";
import { strategicMergePatch } from "../packages/core/src/kube/result.ts";
import { REPO_ROOT } from "../test/env/binaries.ts";
import { addNode, createNamespace, createPauseDeployment, removeNode, waitFor } from "../test/env/cluster.ts";
import { adminKube, loadTestEnv } from "../test/env/env.ts";
import { takeLease } from "../test/env/lifecycle.ts";

const run = promisify(execFile);
const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "15" },
    homeostat: { type: "string", default: join(REPO_ROOT, "packages/core/bin/homeostat.js") },
  },
});
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a whole number; got ${values.runs}`);
const bin = resolve(values.homeostat);
// npx finds the bin of the repository it runs in: the one `bin` belongs to (packages/core/bin/…)
const binRepo = resolve(dirname(bin), "../../..");
if (!existsSync(bin)) throw new Error(`no homeostat bin at ${bin}`);
const TIME = "/usr/bin/time";
const KUBECTL = "/usr/bin/kubectl";
for (const tool of [TIME, KUBECTL]) if (!existsSync(tool)) throw new Error(`${tool} is needed`);

const env = loadTestEnv();
// a test run that ends meanwhile must not stop an environment it started while this uses it
const releaseLease = takeLease();
const admin = adminKube(env);
const log = (line: string) => process.stderr.write(`${line}\n`);
const scratch = mkdtempSync(join(tmpdir(), "bench-cli-"));
const rssFile = join(scratch, "rss");

interface Sample {
  ms: number;
  /** user + system CPU time: what the process itself cost, however busy the machine is */
  cpuMs: number;
  rssMiB: number;
}

/**
 * One whole process under GNU time: wall time as seen from here; CPU time and peak RSS as the kernel
 * counted them.
 */
async function measure(command: string, args: string[], cwd = REPO_ROOT): Promise<Sample> {
  const started = performance.now();
  try {
    await run(TIME, ["-f", "%M %U %S", "-o", rssFile, command, ...args], { cwd, timeout: 60_000 });
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string };
    throw new Error(
      `${command} ${args.join(" ")} failed: ${failed.stderr || failed.stdout || String(error)}`,
    );
  }
  const ms = performance.now() - started;
  const [kib, user, system] = (readFileSync(rssFile, "utf8").trim().split("\n").at(-1) ?? "")
    .split(" ")
    .map(Number);
  if (kib === undefined || user === undefined || system === undefined)
    throw new Error(`no figures from ${TIME}`);
  return { ms, cpuMs: (user + system) * 1000, rssMiB: kib / 1024 };
}

const homeostat = (args: string[]) =>
  measure(process.execPath, [bin, ...args, "--kubeconfig", env.kubeconfig, "--output", "json"]);
const kubectl = (args: string[]) => measure(KUBECTL, ["--kubeconfig", env.kubeconfig, ...args]);

interface Case {
  name: string;
  ours: (round: number) => Promise<Sample>;
  kubectl: (round: number) => Promise<Sample>;
  /** Run after each side's measured command, unmeasured: puts the object back. */
  reset?: () => Promise<unknown>;
}

const ns = await createNamespace(admin, "bench-cli");
const node = await addNode(admin, {
  taints: [{ key: "homeostat.test/bench", value: "true", effect: "NoSchedule" }],
});
const putBack = () => uncordon(admin, node.name);

const cases: Case[] = [
  {
    name: "scale",
    // a real change every run: 2, 3, 2, 3, …
    ours: (round) => homeostat(["scale", `${ns.name}/ours`, String(2 + (round % 2))]),
    kubectl: (round) =>
      kubectl(["-n", ns.name, "scale", "deployment/theirs", `--replicas=${2 + (round % 2)}`]),
  },
  {
    name: "cordon",
    ours: () => homeostat(["cordon", node.name]),
    kubectl: () => kubectl(["cordon", node.name]),
    reset: putBack,
  },
  {
    name: "uncordon",
    ours: () => homeostat(["uncordon", node.name]),
    kubectl: () => kubectl(["uncordon", node.name]),
    reset: () => cordon(admin, node.name),
  },
  {
    // each rollback swaps the Deployment's last two revisions: a real change every run
    name: "rollback / rollout undo",
    ours: () => homeostat(["rollback", `${ns.name}/ours-r`]),
    kubectl: () => kubectl(["-n", ns.name, "rollout", "undo", "deployment/theirs-r"]),
  },
  {
    name: "status / get",
    ours: () => homeostat(["status", `${ns.name}/ours`]),
    kubectl: () => kubectl(["-n", ns.name, "get", "deployment", "theirs"]),
  },
  {
    name: "--help",
    ours: () => measure(process.execPath, [bin, "--help"]),
    kubectl: () => measure(KUBECTL, ["--help"]),
  },
  {
    name: "npx homeostat --help",
    ours: () => measure("npx", ["homeostat", "--help"], binRepo),
    kubectl: () => measure(KUBECTL, ["--help"]),
  },
  {
    // what npx costs before it runs anything: the floor under the row above
    name: "npx --version (npm alone)",
    ours: () => measure("npx", ["--version"], binRepo),
    kubectl: () => measure(KUBECTL, ["--help"]),
  },
];

/** A Deployment with two revisions (its template changed once), both ReplicaSets there to roll back to. */
async function twoRevisions(name: string): Promise<void> {
  await createPauseDeployment(admin, ns.name, name, 1);
  await waitFor(async () => (await replicaSets(name)) === 1, {
    what: `deployment ${name}'s first ReplicaSet`,
  });
  await admin.apps.patchNamespacedDeployment(
    {
      namespace: ns.name,
      name,
      body: { spec: { template: { metadata: { annotations: { "homeostat.test/revision": "2" } } } } },
    },
    strategicMergePatch(),
  );
  await waitFor(async () => (await replicaSets(name)) === 2, {
    what: `deployment ${name}'s second ReplicaSet`,
  });
}

async function replicaSets(name: string): Promise<number> {
  const list = await admin.apps.listNamespacedReplicaSet({
    namespace: ns.name,
    labelSelector: `app=${name}`,
  });
  return list.items.length;
}

const samples = new Map(cases.map((c) => [c.name, { ours: [] as Sample[], kubectl: [] as Sample[] }]));
try {
  await Promise.all([
    createPauseDeployment(admin, ns.name, "ours", 2),
    createPauseDeployment(admin, ns.name, "theirs", 2),
    twoRevisions("ours-r"),
    twoRevisions("theirs-r"),
  ]);
  // warm both once (kubectl's discovery cache, the page cache, Node's compile cache), unmeasured
  for (const c of cases) {
    await c.ours(1);
    await c.reset?.();
    await c.kubectl(1);
    await c.reset?.();
  }
  for (let round = 0; round < runs; round++) {
    log(`round ${round + 1}/${runs}`);
    for (const c of cases) {
      const got = samples.get(c.name);
      if (!got) throw new Error(c.name);
      const sides = [
        async () => got.ours.push(await c.ours(round)),
        async () => got.kubectl.push(await c.kubectl(round)),
      ];
      for (const side of round % 2 === 0 ? sides : sides.reverse()) {
        await side();
        await c.reset?.();
      }
    }
  }
} finally {
  await removeNode(admin, node.name);
  await ns.cleanup();
  rmSync(scratch, { recursive: true, force: true });
  releaseLease();
}

const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
};
const cell = (ours: number, theirs: number, digits = 0) =>
  `${ours.toFixed(digits)} | ${theirs.toFixed(digits)} | ${(ours / theirs).toFixed(1)}×`;
const lines = [
  "| command | homeostat ms | kubectl ms | ratio | homeostat CPU ms | kubectl CPU ms | ratio | homeostat MiB | kubectl MiB | ratio |",
  "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
  ...cases.map((c) => {
    const got = samples.get(c.name);
    if (!got) throw new Error(c.name);
    const of = (side: Sample[], field: keyof Sample) => median(side.map((sample) => sample[field]));
    return `| ${c.name} | ${(["ms", "cpuMs", "rssMiB"] as const).map((field) => cell(of(got.ours, field), of(got.kubectl, field))).join(" | ")} |`;
  }),
];
process.stdout.write(
  `${lines.join("\n")}\n(medians of ${runs} interleaved runs; homeostat: ${bin} on Node ${process.versions.node}; kubectl: get deployment for status, kubectl --help beside both --help rows; load average ${loadavg()[0]?.toFixed(1)} on ${availableParallelism()} cores at the end)\n`,
);
