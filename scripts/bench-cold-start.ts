/**
 * Cold start of each function's bundle as Lambda runs it, beside a bare client: every run is a fresh
 * emulator + runtime process (test/env/lambda.ts) invoked once; the emulator's INIT REPORT is the
 * cold init (runtime start, module load, handler ready), the first invoke is the rest of that first
 * REPORT's duration (building the dependencies, then the event), and the runtime's peak RSS is read
 * after the invoke. Function and baseline runs alternate so both see the same machine load.
 *
 *   npm run bench:cold-start -- [runs=11] [function ...]     (alarm, node-events, schedule,
 *                                                             rollout-guard, notify, slack)
 *
 * Baseline: scripts/cold-start-baseline.ts (client-node + the EKS, STS, DynamoDB and EventBridge
 * clients), bundled with the same settings as the functions (stacks/bundle.ts). The invoke is an
 * event the function rejects (no reader accepts it; for slack, an unsigned request: 401), so it
 * touches no cluster and no AWS. notify and slack are bundled with a config that has Slack, as the
 * stack deploys them only then.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureLambdaRuntime, startFunction } from "../test/env/lambda.ts";
import { bundleHandler, bundleHandlers, type HandlerBundle } from "./bundle.ts";

/** The functions the stack deploys besides the four of stacks/handlers.ts, with Slack configured. */
const SLACK_CONFIG = "test/fixtures/infra/slack.config.ts";
const SLACK_FUNCTIONS = { notify: "functions/notify.handler", slack: "functions/slack.handler" } as const;

/** What each function is invoked with: something it turns away without reaching a cluster or AWS. */
function rejectedEvent(name: string): unknown {
  if (name !== "slack") return { "detail-type": "Not an event Homeostat reads", source: "bench" };
  // a function URL request without Slack's signature headers: answered 401 before anything else
  return {
    version: "2.0",
    rawPath: "/",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    requestContext: { http: { method: "POST", path: "/" } },
    body: "command=%2Fhomeostat&text=status",
    isBase64Encoded: false,
  };
}

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
  /** The first invocation's own time: its REPORT duration less the INIT inside it. */
  firstInvokeMs: number;
  peakRss: number;
}

async function coldStart(
  bundle: HandlerBundle,
  scratch: string,
  label: string,
  event: unknown,
): Promise<Sample> {
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
      HOMEOSTAT_SLACK_TOKEN: "xoxb-bench",
      HOMEOSTAT_SLACK_SIGNING_SECRET: "bench-signing-secret",
      POWERTOOLS_LOG_LEVEL: "WARN",
      POWERTOOLS_METRICS_DISABLED: "true",
    },
  });
  try {
    const answer = await fn.invoke(event);
    if (answer.status !== 200 || answer.functionError) {
      throw new Error(`${label} failed its invoke: ${JSON.stringify(answer.body)}\n${fn.log()}`);
    }
    const [initMs] = fn.initDurationsMs();
    const [firstMs] = fn.invokeDurationsMs();
    const peakRss = fn.runtimePeakRss();
    if (initMs === undefined || firstMs === undefined || peakRss === undefined) {
      throw new Error(`${label}: no INIT REPORT, no REPORT or no runtime process\n${fn.log()}`);
    }
    return { initMs, firstInvokeMs: Math.max(0, firstMs - initMs), peakRss };
  } finally {
    await fn.stop();
  }
}

await ensureLambdaRuntime();
const scratch = mkdtempSync(join(tmpdir(), "homeostat-cold-start-"));
try {
  const wanted = names.length > 0 ? names : undefined;
  const slackNames = Object.keys(SLACK_FUNCTIONS) as (keyof typeof SLACK_FUNCTIONS)[];
  const handlers = await bundleHandlers(
    join(scratch, "bundles"),
    wanted?.filter((name) => !slackNames.includes(name as never)),
  );
  for (const name of slackNames) {
    if (wanted && !wanted.includes(name)) continue;
    handlers[name] = await bundleHandler(SLACK_FUNCTIONS[name], join(scratch, "bundles", name), {
      configFile: SLACK_CONFIG,
    });
  }
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
      const base = await coldStart(baseline, scratch, `baseline-${run}-${name}`, rejectedEvent(name));
      const own = await coldStart(bundle, scratch, `${name}-${run}`, rejectedEvent(name));
      samples.baseline?.push(base);
      samples[name]?.push(own);
      pairRatios[name]?.push(own.initMs / base.initMs);
    }
    process.stderr.write(`run ${run + 1}/${runs}\n`);
  }
  const base = samples.baseline as Sample[];
  const baseInit = median(base.map((s) => s.initMs));
  const baseRss = median(base.map((s) => s.peakRss)) / 2 ** 20;
  const rows = [
    [
      "bundle",
      "size MB",
      "INIT median ms",
      "ratio (median of pairs)",
      "first invoke ms",
      "peak RSS MiB",
      "Δ MiB",
    ],
  ];
  rows.push([
    "baseline",
    (baseline.bytes / 1e6).toFixed(2),
    baseInit.toFixed(0),
    "1.00",
    median(base.map((s) => s.firstInvokeMs)).toFixed(0),
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
      median(own.map((s) => s.firstInvokeMs)).toFixed(0),
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
