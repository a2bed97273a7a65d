// How fast the Slack endpoint acknowledges a slash command (Slack gives 3 s, cold start included):
// functions/slack.ts bundled as the stack bundles it (ESM, code splitting: the run's code is in chunks
// the ack never loads; bun build here, esbuild in SST), each cold sample a fresh Node
// process that imports the bundle and answers one signed `/homeostat scale shop/web +2` as a function
// URL event — the ack verifies, reads, and hands the command to an asynchronous invocation (the
// AWS SDK's Lambda Invoke, InvocationType Event, against the test environment's moto) — then the same
// process answers warm requests. The baseline, run alongside: a process importing an empty handler,
// the floor of Node's own start.
//
//   npm run testenv -- up && npm run bench:slack-ack [-- --cold 15 --warm 30]
//
// Cold figures are from the process's start (what Lambda's init adds) and from the import; medians.
import { execFile } from "node:child_process";
import { createHmac } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs, promisify } from "node:util";
import { CreateFunctionCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { clientConfig, DUMMY_CREDENTIALS } from "../test/env/aws.ts";
import { REPO_ROOT } from "../test/env/binaries.ts";
import { loadTestEnv } from "../test/env/env.ts";
import { takeLease } from "../test/env/lifecycle.ts";

const run = promisify(execFile);
const { values } = parseArgs({
  options: {
    cold: { type: "string", default: "15" },
    warm: { type: "string", default: "30" },
    help: { type: "boolean", short: "h" },
  },
});
if (values.help) {
  console.log(`Usage: npm run bench:slack-ack [-- --cold N --warm M]

How fast the Slack endpoint's bundle acknowledges a signed slash command, cold (a fresh process per
sample, N samples, default 15) and warm (M requests per process, default 30), beside an empty handler.
Needs the test environment (npm run testenv -- up): the ack's asynchronous Invoke goes to its moto.`);
  process.exit(0);
}
const SECRET = "bench-signing-secret";

function event(text: string): unknown {
  const body = new URLSearchParams({
    team_id: "T0BENCH",
    channel_id: "C0OPS",
    user_id: "U0ALICE",
    command: "/homeostat",
    text,
    response_url: "https://hooks.slack.com/commands/T0BENCH/1/x",
    trigger_id: "1.2.3",
  }).toString();
  const timestamp = Math.floor(Date.now() / 1000);
  const signature = `v0=${createHmac("sha256", SECRET).update(`v0:${timestamp}:${body}`).digest("hex")}`;
  return {
    version: "2.0",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      "x-slack-request-timestamp": String(timestamp),
      "x-slack-signature": signature,
    },
    body: Buffer.from(body).toString("base64"),
    isBase64Encoded: true,
    requestContext: { http: { method: "POST", path: "/" } },
  };
}

/** The child: one cold ack, then warm ones; prints its figures as JSON. */
function childSource(bundle: string, warm: number): string {
  return `
const started = performance.now();
const { handler } = await import(${JSON.stringify(bundle)});
const imported = performance.now();
const makeEvent = ${event.toString()};
const { createHmac } = await import("node:crypto");
const SECRET = ${JSON.stringify(SECRET)};
const context = { getRemainingTimeInMillis: () => 60000, functionName: "bench", awsRequestId: "1" };
const answer = await handler(makeEvent("scale shop/web +2"), context);
const acked = performance.now();
if (answer.statusCode !== 200 || !JSON.parse(answer.body).text.includes("Working on")) {
  throw new Error("unexpected ack: " + JSON.stringify(answer));
}
const warm = [];
for (let i = 0; i < ${warm}; i++) {
  const t = performance.now();
  const again = await handler(makeEvent("scale shop/web +2"), context);
  warm.push(performance.now() - t);
  if (again.statusCode !== 200) throw new Error("unexpected warm ack");
}
process.stdout.write(JSON.stringify({ fromStart: acked, fromImport: acked - started, importMs: imported - started, warm }));
`;
}

const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
};

const releaseLease = takeLease();
const scratch = mkdtempSync(join(tmpdir(), "bench-slack-ack-"));
try {
  const env = loadTestEnv();
  const out = join(scratch, "bundle");
  await run(join(REPO_ROOT, "node_modules/.bin/bun"), [
    "build",
    join(REPO_ROOT, "functions/slack.ts"),
    "--target=node",
    "--format=esm",
    "--splitting",
    "--entry-naming=[name].mjs",
    "--chunk-naming=[name]-[hash].mjs",
    `--outdir=${out}`,
  ]);
  const bundle = join(out, "slack.mjs");
  // the function the ack invokes: moto's Lambda queues an Event invocation (202) as Lambda does
  const name = `homeostat-bench-slack-${Date.now().toString(36)}`;
  const trust = JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      { Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" },
    ],
  });
  const role = await fetch(env.motoUrl, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      authorization: `AWS4-HMAC-SHA256 Credential=testing/20260101/${env.region}/iam/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: new URLSearchParams({
      Action: "CreateRole",
      Version: "2010-05-08",
      RoleName: name,
      AssumeRolePolicyDocument: trust,
    }),
  });
  const roleArn = /<Arn>(.*?)<\/Arn>/.exec(await role.text())?.[1];
  const lambda = new LambdaClient(clientConfig(env));
  await lambda.send(
    new CreateFunctionCommand({
      FunctionName: name,
      Runtime: "nodejs22.x",
      Role: roleArn,
      Handler: "functions/slack.handler",
      Code: { ZipFile: new Uint8Array([80, 75, 5, 6, ...new Array(18).fill(0)]) },
    }),
  );
  lambda.destroy();

  const child = join(scratch, "child.mjs");
  writeFileSync(child, childSource(bundle, Number(values.warm)));
  const baseline = join(scratch, "baseline.mjs");
  writeFileSync(
    baseline,
    `const started = performance.now();
const { handler } = await import("data:text/javascript,export const handler = async () => ({ statusCode: 200, body: '{}' });");
await handler({});
const acked = performance.now();
process.stdout.write(JSON.stringify({ fromStart: acked, fromImport: acked - started, importMs: 0, warm: [] }));`,
  );
  const childEnv = {
    ...process.env,
    HOMEOSTAT_SLACK_SIGNING_SECRET: SECRET,
    HOMEOSTAT_SLACK_TOKEN: "xoxb-bench",
    HOMEOSTAT_STATE_DB: ":memory:",
    AWS_LAMBDA_FUNCTION_NAME: name,
    AWS_ENDPOINT_URL: env.motoUrl,
    AWS_REGION: env.region,
    AWS_ACCESS_KEY_ID: DUMMY_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: DUMMY_CREDENTIALS.secretAccessKey,
    POWERTOOLS_LOG_LEVEL: "ERROR",
  };
  type Figures = { fromStart: number; fromImport: number; importMs: number; warm: number[] };
  const sample = async (file: string): Promise<Figures> =>
    JSON.parse((await run(process.execPath, [file], { env: childEnv, cwd: scratch })).stdout) as Figures;

  const slack: Figures[] = [];
  const floor: Figures[] = [];
  for (let i = 0; i < Number(values.cold); i++) {
    // interleaved, so both sides see the same machine load
    slack.push(await sample(child));
    floor.push(await sample(baseline));
  }
  const figures = {
    coldSamples: slack.length,
    warmSamplesPerProcess: Number(values.warm),
    medianMs: {
      coldAckFromProcessStart: median(slack.map((f) => f.fromStart)),
      coldAckFromImport: median(slack.map((f) => f.fromImport)),
      bundleImport: median(slack.map((f) => f.importMs)),
      warmAck: median(slack.flatMap((f) => f.warm)),
      baselineFromProcessStart: median(floor.map((f) => f.fromStart)),
    },
  };
  const ratio = figures.medianMs.coldAckFromProcessStart / figures.medianMs.baselineFromProcessStart;
  process.stdout.write(
    `${JSON.stringify({ ...figures, coldVsBaselineRatio: Number(ratio.toFixed(2)), slackLimitMs: 3000 }, null, 2)}\n`,
  );
} finally {
  rmSync(scratch, { recursive: true, force: true });
  releaseLease();
}
