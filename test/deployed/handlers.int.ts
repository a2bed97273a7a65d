/**
 * The shipped artifact: each handler bundled as SST bundles it (scripts/bundle.ts, stacks/bundle.ts),
 * run by Lambda's own runtime pieces — the Runtime Interface Emulator starting Node with the runtime
 * interface client — with the environment the stack sets, reaching the test cluster as a deployed
 * function reaches EKS: DescribeCluster answered by moto with the test API server's endpoint and CA,
 * and a `k8s-aws-v1.` token minted from the function role's credentials (moto STS), checked by the
 * token webhook and mapped to the automation group (test/env/access-entries.json), then RBAC.
 * No kubeconfig and no injected dependency: only the bundle, its environment and its credentials.
 * The notify and slack bundles are built with a Slack section (the stack deploys them only then) and
 * reach the Slack stand-in through HOMEOSTAT_SLACK_API_URL, their one seam besides AWS_ENDPOINT_URL.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { sampleEvent, scheduleTargetInput } from "../../packages/core/src/events/index.ts";
import type { EventHandlerResult, RolloutGuardResult } from "../../packages/core/src/runtime/index.ts";
import { sealJob } from "../../packages/core/src/slack/commands/dispatch.ts";
import { readInteraction } from "../../packages/core/src/slack/commands/request.ts";
import { priorReplicas } from "../../packages/core/src/state/index.ts";
import { bundleHandler, bundleHandlers, type HandlerBundle } from "../../scripts/bundle.ts";
import { assumeRole } from "../env/aws.ts";
import {
  addNode,
  createNamespace,
  createPauseDeployment,
  removeNode,
  type TestNamespace,
} from "../env/cluster.ts";
import { type RunningFunction, startFunction } from "../env/lambda.ts";
import { registerTestCluster } from "../env/moto-eks.ts";
import {
  createPooledDeployment,
  DEDICATED_TAINT,
  POOL_LABEL,
  uniqueId,
  waitForPodsOnNode,
} from "../env/node-fixtures.ts";
import { slackControl } from "../env/slack-control.ts";
import { SLACK_SIGNING_SECRET, slackPlayer } from "../env/slack-player.ts";
import { E2E_CLUSTER, e2eConfig } from "../fixtures/e2e.config.ts";
import { cpuAlarm, spotWarning } from "../fixtures/e2e-events.ts";
import { type E2e, freshEnvelope, startE2e } from "../fixtures/e2e-harness.ts";
import { resultQueue, sqsEvent } from "../fixtures/notify-harness.ts";

let e2e: E2e;
let ns: TestNamespace;
/** The scheduled policy's namespace: every Deployment in it is scaled at night. */
let nightly: TestNamespace;
let scratch: string;
let bundles: Record<string, HandlerBundle>;
const running: RunningFunction[] = [];
const nodes: string[] = [];

const SCHEDULE_POLICY = "deployed-nights";
const OPS = "C0DEPLOYED";
const ALICE = "U0ALICE";

/**
 * The e2e policies, plus a night-time scale-down of `nightly`, with the test cluster as an EKS
 * cluster (the config a deployment bundles): the functions find its endpoint with DescribeCluster.
 */
function deployedConfigFile(dir: string): string {
  const config = e2eConfig({ maxUnavailable: 10_000 });
  const file = join(dir, "homeostat.config.json");
  const night = {
    name: "night",
    cron: "cron(0 20 ? * MON-FRI *)",
    timezone: "Europe/Berlin",
    action: { verb: "scale", target: `${nightly.name}/*`, change: 0, remember: true },
  };
  writeFileSync(
    file,
    JSON.stringify({
      ...config,
      clusters: { [E2E_CLUSTER]: { eks: { name: e2e.env.clusterName, region: e2e.env.region } } },
      policies: [
        ...config.policies,
        { name: SCHEDULE_POLICY, match: { schedule: { entries: [night] } }, guard: { cooldown: "0s" } },
      ],
    }),
  );
  return file;
}

/** The deployed config with Slack: the channel results go to, and a rule letting Alice scale in `ns`. */
function deployedSlackConfigFile(dir: string): string {
  const file = join(dir, "homeostat.slack.config.json");
  const config = JSON.parse(readFileSync(deployedConfigFile(dir), "utf8"));
  writeFileSync(
    file,
    JSON.stringify({
      ...config,
      policies: [...config.policies, { name: "chatops", match: { command: { verbs: ["scale"] } } }],
      slack: {
        channel: OPS,
        commands: {
          rules: [{ name: "sre", users: [ALICE], channels: [OPS], verbs: ["scale"], namespaces: [ns.name] }],
        },
      },
    }),
  );
  return file;
}

/** What the stack links into the notify and slack functions: its two secrets, as SST writes them. */
function slackSecretsEnv(): Record<string, string> {
  return {
    SST_RESOURCE_SlackBotToken: JSON.stringify({ value: e2e.env.slackToken }),
    SST_RESOURCE_SlackSigningSecret: JSON.stringify({ value: SLACK_SIGNING_SECRET }),
    HOMEOSTAT_SLACK_API_URL: `${e2e.env.slackUrl}/api/`,
  };
}

/** A fresh container of `name` (its first invocation is a cold start), as the function role. */
async function deployedFunction(
  name: string,
  extraEnv: Record<string, string> = {},
): Promise<RunningFunction> {
  const bundle = bundles[name];
  if (!bundle) throw new Error(`no bundle for ${name}`);
  const functionName = `homeostat-deployed-${name}`;
  // Lambda's session name for the execution role is the function name
  const credentials = await assumeRole(e2e.env, e2e.env.roles.automation, functionName);
  const fn = await startFunction({
    dir: bundle.dir,
    handler: bundle.handler,
    name: functionName,
    logPath: join(scratch, `${name}-${randomBytes(3).toString("hex")}.log`),
    env: {
      // what stacks/functions.ts sets (the infra tests check that list against runtime/env.ts)
      ...e2e.lambdaEnv,
      POWERTOOLS_SERVICE_NAME: "homeostat",
      POWERTOOLS_METRICS_NAMESPACE: "Homeostat",
      POWERTOOLS_METRICS_DISABLED: "true",
      // what Lambda sets: the region and the execution role's credentials
      AWS_REGION: e2e.env.region,
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_SESSION_TOKEN: credentials.sessionToken ?? "",
      // every AWS client of the function talks to moto
      AWS_ENDPOINT_URL: e2e.env.motoUrl,
      ...extraEnv,
    },
  });
  running.push(fn);
  return fn;
}

async function invoke(
  name: string,
  event: unknown,
  extraEnv: Record<string, string> = {},
): Promise<{ body: unknown; fn: RunningFunction }> {
  const fn = await deployedFunction(name, extraEnv);
  const answer = await fn.invoke(event);
  expect(answer.status, fn.log()).toBe(200);
  expect(answer.functionError, `${JSON.stringify(answer.body)}\n${fn.log()}`).toBeUndefined();
  return { body: answer.body, fn };
}

async function replicas(name: string): Promise<number | undefined> {
  return (await e2e.admin.apps.readNamespacedDeployment({ namespace: ns.name, name })).spec?.replicas;
}

beforeAll(async () => {
  e2e = await startE2e("deployed");
  await registerTestCluster(e2e.env);
  ns = await createNamespace(e2e.admin, "e2e-deployed");
  nightly = await createNamespace(e2e.admin, "e2e-deployed-nightly");
  scratch = mkdtempSync(join(tmpdir(), "homeostat-deployed-"));
  bundles = await bundleHandlers(join(scratch, "bundles"), undefined, {
    configFile: deployedConfigFile(scratch),
  });
  const withSlack = deployedSlackConfigFile(scratch);
  for (const name of ["notify", "slack"]) {
    bundles[name] = await bundleHandler(`functions/${name}.handler`, join(scratch, "bundles", name), {
      configFile: withSlack,
    });
  }
});

afterEach(async () => {
  for (const fn of running.splice(0)) await fn.stop();
  for (const name of nodes.splice(0)) await removeNode(e2e.admin, name);
});

afterAll(async () => {
  await ns?.cleanup();
  await nightly?.cleanup();
  await e2e?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe("the alarm bundle under the Lambda runtime", () => {
  it("scales the Deployment a CPU alarm names, through EKS auth, and records it in DynamoDB", async () => {
    await createPauseDeployment(e2e.admin, ns.name, "web", 1);
    await createPauseDeployment(e2e.admin, ns.name, "api", 1);
    const { body, fn } = await invoke("alarm", cpuAlarm(ns.name, "web"));

    const result = body as EventHandlerResult;
    expect(result.handler).toBe("alarm");
    expect(result.records[0]?.triggers[0]?.ran).toEqual([
      expect.objectContaining({
        policy: "scale-on-cpu",
        verb: "scale",
        target: `deployment/${ns.name}/web`,
        ok: true,
        changed: true,
      }),
    ]);
    expect(await replicas("web")).toBe(3);
    expect(await replicas("api")).toBe(1);
    const audit = (await e2e.audit()).filter((record) => record.verb === "scale");
    expect(audit.map((record) => [record.target, record.ok])).toEqual([
      [{ kind: "Deployment", namespace: ns.name, name: "web" }, true],
    ]);
    // a cold start: the emulator started one runtime and reported its INIT
    expect(fn.initDurationsMs()).toHaveLength(1);
  });

  it("rejects an event it does not read, touching nothing, and answers normally", async () => {
    const before = (await e2e.audit()).length;
    const s3 = {
      ...freshEnvelope(sampleEvent("alarm")),
      source: "aws.s3",
      "detail-type": "Object Created",
      detail: {},
    };
    const { body } = await invoke("alarm", s3);
    const result = body as EventHandlerResult;
    expect(result.records).toEqual([
      expect.objectContaining({ rejected: expect.objectContaining({ kind: "unsupported" }), triggers: [] }),
    ]);
    expect((await e2e.audit()).length).toBe(before);
  });
});

describe("the node-events bundle under the Lambda runtime", () => {
  it("drains the node of a spot interruption warning: cordoned, its pod evicted", async () => {
    const pool = `p-${uniqueId()}`;
    const added = await addNode(e2e.admin, {
      labels: { [POOL_LABEL]: pool },
      taints: [{ key: DEDICATED_TAINT, value: pool, effect: "NoSchedule" }],
    });
    nodes.push(added.name);
    await createPooledDeployment(e2e.admin, ns.name, `app-${pool}`, pool, { replicas: 1, role: "emptydir" });
    const [pod] = await waitForPodsOnNode(e2e.admin, ns.name, added.name, 1);

    const { body } = await invoke("node-events", spotWarning(added.instanceId));

    const result = body as EventHandlerResult;
    expect(result.records[0]?.triggers[0]?.ran).toEqual([
      expect.objectContaining({
        policy: "drain-on-spot",
        verb: "drain",
        target: `node/${added.name}`,
        ok: true,
      }),
    ]);
    expect((await e2e.admin.core.readNode({ name: added.name })).spec?.unschedulable).toBe(true);
    const left = await e2e.admin.core.listNamespacedPod({
      namespace: ns.name,
      fieldSelector: `spec.nodeName=${added.name}`,
    });
    expect(
      left.items.filter((p) => !p.metadata?.deletionTimestamp).map((p) => p.metadata?.uid),
    ).not.toContain(pod?.metadata?.uid);
  });
});

describe("the schedule and rollout-guard bundles under the Lambda runtime", () => {
  it("the schedule function scales the policy's namespace to zero and remembers each count", async () => {
    await createPauseDeployment(e2e.admin, nightly.name, "batch", 2);
    const firing = JSON.parse(
      scheduleTargetInput(SCHEDULE_POLICY, "night")
        .replace("<aws.scheduler.scheduled-time>", "2026-11-23T19:00:00Z")
        .replace("<aws.scheduler.execution-id>", randomUUID()),
    );
    const { body } = await invoke("schedule", firing);

    const result = body as EventHandlerResult;
    expect(result.handler).toBe("schedule");
    expect(result.records[0]?.triggers[0]?.ran).toEqual([
      expect.objectContaining({
        verb: "scale",
        target: `deployment/${nightly.name}/batch`,
        ok: true,
        changed: true,
      }),
    ]);
    const batch = await e2e.admin.apps.readNamespacedDeployment({ namespace: nightly.name, name: "batch" });
    expect(batch.spec?.replicas).toBe(0);
    const prior = await priorReplicas(e2e.store, {
      cluster: E2E_CLUSTER,
      namespace: nightly.name,
      kind: "Deployment",
      name: "batch",
    });
    expect(prior?.replicas).toBe(2);
  });

  it("the rollout guard scans the served cluster through EKS and reports it reached it", async () => {
    const { body } = await invoke("rollout-guard", {
      source: "aws.events",
      "detail-type": "Scheduled Event",
    });
    const result = body as RolloutGuardResult;
    expect(result.clusters).toEqual([expect.objectContaining({ cluster: E2E_CLUSTER })]);
    expect(result.clusters[0]).not.toHaveProperty("error");
  });
});

describe("the notify and slack bundles under the Lambda runtime", () => {
  it("notify posts the alarm bundle's result from the queue to the channel, and fails no item", async () => {
    const queue = await resultQueue(e2e);
    try {
      await createPauseDeployment(e2e.admin, ns.name, "shop", 1);
      await invoke("alarm", cpuAlarm(ns.name, "shop"));
      const results = await queue.take(1);
      const { body } = await invoke("notify", sqsEvent(results), slackSecretsEnv());

      expect(body).toMatchObject({ batchItemFailures: [], items: [{ channel: OPS, outcome: "parent" }] });
      // the namespace is this run's own: other suites' messages in the stand-in never match
      const posted = await slackControl(e2e.env.slackUrl).messages({ channel: OPS });
      expect(posted.filter((message) => message.text?.includes(`deployment ${ns.name}/shop`))).toHaveLength(
        1,
      );
    } finally {
      await queue.close();
    }
  });

  it("slack answers an unsigned request 401, and runs a sealed job once: scaled, answered on response_url", async () => {
    await createPauseDeployment(e2e.admin, ns.name, "chat", 1);
    const slack = slackControl(e2e.env.slackUrl);
    const player = slackPlayer(e2e.env.slackUrl);
    const request = await player.slashCommand({
      user: ALICE,
      channel: OPS,
      text: `scale ${ns.name}/chat +1`,
    });
    const unsigned = player.functionUrlEvent({ body: request.body, headers: {} });
    const refused = await invoke("slack", unsigned, slackSecretsEnv());
    expect(refused.body).toMatchObject({ statusCode: 401 });

    // the job the ack hands over to an asynchronous invocation of the function, sealed as it seals it
    const interaction = readInteraction(request.body);
    if (interaction.kind !== "command") throw new Error(`not a command: ${interaction.kind}`);
    const job = sealJob({ homeostat: "slack-command", command: interaction.command }, SLACK_SIGNING_SECRET);
    const { body } = await invoke("slack", job, slackSecretsEnv());

    expect(body).toMatchObject({
      kind: "ran",
      outcome: { results: [{ result: expect.objectContaining({ verb: "scale", ok: true, changed: true }) }] },
    });
    expect(await replicas("chat")).toBe(2);
    const id = request.responseUrl.split("/").at(-1);
    const replies = (await slack.calls({ method: "response_url" })).filter((call) =>
      call.path.endsWith(`/${id}`),
    );
    expect(replies.map((call) => (call.body as { response_type: string }).response_type)).toEqual([
      "in_channel",
    ]);
  });
});
