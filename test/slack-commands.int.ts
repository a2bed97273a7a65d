// /homeostat end to end: the Slack stand-in plays Slack (signed slash commands, response URLs, the user
// directory) toward the real Slack function served as a function URL on loopback; the ack hands each
// command to an asynchronous run, which the test delivers to the same handler as Lambda would; the
// run goes through the pipeline against the real cluster (the automation identity) and DynamoDB on moto.
// Every bad case ends with no job, no cluster write and a clear reply.

import { CreateFunctionCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { defineConfig, type HomeostatConfig } from "../packages/core/src/config/index.ts";
import { renderResultBlocks } from "../packages/core/src/slack/blocks.ts";
import { webClientPoster } from "../packages/core/src/slack/client.ts";
import {
  lambdaDispatcher,
  readInteraction,
  type SlackJob,
  sealJob,
} from "../packages/core/src/slack/commands/index.ts";
import { putAudit, readAudit } from "../packages/core/src/state/index.ts";
import { clientConfig } from "./env/aws.ts";
import { createNamespace, createPauseDeployment, type TestNamespace } from "./env/cluster.ts";
import { type SlackControl, slackControl } from "./env/slack-control.ts";
import { SLACK_SIGNING_SECRET, type SlackRequest, signSlackBody, slackPlayer } from "./env/slack-player.ts";
import { E2E_CLUSTER, E2E_CLUSTER_DIMENSION } from "./fixtures/e2e.config.ts";
import { cpuAlarm } from "./fixtures/e2e-events.ts";
import { type E2e, startE2e } from "./fixtures/e2e-harness.ts";
import { resultQueue, sqsEvent } from "./fixtures/notify-harness.ts";
import { type SlackEndpoint, serveSlackEndpoint } from "./fixtures/slack-endpoint.ts";

const ALICE = "U0ALICE"; // granted scale and restart by name, in #ops
const BOB = "U0BOB"; // granted the same through the S0SRE user group
const EVE = "U0EVE"; // no rule names her
const OPS = "C0OPS";
const RANDOM = "C0RANDOM";

let e2e: E2e;
let ns: TestNamespace;
let outside: TestNamespace;
let slack: SlackControl;
let slackFn: SlackEndpoint;
let handler: SlackEndpoint["handler"];
let jobs: SlackJob[];
const player = () => slackPlayer(e2e.env.slackUrl);

function config(): HomeostatConfig {
  return defineConfig({
    clusters: { [E2E_CLUSTER]: { kubeconfig: {} } },
    defaults: { protectedNamespaces: ["kube-system"], cooldown: "0s" },
    policies: [
      { name: "chatops", match: { command: { verbs: ["scale", "restart"] } } },
      {
        // an automatic action whose result the notify stage renders with an Undo button
        name: "scale-on-cpu",
        match: { alarm: { names: ["e2e-*-cpu-high"], dimensions: { ClusterName: E2E_CLUSTER_DIMENSION } } },
        action: {
          verb: "scale",
          target: { fromDimensions: { namespace: "Namespace", name: "Service" } },
          change: "+2",
          max: 100,
        },
      },
    ],
    slack: {
      channel: OPS,
      commands: {
        rules: [
          { name: "everyone-reads", users: "*", verbs: ["status", "history"] },
          {
            name: "sre",
            users: [ALICE],
            groups: ["S0SRE"],
            channels: [OPS],
            verbs: ["scale", "restart"],
            namespaces: ["slack-cmd-*", "kube-system"],
          },
        ],
      },
    },
  });
}

async function replicas(namespace: string, name = "web"): Promise<number | undefined> {
  return (await e2e.admin.apps.readNamespacedDeployment({ namespace, name })).spec?.replicas;
}

/** What any write of ours would move: the Deployments' generations in both namespaces. */
async function generations(): Promise<Record<string, number | undefined>> {
  const out: Record<string, number | undefined> = {};
  for (const namespace of [ns.name, outside.name]) {
    for (const item of (await e2e.admin.apps.listNamespacedDeployment({ namespace })).items) {
      out[`${namespace}/${item.metadata?.name}`] = item.metadata?.generation;
    }
  }
  return out;
}

const ack: SlackEndpoint["ack"] = (request) => slackFn.ack(request);

/** Delivers the jobs the acks handed over to the handler, as Lambda's asynchronous invocation does. */
async function runJobs(): Promise<unknown[]> {
  const pending = jobs.splice(0);
  const outcomes: unknown[] = [];
  for (const job of pending) outcomes.push(await handler(structuredClone(job)));
  return outcomes;
}

const replies: SlackEndpoint["replies"] = (responseUrl) => slackFn.replies(responseUrl);

beforeAll(async () => {
  e2e = await startE2e("slack", config());
  slack = slackControl(e2e.env.slackUrl);
  ns = await createNamespace(e2e.admin, "slack-cmd");
  outside = await createNamespace(e2e.admin, "slack-other");
  await createPauseDeployment(e2e.admin, ns.name, "web", 1);
  await createPauseDeployment(e2e.admin, ns.name, "api", 1);
  await createPauseDeployment(e2e.admin, outside.name, "web", 1);
  slackFn = await serveSlackEndpoint(e2e, config());
  ({ handler, jobs } = slackFn);
});

beforeEach(async () => {
  jobs.length = 0;
  await slack.reset();
  await slack.directory({
    users: [
      { id: ALICE, name: "alice" },
      { id: BOB, name: "bob" },
      { id: EVE, name: "eve" },
    ],
    usergroups: [{ id: "S0SRE", users: [BOB] }],
  });
});

afterAll(async () => {
  await slackFn?.close();
  await ns?.cleanup();
  await outside?.cleanup();
  await e2e?.close();
});

describe("/homeostat from an allowed user", () => {
  it("acks at once, scales the Deployment once through the pipeline, answers in the channel, audits the Slack user", async () => {
    const request = await player().slashCommand({
      user: ALICE,
      channel: OPS,
      text: `scale ${ns.name}/web +2`,
    });
    const answer = await ack(request);
    expect(answer).toEqual({
      status: 200,
      body: {
        response_type: "ephemeral",
        text: expect.stringContaining(`Working on \`scale ${ns.name}/web +2\``),
      },
    });
    expect(jobs).toHaveLength(1);
    expect(await replicas(ns.name)).toBe(1); // the ack changed nothing itself

    await runJobs();
    expect(await replicas(ns.name)).toBe(3);
    expect(await replies(request.responseUrl)).toEqual([
      expect.objectContaining({
        response_type: "in_channel",
        text: expect.stringMatching(
          new RegExp(`^<@${ALICE}> ran \`scale ${ns.name}/web \\+2\` on test\\n:white_check_mark: `),
        ),
      }),
    ]);
    const audit = await e2e.audit();
    expect(audit.find((record) => record.verb === "scale" && record.policy === "chatops")).toMatchObject({
      actor: "slack:U0ALICE (alice)",
      ok: true,
      changed: true,
      trigger: { kind: "command" },
    });
    expect(audit.find((record) => record.policy === "slack-rule:sre")).toMatchObject({
      actor: "slack:U0ALICE (alice)",
      message: "allowed by slack.commands rule sre",
    });
  });

  it("is said once in the channel: the notify stage counts the change the answer there already shows", async () => {
    const queue = await resultQueue(e2e);
    try {
      await createPauseDeployment(e2e.admin, ns.name, "once", 1);
      const request = await player().slashCommand({
        user: ALICE,
        channel: OPS,
        text: `scale ${ns.name}/once +1`,
      });
      await ack(request);
      await runJobs();
      expect((await replies(request.responseUrl)).map((reply) => reply.response_type)).toEqual([
        "in_channel",
      ]);
      const results = await queue.take(1);
      // the notify function as deployed with this config (results go to OPS, where it was asked)
      const notify = e2e.handler("notify", {
        config: config(),
        deps: { slack: webClientPoster({ token: e2e.env.slackToken, apiUrl: `${e2e.env.slackUrl}/api/` }) },
      });
      const answer = await notify(sqsEvent(results));
      expect(answer).toMatchObject({ batchItemFailures: [], items: [{ outcome: "not-worth-a-message" }] });
      const posts = await slack.calls({ method: "chat.postMessage" });
      expect(posts.filter((call) => JSON.stringify(call.body).includes(`${ns.name}/once`))).toEqual([]);
    } finally {
      await queue.close();
    }
  });

  it("acts once when the same job is delivered twice (Lambda retries an asynchronous invocation)", async () => {
    const request = await player().slashCommand({
      user: ALICE,
      channel: OPS,
      text: `scale ${ns.name}/api +1`,
    });
    await ack(request);
    const [job] = jobs;
    if (!job) throw new Error("no job");
    jobs.push(structuredClone(job));
    await runJobs();
    expect(await replicas(ns.name, "api")).toBe(2);
    const [first, second] = await replies(request.responseUrl);
    expect(first?.response_type).toBe("in_channel");
    expect(second).toEqual({
      response_type: "ephemeral",
      text: expect.stringContaining("not run (idempotency)"),
    });
  });

  it("runs only jobs its own ack sealed: a forged or altered job changes nothing", async () => {
    await createPauseDeployment(e2e.admin, ns.name, "sealed", 1);
    const request = await player().slashCommand({
      user: ALICE,
      channel: OPS,
      text: `scale ${ns.name}/sealed +1`,
    });
    await ack(request);
    const [job] = jobs.splice(0);
    if (job?.homeostat !== "slack-command") throw new Error("no command job");
    const { seal: _seal, ...unsealed } = job;
    // someone allowed lambda:InvokeFunction, but without the signing secret
    const forged = sealJob(unsealed, "not-the-signing-secret");
    const altered = { ...job, command: { ...job.command, text: `scale ${ns.name}/sealed +5` } };
    for (const bad of [forged, altered]) {
      expect(await handler(structuredClone(bad))).toEqual({
        kind: "refused",
        reason: expect.stringContaining("seal is not the signing secret's"),
      });
    }
    expect(await replicas(ns.name, "sealed")).toBe(1);
    expect(await replies(request.responseUrl)).toEqual([]);
    // the job as sealed runs
    jobs.push(job);
    await runJobs();
    expect(await replicas(ns.name, "sealed")).toBe(2);
  });

  it("grants a member of a user group the rule names (looked up through usergroups.users.list)", async () => {
    const request = await player().slashCommand({ user: BOB, channel: OPS, text: `scale ${ns.name}/web 4` });
    await ack(request);
    await runJobs();
    // no rule names Bob: only his membership of S0SRE (usergroups.users.list) grants it
    expect(await replicas(ns.name)).toBe(4);
  });

  it("still applies the guard: a protected namespace is refused by the pipeline, with its reason", async () => {
    const request = await player().slashCommand({
      user: ALICE,
      channel: OPS,
      text: "restart kube-system/coredns",
    });
    await ack(request);
    await runJobs();
    expect(await replies(request.responseUrl)).toEqual([
      { response_type: "ephemeral", text: expect.stringMatching(/not run \(protected-namespace\)/) },
    ]);
  });

  it("runs --dry-run as a server-side dry run: the requester alone sees it, nothing changes", async () => {
    const before = await generations();
    const request = await player().slashCommand({
      user: ALICE,
      channel: OPS,
      text: `scale ${ns.name}/web +5 --dry-run`,
    });
    expect((await ack(request)).body?.text).toContain("(dry run)");
    await runJobs();
    expect(await replies(request.responseUrl)).toEqual([
      { response_type: "ephemeral", text: expect.stringMatching(/^:test_tube: dry run: /) },
    ]);
    expect(await generations()).toEqual(before);
  });

  it("answers status (from the cluster) and help (in the ack) ephemerally", async () => {
    const help = await ack(await player().slashCommand({ user: EVE, channel: RANDOM, text: "help" }));
    expect(help.body).toEqual({
      response_type: "ephemeral",
      text: expect.stringContaining("/homeostat <command>"),
    });
    expect(jobs).toHaveLength(0);

    const request = await player().slashCommand({
      user: EVE,
      channel: RANDOM,
      text: `status ${ns.name}/web`,
    });
    await ack(request);
    await runJobs();
    expect(await replies(request.responseUrl)).toEqual([
      { response_type: "ephemeral", text: expect.stringContaining(`deployment ${ns.name}/web`) },
    ]);
  });
});

describe("Undo", () => {
  /** The Undo button on a reply: its value is only the id of the change's audit record. */
  async function undoButton(responseUrl: string): Promise<{ value: string; text: string }> {
    const id = responseUrl.split("/").at(-1);
    const [call] = (await slack.calls({ method: "response_url" })).filter((c) => c.path.endsWith(`/${id}`));
    const blocks = (
      (call?.body ?? {}) as {
        blocks?: Array<{ elements?: Array<{ action_id: string; value: string; text: { text: string } }> }>;
      }
    ).blocks;
    const button = blocks
      ?.flatMap((block) => block.elements ?? [])
      .find((e) => e.action_id === "homeostat.undo");
    if (!button) throw new Error(`no Undo button in ${JSON.stringify(call?.body)}`);
    return { value: button.value, text: button.text.text };
  }

  it("restores the count of a scale, once, however often it is clicked", async () => {
    const before = await replicas(ns.name);
    const request = await player().slashCommand({
      user: ALICE,
      channel: OPS,
      text: `scale ${ns.name}/web +3`,
    });
    await ack(request);
    await runJobs();
    expect(await replicas(ns.name)).toBe((before ?? 0) + 3);
    const button = await undoButton(request.responseUrl);
    expect(button.text).toBe(`Undo: scale ${ns.name}/web ${before}`);
    // the button names the scale's audit record, whose undo is what a click runs
    expect(await readAudit(e2e.store, button.value)).toMatchObject({
      verb: "scale",
      cluster: E2E_CLUSTER,
      actor: `slack:${ALICE} (alice)`,
      undo: { verb: "scale", params: { change: String(before) } },
    });

    const click = () =>
      player().blockAction({ user: ALICE, channel: OPS, actionId: "homeostat.undo", value: button.value });
    const first = await click();
    const second = await click();
    expect(await ack(first)).toEqual({ status: 200, body: undefined });
    expect(await ack(second)).toEqual({ status: 200, body: undefined });
    expect(jobs).toHaveLength(2);
    await runJobs();
    expect(await replicas(ns.name)).toBe(before);
    expect(await replies(first.responseUrl)).toEqual([
      expect.objectContaining({
        response_type: "in_channel",
        text: expect.stringContaining(`<@${ALICE}> undid scale deployment ${ns.name}/web on ${E2E_CLUSTER}`),
      }),
    ]);
    expect(await replies(second.responseUrl)).toEqual([
      { response_type: "ephemeral", text: expect.stringContaining("not run (idempotency)") },
    ]);
  });

  it("acts once when two people click Undo at the same moment (the jobs run concurrently)", async () => {
    const before = await replicas(ns.name);
    const request = await player().slashCommand({
      user: ALICE,
      channel: OPS,
      text: `scale ${ns.name}/web +1`,
    });
    await ack(request);
    await runJobs();
    const button = await undoButton(request.responseUrl);
    const clicks = await Promise.all(
      [ALICE, BOB].map((user) =>
        player().blockAction({ user, channel: OPS, actionId: "homeostat.undo", value: button.value }),
      ),
    );
    await Promise.all(clicks.map(ack));
    const pending = jobs.splice(0);
    await Promise.all(pending.map((job) => handler(structuredClone(job))));
    expect(await replicas(ns.name)).toBe(before);
    const answers = (await Promise.all(clicks.map((click) => replies(click.responseUrl)))).flat();
    expect(answers.filter((reply) => reply.response_type === "in_channel")).toHaveLength(1);
    expect(answers.filter((reply) => reply.text.includes("not run (idempotency)"))).toHaveLength(1);
  });

  it("runs under the clicker's authorization: someone no rule allows changes nothing", async () => {
    const request = await player().slashCommand({
      user: ALICE,
      channel: OPS,
      text: `scale ${ns.name}/api +1`,
    });
    await ack(request);
    await runJobs();
    const after = await replicas(ns.name, "api");
    const button = await undoButton(request.responseUrl);
    const click = await player().blockAction({
      user: EVE,
      channel: OPS,
      actionId: "homeostat.undo",
      value: button.value,
    });
    await ack(click);
    await runJobs();
    expect(await replicas(ns.name, "api")).toBe(after);
    expect(await replies(click.responseUrl)).toEqual([
      { response_type: "ephemeral", text: expect.stringContaining(`not U0EVE`) },
    ]);
  });

  it("undoes an alarm's automatic scale from the Undo button the notify stage renders for it, once", async () => {
    const before = await replicas(ns.name);
    await e2e.invoke("alarm", cpuAlarm(ns.name, "web"));
    expect(await replicas(ns.name)).toBe((before ?? 0) + 2);
    const [scaled] = (await e2e.audit()).filter(
      (record) => record.policy === "scale-on-cpu" && record.changed && record.cluster === E2E_CLUSTER,
    );
    if (!scaled) throw new Error("the alarm's scale left no audit record");
    const button = renderResultBlocks(scaled)
      .flatMap((block) => (block.type === "actions" ? block.elements : []))
      .find((element) => element.type === "button" && element.action_id === "homeostat.undo");
    if (button?.type !== "button" || !button.value) throw new Error("the notify stage rendered no Undo");
    expect(button.value).toBe(scaled.id);

    const clicks = [
      await player().blockAction({
        user: BOB,
        channel: OPS,
        actionId: "homeostat.undo",
        value: button.value,
      }),
      await player().blockAction({
        user: ALICE,
        channel: OPS,
        actionId: "homeostat.undo",
        value: button.value,
      }),
    ];
    for (const click of clicks) await ack(click);
    await runJobs();
    expect(await replicas(ns.name)).toBe(before);
    expect(await replies(clicks[0]?.responseUrl ?? "")).toEqual([
      expect.objectContaining({
        response_type: "in_channel",
        text: expect.stringContaining(`<@${BOB}> undid scale deployment ${ns.name}/web on ${E2E_CLUSTER}`),
      }),
    ]);
    expect(await replies(clicks[1]?.responseUrl ?? "")).toEqual([
      { response_type: "ephemeral", text: expect.stringContaining("not run (idempotency)") },
    ]);
  });

  it("refuses an unknown id, a record with no undo, and a record of a cluster not served, running nothing", async () => {
    const request = await player().slashCommand({
      user: ALICE,
      channel: OPS,
      text: `restart ${ns.name}/api`,
    });
    await ack(request);
    await runJobs();
    const [restarted] = (await e2e.audit()).filter((record) => record.verb === "restart" && record.changed);
    if (!restarted) throw new Error("the restart left no audit record");
    const elsewhere = { ...restarted, id: `${restarted.id}#elsewhere`, cluster: "staging" };
    elsewhere.undo = {
      verb: "scale",
      target: { kind: "Deployment", namespace: ns.name, name: "api" },
      params: { change: "9" },
    };
    await putAudit(e2e.store, elsewhere);

    const before = await generations();
    const cases = [
      ["0123456789abcdef", "no audit record 0123456789abcdef"],
      [`{"verb":"scale"}`, "no audit record"],
      [restarted.id, `the audit record of restart deployment ${ns.name}/api has no undo`],
      [
        elsewhere.id,
        `is for cluster staging, which this deployment does not serve (it serves ${E2E_CLUSTER})`,
      ],
    ] as const;
    for (const [value, reason] of cases) {
      const click = await player().blockAction({
        user: ALICE,
        channel: OPS,
        actionId: "homeostat.undo",
        value,
      });
      await ack(click);
      await runJobs();
      expect(await replies(click.responseUrl)).toEqual([
        { response_type: "ephemeral", text: expect.stringContaining(reason) },
      ]);
    }
    expect(await generations()).toEqual(before);
  });

  it("answers a button it does not have with nothing done", async () => {
    const click = await player().blockAction({
      user: ALICE,
      channel: OPS,
      actionId: "homeostat.launch",
      value: "abc",
    });
    expect(await ack(click)).toEqual({
      status: 200,
      body: {
        response_type: "ephemeral",
        text: "Homeostat has no such button: nothing was done.",
      },
    });
    expect(jobs).toHaveLength(0);
  });
});

describe("refused, with nothing changed", () => {
  let before: Record<string, number | undefined>;
  beforeEach(async () => {
    before = await generations();
  });
  const nothingChanged = async () => {
    expect(await generations()).toEqual(before);
  };

  it.each([
    [
      "a bad signature",
      (r: SlackRequest) => ({ ...r, headers: { ...r.headers, "x-slack-signature": `v0=${"0".repeat(64)}` } }),
    ],
    [
      "missing headers",
      (r: SlackRequest) => {
        const { "x-slack-signature": _s, "x-slack-request-timestamp": _t, ...headers } = r.headers;
        return { ...r, headers };
      },
    ],
    ["a body changed after signing", (r: SlackRequest) => ({ ...r, body: r.body.replace("%2B2", "%2B20") })],
  ])("%s → 401, no job", async (_name, tamper) => {
    const request = await player().slashCommand({
      user: ALICE,
      channel: OPS,
      text: `scale ${ns.name}/web +2`,
    });
    const answer = await ack(tamper(request));
    expect(answer).toEqual({ status: 401, body: undefined });
    expect(jobs).toHaveLength(0);
    await nothingChanged();
  });

  const secondsFromNow = (offset: number) => () => ({ timestamp: Math.floor(Date.now() / 1000) + offset });
  it.each([
    ["a timestamp 301 s old", secondsFromNow(-301)],
    ["a timestamp 301 s ahead", secondsFromNow(301)],
    ["a signature made with another secret", () => ({ secret: "someone-elses-secret" })],
  ])("%s → 401, no job", async (_name, sign) => {
    const request = await player().slashCommand({
      user: ALICE,
      channel: OPS,
      text: `scale ${ns.name}/web +2`,
      ...sign(),
    });
    expect((await ack(request)).status).toBe(401);
    expect(jobs).toHaveLength(0);
    await nothingChanged();
  });

  it("verifies a base64 body (as a function URL delivers a form) and refuses one re-encoded after signing", async () => {
    const request = await player().slashCommand({ user: EVE, channel: RANDOM, text: "help" });
    const good = (await handler(player().functionUrlEvent(request, { base64: true }))) as {
      statusCode: number;
    };
    expect(good.statusCode).toBe(200);
    const event = player().functionUrlEvent(request, { base64: true });
    event.body = Buffer.from(request.body.replace("help", "help%20scale"), "utf8").toString("base64");
    expect(((await handler(event)) as { statusCode: number }).statusCode).toBe(401);
  });

  it.each([
    [
      EVE,
      OPS,
      () => `scale ${ns.name}/web +2`,
      `rule "sre" grants users U0ALICE and groups S0SRE, not U0EVE`,
    ],
    [ALICE, RANDOM, () => `scale ${ns.name}/web +2`, `rule "sre" only in channels C0OPS, not C0RANDOM`],
    [
      ALICE,
      OPS,
      () => `scale ${outside.name}/web +2`,
      "only in namespaces slack-cmd-*, kube-system, not slack-other-",
    ],
  ])("%s in %s: a refusal naming the missing rule, audited", async (user, channel, text, missing) => {
    const request = await player().slashCommand({ user, channel, text: text() });
    expect((await ack(request)).status).toBe(200);
    await runJobs();
    expect(await replies(request.responseUrl)).toEqual([
      { response_type: "ephemeral", text: expect.stringContaining(missing) },
    ]);
    const denial = (await e2e.audit()).find(
      (record) => record.policy === "slack-rules" && record.skippedReason?.includes(missing),
    );
    expect(denial).toMatchObject({ actor: expect.stringContaining(user), ok: true, changed: false });
    await nothingChanged();
  });

  it.each([
    [
      "text over 4,000 characters",
      () => `status ${ns.name}/web ${"x".repeat(4000)}`,
      /at most 4000 are read/,
    ],
    ["a control character", () => `scale ${ns.name}/web +2\u0007`, /control character U\+0007/],
    ["a newline", () => `scale ${ns.name}/web +2\nrestart ${ns.name}/web`, /control character U\+000A/],
    [
      "shell metacharacters",
      () => `scale ${ns.name}/web +2; kubectl delete ns ${ns.name}`,
      /contains ';'.*not a shell/,
    ],
    ["Slack's escaped &&", () => `scale ${ns.name}/web +2 &amp;&amp; reboot`, /contains '&'/],
    [
      "a look-alike letter in a name",
      () => `scale ${ns.name}/w\u0435b +2`,
      /U\+0435, in .*\), not an ASCII character/,
    ],
    ["an unknown verb", () => `delete ${ns.name}/web`, /unknown command 'delete'/],
    [
      "a kubeconfig",
      () => `scale ${ns.name}/web +2 --kubeconfig /etc/kube`,
      /--cluster NAME.*not --kubeconfig/,
    ],
    ["an unknown cluster", () => `scale ${ns.name}/web +2 --cluster prod`, /no cluster 'prod'/],
  ])("%s → an ephemeral usage message in the ack, no job", async (_name, text, message) => {
    const request = await player().slashCommand({ user: ALICE, channel: OPS, text: text() });
    const answer = await ack(request);
    expect(answer.status).toBe(200);
    expect(answer.body?.response_type).toBe("ephemeral");
    expect(answer.body?.text).toMatch(message);
    expect(jobs).toHaveLength(0);
    await nothingChanged();
  });
});

describe("response_url", () => {
  it("is Slack's to limit: after 5 answers a sixth is refused, and the stand-in says so", async () => {
    const request = await player().slashCommand({ user: EVE, channel: RANDOM, text: "help" });
    const post = () =>
      fetch(request.responseUrl, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: '{"text":"x"}',
      });
    for (let use = 0; use < 5; use++) expect((await post()).status).toBe(200);
    expect((await post()).status).toBe(404);
  });
});

// the player's signature is the one Slack's own verifier accepts (the check can fail: a wrong secret)
describe("the player's signature", () => {
  it("is what Bolt's verifier accepts", async () => {
    const { verifySlackSignature } = await import("../packages/core/src/slack/commands/index.ts");
    const body = "text=status";
    const headers = signSlackBody(body);
    expect(verifySlackSignature({ body, headers, signingSecret: SLACK_SIGNING_SECRET })).toEqual({
      ok: true,
    });
    expect(verifySlackSignature({ body, headers, signingSecret: "other" }).ok).toBe(false);
  });
});

describe("the hand-over to an asynchronous run", () => {
  it("invokes the function with InvocationType Event (moto's Lambda queues it: 202), and fails loudly for a missing one", async () => {
    const aws = clientConfig(e2e.env);
    // moto's IAM through its query API: a role Lambda may assume (the SDK's IAM client is not a dependency)
    const trust = JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" },
      ],
    });
    const name = `homeostat-slack-${Date.now().toString(36)}`;
    const created = await fetch(e2e.env.motoUrl, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        authorization: `AWS4-HMAC-SHA256 Credential=testing/20260101/${e2e.env.region}/iam/aws4_request, SignedHeaders=host, Signature=0`,
      },
      body: new URLSearchParams({
        Action: "CreateRole",
        Version: "2010-05-08",
        RoleName: name,
        AssumeRolePolicyDocument: trust,
      }),
    });
    const role = /<Arn>(.*?)<\/Arn>/.exec(await created.text())?.[1];
    const lambda = new LambdaClient(aws);
    // an empty zip: moto stores the function; the job's run is what the tests above deliver themselves
    await lambda.send(
      new CreateFunctionCommand({
        FunctionName: name,
        Runtime: "nodejs22.x",
        Role: role,
        Handler: "functions/slack.handler",
        Code: { ZipFile: new Uint8Array([80, 75, 5, 6, ...new Array(18).fill(0)]) },
      }),
    );
    const request = await player().slashCommand({ user: ALICE, channel: OPS, text: `status ${ns.name}/web` });
    const command = readInteraction(request.body);
    if (command.kind !== "command") throw new Error("not a command");
    const job = sealJob({ homeostat: "slack-command", command: command.command }, SLACK_SIGNING_SECRET);
    await expect(lambdaDispatcher(lambda, name)(job)).resolves.toBeUndefined();
    await expect(lambdaDispatcher(lambda, `${name}-missing`)(job)).rejects.toThrow(/not found/i);
    lambda.destroy();
  });
});
