// Slack notifications end to end: the real handlers act on the test cluster and publish their results
// on the result bus (moto); a rule forwards them to a queue; the real notify handler posts them to the
// Slack stand-in through @slack/web-api. One thread per incident, its parent kept current, exactly once.
import { randomBytes } from "node:crypto";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { PatchStrategy, setHeaderOptions, type V1Pod } from "@kubernetes/client-node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { HandlerResult } from "../functions/middleware.ts";
import type { HomeostatConfig } from "../packages/core/src/config/index.ts";
import { auditRecordFromResult, publishResult } from "../packages/core/src/record/index.ts";
import type { NotifyRunResult, PipelineLogger } from "../packages/core/src/runtime/index.ts";
import { webClientPoster } from "../packages/core/src/slack/client.ts";
import { clientConfig } from "./env/aws.ts";
import {
  type AddedNode,
  addNode,
  BEHAVIOUR_LABEL,
  BEHAVIOURS,
  createNamespace,
  createPauseDeployment,
  removeNode,
  type TestNamespace,
  waitFor,
} from "./env/cluster.ts";
import {
  createPooledDeployment,
  DEDICATED_TAINT,
  POOL_LABEL,
  uniqueId,
  waitForPodsOnNode,
} from "./env/node-fixtures.ts";
import { type StoredMessage, slackControl } from "./env/slack-control.ts";
import { e2eConfig } from "./fixtures/e2e.config.ts";
import { cpuAlarm, spotWarning } from "./fixtures/e2e-events.ts";
import { type E2e, startE2e } from "./fixtures/e2e-harness.ts";
import { type ResultQueue, resultQueue, sqsEvent } from "./fixtures/notify-harness.ts";

let e2e: E2e;
let ns: TestNamespace;
let results: ResultQueue;
const nodes: string[] = [];
const run = randomBytes(3).toString("hex");
const slack = () => slackControl(e2e.env.slackUrl);
/** Fast retries so a test waits seconds, not Slack's minutes; the same WebClient retry handling. */
const testRetry = { retries: 4, factor: 1, minTimeout: 50, maxTimeout: 50 };

function withSlack(config: HomeostatConfig, channel: string): HomeostatConfig {
  return { ...config, slack: { channel, routes: [], verbosity: "decisions" } };
}

function channelName(test: string): string {
  return `#notify-${run}-${test}`;
}

interface Logged {
  level: string;
  message: string;
  extra?: Record<string, unknown>;
}

function collectingLog(into: Logged[]): PipelineLogger {
  const at = (level: string) => (message: string, extra?: Record<string, unknown>) =>
    void into.push({ level, message, ...(extra ? { extra } : {}) });
  return { info: at("info"), warn: at("warn"), error: at("error") };
}

/** A fresh notify handler (a new container) posting to the stand-in. */
function notifier(
  channel: string,
  options: { token?: string; logs?: Logged[]; config?: HomeostatConfig } = {},
): (event: unknown) => Promise<NotifyRunResult & { batchItemFailures?: { itemIdentifier: string }[] }> {
  const handler = e2e.handler("notify", {
    config: withSlack(options.config ?? e2eConfig({ maxUnavailable: 10_000 }), channel),
    deps: {
      slack: webClientPoster({
        token: options.token ?? e2e.env.slackToken,
        apiUrl: `${e2e.env.slackUrl}/api/`,
        retryConfig: testRetry,
        minPostIntervalMs: 10,
      }),
      ...(options.logs ? { log: collectingLog(options.logs) } : {}),
    },
  });
  return async (event) => notifyResult(await handler(event));
}

/** The notify handler answers its run's result, or, from SQS, the partial batch response. */
function notifyResult(
  result: HandlerResult,
): NotifyRunResult & { batchItemFailures?: { itemIdentifier: string }[] } {
  if ("items" in result) return result;
  if ("batchItemFailures" in result)
    return { handler: "notify", items: [], batchItemFailures: result.batchItemFailures };
  throw new Error(`expected a notify result, got ${JSON.stringify(result)}`);
}

/** Messages in a channel, oldest first, and which are parents. */
async function channelMessages(channelId: string): Promise<StoredMessage[]> {
  return (await slack().messages({ channel: channelId })).sort((a, b) => Number(a.ts) - Number(b.ts));
}

async function postsTo(channelId: string) {
  return (await slack().calls({ method: "chat.postMessage" })).filter(
    (call) =>
      call.response.status === 200 && (call.response.body as { channel?: string }).channel === channelId,
  );
}

beforeAll(async () => {
  e2e = await startE2e("notify", e2eConfig({ maxUnavailable: 10_000 }));
  ns = await createNamespace(e2e.admin, "e2e-notify");
  results = await resultQueue(e2e);
});

afterEach(async () => {
  await slack().clearFailures();
  for (const name of nodes.splice(0)) await removeNode(e2e.admin, name);
});

afterAll(async () => {
  await results?.close();
  eventBridge?.destroy();
  await ns?.cleanup();
  await e2e?.close();
});

const hex = (bytes: number) => randomBytes(bytes).toString("hex");

/** A kwok node of its own pool whose providerID ends in a fresh instance id, with one pod on it. */
async function nodeWithPod(): Promise<AddedNode & { pod: V1Pod; instanceId: string }> {
  const instanceId = `i-0${hex(8)}`;
  const pool = `p-${uniqueId()}`;
  const added = await addNode(e2e.admin, {
    instanceId,
    labels: { [POOL_LABEL]: pool },
    taints: [{ key: DEDICATED_TAINT, value: pool, effect: "NoSchedule" }],
  });
  nodes.push(added.name);
  await createPooledDeployment(e2e.admin, ns.name, `app-${pool}`, pool, { replicas: 1, role: "emptydir" });
  const [pod] = await waitForPodsOnNode(e2e.admin, ns.name, added.name, 1);
  if (!pod) throw new Error("no pod on the node");
  return { ...added, pod, instanceId };
}

const textOf = (message: StoredMessage | undefined) => message?.text ?? "";
const lastContext = (message: StoredMessage | undefined) => {
  const blocks = (message?.blocks ?? []) as Array<{ type: string; elements?: Array<{ text?: string }> }>;
  return blocks.at(-1)?.elements?.[0]?.text ?? "";
};

describe("notify: one thread per incident", () => {
  it("posts a spot interruption's drain as a thread parent naming the node and the outcome", async () => {
    const node = await nodeWithPod();
    await e2e.invoke("node-events", spotWarning(node.instanceId));
    const published = await results.take(1);
    expect(published.map((event) => event.detail.id)).toEqual([
      expect.stringContaining(`#drain-on-spot#drain#node/${node.name}`),
    ]);

    const notified = await notifier(channelName("spot"))(sqsEvent(published));
    expect(notified.batchItemFailures ?? []).toEqual([]);
    const [item] = notified.items;
    expect(item).toMatchObject({ outcome: "parent" });
    const messages = await channelMessages(item?.channel ?? "");
    expect(messages).toHaveLength(1);
    const parent = messages[0];
    expect(parent?.thread_ts).toBeUndefined();
    expect(textOf(parent)).toContain(`Done: Drained node ${node.name} (${node.instanceId}) on test`);
    expect(textOf(parent)).toContain(`Spot interruption warning for ${node.instanceId}`);
    expect(textOf(parent)).toContain("1 evicted, 0 skipped, 0 failed");
    expect(textOf(parent)).toContain(node.pod.metadata?.name ?? "?");
    expect(lastContext(parent)).toMatch(/^Open since .*: instance .* on test — 1 action \(1 drain\)$/);
  });

  it("opens a thread for an alarm's scale, and resolves it when the alarm is OK again though no policy acts on OK", async () => {
    await createPauseDeployment(e2e.admin, ns.name, "web", 1);
    const alarm = cpuAlarm(ns.name, "web");
    await e2e.invoke("alarm", alarm);
    const published = await results.take(1);
    const notify = notifier(channelName("alarm"));
    const [opened] = (await notify(sqsEvent(published))).items;
    expect(opened).toMatchObject({ outcome: "parent" });
    const channel = opened?.channel ?? "";
    const [parent] = await channelMessages(channel);
    expect(textOf(parent)).toContain(`Done: Scaled deployment ${ns.name}/web on test`);
    expect(textOf(parent)).toContain("1 → 3 replicas");
    expect(
      (
        (parent?.blocks ?? []) as Array<{
          type: string;
          elements?: Array<{ action_id?: string; value?: string }>;
        }>
      ).find((block) => block.type === "actions")?.elements,
    ).toEqual([expect.objectContaining({ action_id: "homeostat.undo", value: published[0]?.detail.id })]);

    // CloudWatch's OK, as EventBridge delivers it to the notify function's own rule
    const sent = alarm as unknown as { id: string; time: string; detail: { state: { timestamp: string } } };
    const ok = structuredClone(alarm) as unknown as {
      id: string;
      time: string;
      detail: {
        state: { value: string; reason: string; timestamp: string };
        previousState: { value: string; reason: string; timestamp: string };
      };
    };
    ok.id = `${sent.id}-ok`;
    ok.time = new Date(Date.parse(sent.time) + 14 * 60_000).toISOString().replace(/\.\d{3}Z$/, "Z");
    ok.detail.state = {
      value: "OK",
      reason: "Threshold Crossed: 3 out of the last 3 datapoints were less than the threshold (80.0)",
      // the trigger's time is the state change's: 14 minutes after the ALARM
      timestamp: new Date(Date.parse(sent.detail.state.timestamp) + 14 * 60_000).toISOString(),
    };
    ok.detail.previousState = { value: "ALARM", reason: "Threshold Crossed", timestamp: sent.time };
    // the scale policy acts on ALARM only: no result, only the alarm's own event reaches the notifier
    await e2e.invoke("alarm", ok);
    expect(await results.take()).toEqual([]);
    const resolved = await notify(ok);
    expect(resolved.items).toEqual([
      expect.objectContaining({ outcome: "resolved 1 thread(s) of alarm e2e-web-cpu-high" }),
    ]);
    const after = await channelMessages(channel);
    expect(after).toHaveLength(2);
    expect(lastContext(after[0])).toBe(
      `Resolved: alarm e2e-web-cpu-high on test back to OK after 14 min — 1 action (1 scale)`,
    );
    expect(after[0]?.edited).toBeDefined();
    expect(after[1]?.thread_ts).toBe(parent?.ts);
    expect(textOf(after[1])).toContain("e2e-web-cpu-high is OK again");
    // a redelivered OK changes nothing
    await notify(ok);
    expect(await channelMessages(channel)).toEqual(after);
  });

  it("says what a drain held by the disruption budget waits for, and why", async () => {
    const node = await nodeWithPod();
    const config = e2eConfig({ maxUnavailable: 0 });
    await e2e.invoke("node-events", spotWarning(node.instanceId), { config });
    const published = await results.take(1);
    expect(published.map((event) => event["detail-type"])).toEqual(["Homeostat Action Skipped"]);
    const [item] = (await notifier(channelName("budget"), { config })(sqsEvent(published))).items;
    expect(item).toMatchObject({ outcome: "parent" });
    const [held] = await channelMessages(item?.channel ?? "");
    expect(textOf(held)).toContain(`Held: drain node ${node.name}`);
    expect(textOf(held)).toMatch(/disruption budget/i);
    expect(lastContext(held)).toContain("no action yet · 1 held");
  });

  it("names the stall reason in a stalled rollout's rollback", async () => {
    await createPauseDeployment(e2e.admin, ns.name, "crashy", 2, { progressDeadlineSeconds: 600 });
    await waitFor(
      async () =>
        (await e2e.admin.apps.readNamespacedDeployment({ namespace: ns.name, name: "crashy" })).status
          ?.availableReplicas === 2,
      { what: "crashy available" },
    );
    await e2e.admin.apps.patchNamespacedDeployment(
      {
        namespace: ns.name,
        name: "crashy",
        body: {
          spec: {
            template: {
              metadata: { labels: { [BEHAVIOUR_LABEL]: BEHAVIOURS.crashloop } },
              spec: { containers: [{ name: "app", image: "registry.k8s.io/pause:3.9" }] },
            },
          },
        },
      },
      setHeaderOptions("Content-Type", PatchStrategy.StrategicMergePatch),
    );
    const config: HomeostatConfig = {
      ...e2eConfig({ maxUnavailable: 10_000 }),
    };
    // the rollback policy scans e2e-rollout-*; this suite's namespace is e2e-notify-*
    config.policies = config.policies.map((policy) =>
      policy.name === "rollback-stalled"
        ? { ...policy, match: { rolloutStalled: { namespaces: [ns.name] } } }
        : policy,
    ) as HomeostatConfig["policies"];
    const scan = e2e.handler("rollout-guard", {
      config,
      rolloutThresholds: { crashLoopRestarts: 2, notReadySeconds: 3600 },
    });
    await waitFor(
      async () => {
        const result = await scan({});
        return (
          "triggers" in result &&
          result.triggers.some((trigger) => trigger.trigger.includes(`${ns.name}/crashy`))
        );
      },
      { what: "the rollout guard to roll back crashy", timeoutMs: 90_000, intervalMs: 2_000 },
    );
    const published = (await results.take(1)).filter((event) => event.detail.id.includes("crashy"));
    const [item] = (await notifier(channelName("rollout"), { config })(sqsEvent(published))).items;
    const [message] = await channelMessages(item?.channel ?? "");
    expect(textOf(message)).toContain(`Done: Rolled back deployment ${ns.name}/crashy on test`);
    expect(textOf(message)).toMatch(
      new RegExp(
        `rollout of deployment ${ns.name}/crashy \\(revision 2\\) stalled: 1 pod\\(s\\) of revision 2 crash looping`,
      ),
    );
  });
});

/** An audit record of a made-up scale, published on the run's bus like the pipeline's. */
async function publishScale(n: number, incident: string, time: Date): Promise<void> {
  const trigger = {
    kind: "alarm" as const,
    id: `burst-${run}-${incident}`,
    time: new Date(time.getTime() - 1000).toISOString(),
    origin: "test",
    alarmName: `burst-${incident}`,
    alarmType: "metric" as const,
    state: "ALARM" as const,
    reason: "test",
    dimensions: {},
  };
  const record = auditRecordFromResult(
    {
      verb: "scale",
      target: { kind: "Deployment", namespace: "shop", name: `svc-${incident}` },
      ok: true,
      changed: true,
      dryRun: false,
      before: { replicas: n },
      after: { replicas: n + 1 },
      message: `burst result ${n}`,
      warnings: [],
      apiRequests: 2,
      durationMs: 10,
    },
    { trigger, cluster: "test", policy: `burst-${n}`, actor: "homeostat", time },
  );
  await publishResult(bus(), e2e.lambdaEnv.HOMEOSTAT_EVENT_BUS ?? "", record);
}

let eventBridge: EventBridgeClient | undefined;
const bus = () => {
  eventBridge ??= new EventBridgeClient(clientConfig(e2e.env));
  return eventBridge;
};

describe("notify: exactly once, in order", () => {
  it("posts one message for a result event delivered 5 times at once", async () => {
    await createPauseDeployment(e2e.admin, ns.name, "api", 1);
    await e2e.invoke("alarm", cpuAlarm(ns.name, "api"));
    const published = await results.take(1);
    const channel = channelName("dup");
    const deliveries = await Promise.all(
      Array.from({ length: 5 }, () => notifier(channel)(sqsEvent(published))),
    );
    const outcomes = deliveries.flatMap((delivery) => delivery.items.map((item) => item.outcome));
    expect(outcomes.sort()).toEqual(["duplicate", "duplicate", "duplicate", "duplicate", "parent"]);
    const channelId =
      deliveries.flatMap((delivery) => delivery.items).find((item) => item.channel)?.channel ?? "";
    expect(await postsTo(channelId)).toHaveLength(1);
  });

  it("gives two results of one incident delivered at once one parent, the other a reply in its thread", async () => {
    const base = Date.now() + 1_800_000;
    await publishScale(200, "race", new Date(base));
    await publishScale(201, "race", new Date(base + 1000));
    const published = await results.take(2);
    const channel = channelName("race");
    const [a, b] = await Promise.all(published.map((event) => notifier(channel)(sqsEvent([event]))));
    const items = [...(a?.items ?? []), ...(b?.items ?? [])];
    expect(items.map((item) => item.outcome).sort()).toEqual(["parent", "reply"]);
    const messages = await channelMessages(items[0]?.channel ?? "");
    expect(messages).toHaveLength(2);
    const [parent, reply] = messages;
    expect(parent?.thread_ts).toBeUndefined();
    expect(reply?.thread_ts).toBe(parent?.ts);
    expect(lastContext(parent)).toContain("2 actions (2 scale)");
  });

  it("delivers a 50-result burst through 429s with Retry-After: each once, threads intact, in order", async () => {
    const base = Date.now();
    // 10 incidents, 5 results each, interleaved as results of concurrent incidents arrive
    // published at once (moto forwards each to the queue slowly); delivered in the results' order, as
    // the FIFO notify queue keeps the order they were published in
    await Promise.all(
      Array.from({ length: 50 }, (_, n) => publishScale(n, `i${n % 10}`, new Date(base + n * 1000))),
    );
    const published = (await results.take(50)).sort((a, b) =>
      String(a.detail.time).localeCompare(String(b.detail.time)),
    );
    expect(published).toHaveLength(50);
    await slack().fail({ method: "chat.postMessage", status: 429, retryAfter: 1, times: 3 });
    const notify = notifier(channelName("burst"));
    const items = [];
    for (let start = 0; start < published.length; start += 10) {
      const batch = await notify(sqsEvent(published.slice(start, start + 10)));
      expect(batch.batchItemFailures).toEqual([]);
      items.push(...batch.items);
    }
    const channelId = items.find((item) => item.channel)?.channel ?? "";
    const limited = (await slack().calls({ method: "chat.postMessage" })).filter(
      (call) => call.response.status === 429,
    );
    expect(limited.length).toBeGreaterThanOrEqual(3);

    const messages = await channelMessages(channelId);
    const texts = messages.map((message) => /burst result (\d+)\n/.exec(textOf(message))?.[1]);
    expect(texts.map(Number).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, n) => n));
    const parents = messages.filter((message) => !message.thread_ts);
    expect(parents).toHaveLength(10);
    for (const parent of parents) {
      const incident = /svc-(i\d)/.exec(textOf(parent))?.[1];
      const replies = messages.filter((message) => message.thread_ts === parent.ts);
      expect(replies.every((reply) => textOf(reply).includes(`svc-${incident}`))).toBe(true);
      const order = [parent, ...replies].map((message) =>
        Number(/burst result (\d+)\n/.exec(textOf(message))?.[1]),
      );
      expect(order).toEqual([...order].sort((a, b) => a - b));
      expect(order).toHaveLength(5);
      expect(lastContext(parent)).toContain("5 actions (5 scale)");
    }
  });

  it("retries through Slack 5xx, gives a result back when Slack stays down, and leaves the audit alone", async () => {
    await createPauseDeployment(e2e.admin, ns.name, "cart", 1);
    await e2e.invoke("alarm", cpuAlarm(ns.name, "cart"));
    const published = await results.take(1);
    const auditBefore = await e2e.audit();
    const notify = notifier(channelName("outage"));
    const event = sqsEvent(published);

    // longer than WebClient's retries: the message comes back to the queue (then its dead-letter queue)
    await slack().fail({ method: "chat.postMessage", status: 503, times: testRetry.retries + 1 });
    const failed = await notify(event);
    expect(failed.batchItemFailures).toEqual([{ itemIdentifier: event.Records[0]?.messageId }]);
    // within the retries: the redelivery is posted, once
    await slack().fail({ method: "chat.postMessage", status: 502, times: 2 });
    const delivered = await notify(event);
    expect(delivered.batchItemFailures).toEqual([]);
    expect(delivered.items).toEqual([expect.objectContaining({ outcome: "parent" })]);
    expect(await postsTo(delivered.items[0]?.channel ?? "")).toHaveLength(1);
    expect(await e2e.audit()).toEqual(auditBefore);
  });

  it("reports an invalid token or a missing channel once, and does not retry them", async () => {
    const base = Date.now() + 3_600_000;
    for (let n = 0; n < 3; n++) await publishScale(100 + n, "setup", new Date(base + n * 1000));
    const published = await results.take(3);
    const logs: Logged[] = [];
    const badToken = await notifier(channelName("setup"), { token: "xoxb-wrong", logs })(sqsEvent(published));
    expect(badToken.batchItemFailures).toEqual([]);
    const missing = await notifier("#missing-channel", { logs })(sqsEvent(published));
    expect(missing.batchItemFailures).toEqual([]);
    const errors = logs.filter((line) => line.level === "error");
    expect(errors.map((line) => line.extra?.error)).toEqual([
      expect.stringContaining("invalid_auth — the bot token is not valid"),
      expect.stringContaining("channel_not_found — the channel does not exist"),
    ]);
    expect(logs.filter((line) => line.message === "Slack setup error (reported before)")).toHaveLength(4);
    // the claims were given back: once the setup is fixed, a replay (from the dead-letter queue) posts them
    const fixed = await notifier(channelName("setup"))(sqsEvent(published));
    expect(fixed.items.map((item) => item.outcome)).toEqual(["parent", "reply", "reply"]);
  });
});
