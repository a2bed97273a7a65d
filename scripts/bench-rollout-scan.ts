// The rollout guard's scan at scale: 2,000 Deployments in 50 namespaces on the local test environment
// (200 rolling out, 5 stalled; test/fixtures/rollout-scale.ts), scanned as the automation identity
// with the bounded, paginated reads and, as the baseline, the old way (every list unpaginated, every
// request at once: concurrency 1000, page 0). Median wall time per scan, API requests per scan, the
// most requests in flight at once, and the scanning process's memory: peak RSS and heap, free and
// with the V8 heap capped as in a 256 MB function.
//
//   npm run testenv -- up && npm run bench:rollout-scan [-- --runs 10 --baseline-runs 5 --concurrency 8 --page 500 --heap-cap 64]
//
// Each side scans in a process of its own, so its memory figures are its own: this script bundled
// (bun build, as the functions are bundled: no TypeScript stripping at run time) and run with
// `--child`. Peak RSS is the kernel's high-water mark (getrusage); heap is sampled every 2 ms.
//
// A third side, "a connection per request", is the bounded scan as it was before kube/client.ts kept
// one undici dispatcher per Kube handle: client-node 2.0.1 builds a new Agent for every request
// (KubeConfig.applySecurityAuthentication), so every request opened a TLS connection of its own, left
// idle until it timed out. That side authenticates each request once more with the KubeConfig itself,
// which puts it on a fresh Agent again, exactly as client-node does on its own.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs, promisify } from "node:util";
import type { RequestContext } from "@kubernetes/client-node";
import type { Kube } from "../packages/core/src/kube/client.ts";
import { scanForStalledRollouts } from "../packages/core/src/rollout/scan.ts";
import { REPO_ROOT } from "../test/env/binaries.ts";
import { adminKube, loadTestEnv, TESTENV_DIR } from "../test/env/env.ts";
import { automationKube } from "../test/env/identity.ts";
import { takeLease } from "../test/env/lifecycle.ts";
import { applyAutomationRbac } from "../test/env/rbac.ts";
import {
  countingKube,
  SCALE,
  SCALE_THRESHOLDS,
  seedRolloutScale,
  untilStalled,
} from "../test/fixtures/rollout-scale.ts";

/** The memory the scan must fit: a 256 MB function. */
const FUNCTION_MEMORY_MB = 256;
const MiB = 1024 * 1024;

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "10" },
    // the baseline bursts hundreds of requests at the shared API server: fewer runs of it
    "baseline-runs": { type: "string", default: "5" },
    concurrency: { type: "string", default: "8" },
    page: { type: "string", default: "500" },
    // V8's own heap limit on a 256 MB machine is about a quarter of it
    "heap-cap": { type: "string", default: "64" },
    child: { type: "boolean", default: false },
    "connection-per-request": { type: "boolean", default: false },
    namespaces: { type: "string", default: "" },
    expect: { type: "string", default: "" },
  },
});

interface Figures {
  runs: number;
  medianMs: number;
  minMs: number;
  maxMs: number;
  requestsPerScan: number;
  peakInFlight: number;
  /** RSS once connected and warm (one namespace scanned), before the measured scans. */
  floorRssMb: number;
  peakRssMb: number;
  peakHeapMb: number;
}

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const mb = (bytes: number) => Math.round(bytes / MiB);

/** Every request of `kube` on a new undici Agent, as client-node 2.0.1 does without kube/'s one pool. */
function connectionPerRequest(kube: Kube): void {
  const { middleware } = kube.requests;
  const counted = middleware.pre.bind(middleware);
  // the middleware runs after the handle's authentication: authenticating again replaces its pool
  middleware.pre = async (context: RequestContext) => {
    await kube.config.applySecurityAuthentication(context);
    return await counted(context);
  };
}

/** In the child: connect, one warm-up scan (token, connections, JIT), then `runs` measured ones. */
async function measure(): Promise<Figures> {
  const namespaces = values.namespaces.split(",");
  const expected = values.expect.split(",").sort();
  const options = {
    thresholds: SCALE_THRESHOLDS,
    concurrency: Number(values.concurrency),
    pageSize: Number(values.page),
  };
  const automation = await automationKube(loadTestEnv());
  if (values["connection-per-request"]) connectionPerRequest(automation);
  const { kube, stats, reset } = countingKube(automation);
  await scanForStalledRollouts(kube, namespaces.slice(0, 1), options);
  const floorRss = process.memoryUsage().rss;
  let peakHeap = 0;
  const sample = () => {
    peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  };
  const sampler = setInterval(sample, 2);
  const wall: number[] = [];
  const requests: number[] = [];
  let peakInFlight = 0;
  try {
    for (let run = 0; run <= Number(values.runs); run++) {
      reset();
      const started = performance.now();
      const triggers = await scanForStalledRollouts(kube, namespaces, options);
      const ms = performance.now() - started;
      sample();
      const found = triggers.map((trigger) => trigger.id).sort();
      if (found.join() !== expected.join()) {
        throw new Error(`the scan found ${found.join(", ") || "nothing"}; expected ${expected.join(", ")}`);
      }
      if (run === 0) continue;
      wall.push(ms);
      requests.push(stats.requests);
      peakInFlight = Math.max(peakInFlight, stats.peakInFlight);
    }
  } finally {
    clearInterval(sampler);
  }
  return {
    runs: wall.length,
    medianMs: Math.round(median(wall)),
    minMs: Math.round(Math.min(...wall)),
    maxMs: Math.round(Math.max(...wall)),
    requestsPerScan: median(requests),
    peakInFlight,
    floorRssMb: mb(floorRss),
    // ru_maxrss is in KiB on Linux
    peakRssMb: mb(process.resourceUsage().maxRSS * 1024),
    peakHeapMb: mb(peakHeap),
  };
}

const run = promisify(execFile);

interface Side {
  concurrency: string;
  page: string;
  runs: string;
  connectionPerRequest?: boolean;
}

/** One side in a child process; undefined when it ran out of heap (`heapCapMb`). */
async function scanIn(
  bundle: string,
  side: Side,
  fixture: { namespaces: readonly string[]; stalledIds: readonly string[] },
  heapCapMb?: number,
): Promise<Figures | undefined> {
  try {
    const { stdout } = await run(
      process.execPath,
      [
        ...(heapCapMb ? [`--max-old-space-size=${heapCapMb}`] : []),
        bundle,
        "--child",
        `--runs=${side.runs}`,
        `--concurrency=${side.concurrency}`,
        `--page=${side.page}`,
        ...(side.connectionPerRequest ? ["--connection-per-request"] : []),
        `--namespaces=${fixture.namespaces.join(",")}`,
        `--expect=${fixture.stalledIds.join(",")}`,
      ],
      { maxBuffer: 16 * MiB, timeout: 600_000, env: { ...process.env, HOMEOSTAT_TESTENV_DIR: TESTENV_DIR } },
    );
    return JSON.parse(stdout) as Figures;
  } catch (error) {
    if (heapCapMb && String((error as { stderr?: string }).stderr).includes("heap out of memory"))
      return undefined;
    throw error;
  }
}

if (values.child) {
  process.stdout.write(JSON.stringify(await measure()));
} else {
  const log = (line: string) => process.stderr.write(`${line}\n`);
  // a test run that ends meanwhile must not stop an environment it started while this uses it
  const releaseLease = takeLease();
  const scratch = mkdtempSync(join(tmpdir(), "bench-rollout-scan-"));
  const bundle = join(scratch, "bench.mjs");
  await run(join(REPO_ROOT, "node_modules/.bin/bun"), [
    "build",
    fileURLToPath(import.meta.url),
    "--target=node",
    "--format=esm",
    `--outfile=${bundle}`,
  ]);
  const env = loadTestEnv();
  const admin = adminKube(env);
  await applyAutomationRbac(admin);
  const fixture = await seedRolloutScale(admin, SCALE, log);
  try {
    await untilStalled(await automationKube(env), fixture);
    const heapCap = Number(values["heap-cap"]);
    const sides: Array<{ name: string; side: Side }> = [
      {
        name: `bounded (pool ${values.concurrency}, pages of ${values.page})`,
        side: { concurrency: values.concurrency, page: values.page, runs: values.runs },
      },
      {
        name: "baseline (unbounded, unpaginated)",
        side: { concurrency: "1000", page: "0", runs: values["baseline-runs"] },
      },
      {
        name: "bounded, a connection per request (client-node's default)",
        side: {
          concurrency: values.concurrency,
          page: values.page,
          runs: values.runs,
          connectionPerRequest: true,
        },
      },
    ];
    log(
      `scanning: ${sides.map(({ name, side }) => `${side.runs} × ${name}`).join("; ")}; then 3 of each, heap capped at ${heapCap} MiB`,
    );
    const results: Array<{ name: string; side: Side; free: Figures; capped: Figures | undefined }> = [];
    for (const { name, side } of sides) {
      const free = await scanIn(bundle, side, fixture);
      if (!free) throw new Error(`${name}: ran out of heap uncapped`);
      results.push({
        name,
        side,
        free,
        capped: await scanIn(bundle, { ...side, runs: "3" }, fixture, heapCap),
      });
    }
    const baseline = results[1];
    if (!baseline) throw new Error("no baseline figures");
    const capped = (f: Figures | undefined) => (f ? `${f.peakRssMb} (${f.medianMs} ms)` : "out of heap");
    const row = ({ name, free: f, capped: c }: (typeof results)[number]) =>
      `| ${name} | ${f.medianMs} (${f.minMs}-${f.maxMs}) | ${f.requestsPerScan} | ${f.peakInFlight} | ${f.floorRssMb} | ${f.peakRssMb} | ${f.peakHeapMb} | ${capped(c)} |`;
    const ratioRow = ({ name, free: f, capped: c }: (typeof results)[number]) => {
      const ratio = (key: keyof Figures) => (f[key] / baseline.free[key]).toFixed(2);
      const cappedRatio = c && baseline.capped ? (c.peakRssMb / baseline.capped.peakRssMb).toFixed(2) : "-";
      return `| ratio ${name} / baseline | ${ratio("medianMs")} | ${ratio("requestsPerScan")} | ${ratio("peakInFlight")} | ${ratio("floorRssMb")} | ${ratio("peakRssMb")} | ${ratio("peakHeapMb")} | ${cappedRatio} |`;
    };
    console.log(
      [
        `| scan | median ms (min-max) | requests/scan | peak in flight | floor RSS MiB | peak RSS MiB | peak heap MiB | capped at ${heapCap} MiB heap: peak RSS MiB (median) |`,
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
        ...results.map(row),
        ...results.filter((result) => result !== baseline).map(ratioRow),
      ].join("\n"),
    );
    const fits = (f: Figures | undefined) => f !== undefined && f.peakRssMb <= FUNCTION_MEMORY_MB;
    console.log(
      JSON.stringify(
        {
          deployments: fixture.deployments,
          namespaces: fixture.namespaces.length,
          rollingOut: SCALE.namespaces * SCALE.rollingPerNamespace + fixture.stalledIds.length,
          stalled: fixture.stalledIds.length,
          heapCapMb: heapCap,
          sides: results.map(({ name, side, free, capped }) => ({
            name,
            ...side,
            free,
            capped: capped ?? "out of heap",
            [`within${FUNCTION_MEMORY_MB}MB`]: fits(capped),
          })),
        },
        null,
        2,
      ),
    );
    for (const { name, capped } of results) {
      log(
        `${name}: ${fits(capped) ? "fits" : "does not fit"} ${FUNCTION_MEMORY_MB} MB (heap capped at ${heapCap} MiB)`,
      );
    }
  } finally {
    await fixture.cleanup();
    rmSync(scratch, { recursive: true, force: true });
    releaseLease();
  }
}
