/**
 * Cold start of each handler bundle as Lambda runs it, beside a bare client: every run is a fresh
 * emulator + runtime process (test/env/lambda.ts) invoked once; the emulator's INIT REPORT is the
 * cold init (runtime start, module load, handler ready), and the runtime's peak RSS is read after
 * the invoke. Handler and baseline runs alternate so both see the same machine load.
 *
 *   npm run bench:cold-start -- [runs=11] [handler ...]
 *
 * Baseline: scripts/cold-start-baseline.ts (client-node + the EKS, STS, DynamoDB and EventBridge
 * clients), bundled with the same settings as the handlers (stacks/bundle.ts). The invoke is an event
 * no reader accepts: the handler builds its dependencies and rejects it, touching no cluster and no AWS.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureLambdaRuntime, startFunction } from "../test/env/lambda.ts";
import { bundleHandler, bundleHandlers, type HandlerBundle } from "./bundle.ts";

const [runsArg, ...names] = process.argv.slice(2);
const runs = Number(runsArg ?? 11);
if (!Number.isInteger(runs) || runs < 1) {
  console.error(`runs must be a positive integer, got ${runsArg}`);
  process.exit(2);
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

interface Sample {
  initMs: number;
  peakRss: number;
}

async function coldStart(bundle: HandlerBundle, scratch: string, label: string): Promise<Sample> {
  const fn = await startFunction({
    dir: bundle.dir,
    handler: bundle.handler,
    name: label,
    logPath: join(scratch, `${label}.log`),
    env: {
      AWS_REGION: "eu-west-1",
      AWS_ACCESS_KEY_ID: "testing",
      AWS_SECRET_ACCESS_KEY: "testing",
      HOMEOSTAT_STATE_DB: ":memory:",
      POWERTOOLS_LOG_LEVEL: "WARN",
      POWERTOOLS_METRICS_DISABLED: "true",
    },
  });
  try {
    const answer = await fn.invoke({ "detail-type": "Not an event Homeostat reads", source: "bench" });
    if (answer.status !== 200 || answer.functionError) {
      throw new Error(`${label} failed its invoke: ${JSON.stringify(answer.body)}\n${fn.log()}`);
    }
    const [initMs] = fn.initDurationsMs();
    const peakRss = fn.runtimePeakRss();
    if (initMs === undefined || peakRss === undefined) {
      throw new Error(`${label}: no INIT REPORT or no runtime process\n${fn.log()}`);
    }
    return { initMs, peakRss };
  } finally {
    await fn.stop();
  }
}

await ensureLambdaRuntime();
const scratch = mkdtempSync(join(tmpdir(), "homeostat-cold-start-"));
try {
  const handlers = await bundleHandlers(join(scratch, "bundles"), names.length > 0 ? names : undefined);
  const baseline = await bundleHandler("scripts/cold-start-baseline.handler", join(scratch, "baseline"));
  // each handler run is paired with a baseline run right before it: the ratio is the median of
  // the pairs' ratios, so a change in the machine's load between pairs cancels out
  const samples: Record<string, Sample[]> = { baseline: [] };
  const pairRatios: Record<string, number[]> = {};
  for (const name of Object.keys(handlers)) {
    samples[name] = [];
    pairRatios[name] = [];
  }
  for (let run = 0; run < runs; run++) {
    for (const [name, bundle] of Object.entries(handlers)) {
      const base = await coldStart(baseline, scratch, `baseline-${run}-${name}`);
      const own = await coldStart(bundle, scratch, `${name}-${run}`);
      samples.baseline?.push(base);
      samples[name]?.push(own);
      pairRatios[name]?.push(own.initMs / base.initMs);
    }
    process.stderr.write(`run ${run + 1}/${runs}\n`);
  }
  const base = samples.baseline as Sample[];
  const baseInit = median(base.map((s) => s.initMs));
  const baseRss = median(base.map((s) => s.peakRss)) / 2 ** 20;
  const rows = [["bundle", "size MB", "INIT median ms", "ratio (median of pairs)", "peak RSS MiB", "Δ MiB"]];
  rows.push([
    "baseline",
    (baseline.bytes / 1e6).toFixed(2),
    baseInit.toFixed(0),
    "1.00",
    baseRss.toFixed(1),
    "0.0",
  ]);
  for (const [name, bundle] of Object.entries(handlers)) {
    const own = samples[name] as Sample[];
    const init = median(own.map((s) => s.initMs));
    const rss = median(own.map((s) => s.peakRss)) / 2 ** 20;
    rows.push([
      name,
      (bundle.bytes / 1e6).toFixed(2),
      init.toFixed(0),
      median(pairRatios[name] as number[]).toFixed(2),
      rss.toFixed(1),
      (rss - baseRss).toFixed(1),
    ]);
  }
  console.log(
    `cold start under the Lambda emulator, medians of ${runs} fresh processes each (baseline: ${base.length})`,
  );
  console.log(`| ${rows[0]?.join(" | ")} |`);
  console.log(`|${rows[0]?.map(() => " --- ").join("|")}|`);
  for (const row of rows.slice(1)) console.log(`| ${row.join(" | ")} |`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
