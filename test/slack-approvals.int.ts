// Approvals end to end: a slack.commands rule with `approval: true` makes `/homeostat scale` wait for
// a second person. The stand-in plays Slack (signed commands and clicks, response URLs, the message
// with the buttons and its chat.update); the real Slack function serves them as a function URL; the
// asynchronous runs go through the pipeline against the real cluster and DynamoDB on moto. Expiry
// uses the pipeline's injectable clock (moved forward), never a sleep.

import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { defineConfig, type HomeostatConfig } from "../packages/core/src/config/index.ts";
import { renderResultBlocks } from "../packages/core/src/slack/blocks.ts";
import type { SlackJob } from "../packages/core/src/slack/commands/index.ts";
import { getApproval, resolveApproval } from "../packages/core/src/state/index.ts";
import { createNamespace, createPauseDeployment, type TestNamespace } from "./env/cluster.ts";
import { type SlackControl, type StoredMessage, slackControl } from "./env/slack-control.ts";
import { type SlackRequest, slackPlayer } from "./env/slack-player.ts";
import { E2E_CLUSTER, E2E_CLUSTER_DIMENSION } from "./fixtures/e2e.config.ts";
import { cpuAlarm } from "./fixtures/e2e-events.ts";
import { type E2e, startE2e } from "./fixtures/e2e-harness.ts";
import { type SlackEndpoint, serveSlackEndpoint } from "./fixtures/slack-endpoint.ts";

const ALICE = "U0ALICE"; // asks; also allowed to approve
const BOB = "U0BOB"; // allowed through the S0SRE user group
const CAROL = "U0CAROL"; // allowed by name
const EVE = "U0EVE"; // no rule names her
const OPS = "C0OPS";
const EXPIRY_SECONDS = 600;

let e2e: E2e;
let ns: TestNamespace;
let slack: SlackControl;
let slackFn: SlackEndpoint;
let handler: SlackEndpoint["handler"];
/** How far the pipeline's clock is ahead of the wall clock: an expiry test moves it forward. */
let clockAheadMs = 0;
let jobs: SlackJob[];
const player = () => slackPlayer(e2e.env.slackUrl);

function config(): HomeostatConfig {
  return defineConfig({
    clusters: { [E2E_CLUSTER]: { kubeconfig: {} } },
    defaults: { protectedNamespaces: ["kube-system"], cooldown: "0s" },
    policies: [
      // a cooldown as in production: the wait holds it, the approved run must not trip on it
      { name: "chatops", match: { command: { verbs: ["scale"] } }, guard: { cooldown: "1m" } },
      {
        // an automatic action that waits for a person: the notify stage posts it with Approve / Deny
        name: "scale-on-cpu",
        match: { alarm: { names: ["e2e-*-cpu-high"], dimensions: { ClusterName: E2E_CLUSTER_DIMENSION } } },
        action: {
          verb: "scale",
          target: { fromDimensions: { namespace: "Namespace", name: "Service" } },
          change: "+2",
          max: 100,
        },
        // the wait holds the cooldown (an alarm storm asks once); the approved run must not trip on it
        guard: { approval: true, cooldown: "10m" },
      },
    ],
    slack: {
      channel: OPS,
      commands: {
        approvalExpiry: EXPIRY_SECONDS,
        rules: [
          {
            name: "sre-with-approval",
            users: [ALICE, CAROL],
            groups: ["S0SRE"],
            channels: [OPS],
            verbs: ["scale"],
            namespaces: ["slack-appr-*"],
            approval: true,
          },
        ],
      },
    },
  });
}

async function replicas(name: string): Promise<number | undefined> {
  return (await e2e.admin.apps.readNamespacedDeployment({ namespace: ns.name, name })).spec?.replicas;
}

async function generation(name: string): Promise<number | undefined> {
  return (await e2e.admin.apps.readNamespacedDeployment({ namespace: ns.name, name })).metadata?.generation;
}

const ack: SlackEndpoint["ack"] = (request) => slackFn.ack(request);

/** Delivers the handed-over jobs as Lambda's asynchronous invocations would: all at once. */
async function runJobs(): Promise<void> {
  const pending = jobs.splice(0);
  await Promise.all(pending.map((job) => handler(structuredClone(job))));
}

const replies: SlackEndpoint["replies"] = (responseUrl) => slackFn.replies(responseUrl);

interface Button {
  action_id: string;
  value: string;
}

function buttonsOf(message: StoredMessage): Button[] {
  return (message.blocks ?? [])
    .flatMap((block) => (block as { elements?: unknown[] }).elements ?? [])
    .filter((element): element is Button => (element as { type?: string }).type === "button");
}

/** ALICE asks for `scale <name> +2`; returns the message with the buttons and the approval id. */
async function ask(name: string): Promise<{ message: StoredMessage; approvalId: string }> {
  const request = await player().slashCommand({
    user: ALICE,
    channel: OPS,
    text: `scale ${ns.name}/${name} +2`,
  });
  expect(await ack(request)).toMatchObject({
    status: 200,
    body: { text: expect.stringContaining("Working on") },
  });
  await runJobs();
  expect(await replicas(name)).toBe(1); // asking changed nothing
  expect(await replies(request.responseUrl)).toEqual([
    {
      response_type: "ephemeral",
      text: expect.stringContaining("waits for a second person's approval in <#C0OPS>"),
    },
  ]);
  // the channel's messages: the answer on the response_url is ALICE's alone (ephemeral)
  const posted = (await slack.messages({ channel: OPS })).filter(
    (message) => !message.ephemeral && message.text?.includes(`scale ${ns.name}/${name} +2`),
  );
  expect(posted).toHaveLength(1);
  const [message] = posted;
  if (!message) throw new Error("no approval message");
  const buttons = buttonsOf(message);
  expect(buttons.map((button) => button.action_id)).toEqual(["homeostat.approve", "homeostat.deny"]);
  const [approve] = buttons;
  // the buttons carry only the pending record's id, both the same
  expect(
    buttons.every((button) => button.value === approve?.value && /^[0-9a-f]{12}$/.test(button.value)),
  ).toBe(true);
  return { message, approvalId: approve?.value ?? "" };
}

async function click(
  user: string,
  approvalId: string,
  message: StoredMessage,
  actionId = "homeostat.approve",
): Promise<SlackRequest> {
  const request = await player().blockAction({
    user,
    channel: OPS,
    actionId,
    value: approvalId,
    message: { ts: message.ts },
  });
  expect(await ack(request)).toEqual({ status: 200, body: undefined });
  return request;
}

async function current(message: StoredMessage): Promise<StoredMessage | undefined> {
  return (await slack.messages({ channel: OPS })).find((each) => each.ts === message.ts);
}

beforeAll(async () => {
  e2e = await startE2e("slack-approvals", config());
  slack = slackControl(e2e.env.slackUrl);
  ns = await createNamespace(e2e.admin, "slack-appr");
  for (const name of ["once", "own", "expiry", "race", "deny", "eve", "alarmed", "redelivered"]) {
    await createPauseDeployment(e2e.admin, ns.name, name, 1);
  }
  slackFn = await serveSlackEndpoint(e2e, config(), { now: () => new Date(Date.now() + clockAheadMs) });
  ({ handler, jobs } = slackFn);
});

beforeEach(async () => {
  jobs.length = 0;
  clockAheadMs = 0;
  await slack.reset();
  await slack.directory({
    users: [
      { id: ALICE, name: "alice" },
      { id: BOB, name: "bob" },
      { id: CAROL, name: "carol" },
      { id: EVE, name: "eve" },
    ],
    usergroups: [{ id: "S0SRE", users: [BOB] }],
  });
});

afterAll(async () => {
  await slackFn?.close();
  await ns?.cleanup();
  await e2e?.close();
});

describe("a command a rule makes wait for approval", () => {
  it("posts the planned action with its dry run; a second allowed user approves and it runs once; a third click is told who decided", async () => {
    const { message, approvalId } = await ask("once");
    expect(message.text).toContain(`<@${ALICE}> asks to run \`scale ${ns.name}/once +2\` on test`);
    expect(message.text).toMatch(/Server-side dry run now:\n:test_tube: dry run:/);
    expect(await getApproval(e2e.store, approvalId)).toMatchObject({
      status: "pending",
      cluster: E2E_CLUSTER,
      requester: ALICE,
      message: { channel: OPS, ts: message.ts },
    });

    await click(BOB, approvalId, message);
    await runJobs();
    expect(await replicas("once")).toBe(3);
    const updated = await current(message);
    expect(updated?.edited).toBeDefined();
    expect(updated?.text).toMatch(
      new RegExp(
        `^:ballot_box_with_check: Approved by <@${BOB}> \\(asked by <@${ALICE}>\\): scale deployment ${ns.name}/once on test\\n:white_check_mark: `,
      ),
    );
    expect(buttonsOf(updated as StoredMessage)).toEqual([]);
    const scaled = (await e2e.audit()).filter(
      (record) => record.verb === "scale" && record.policy === "chatops" && record.changed && !record.dryRun,
    );
    expect(scaled).toHaveLength(1);
    expect(scaled[0]?.actor).toBe("slack:U0BOB (bob), approving the request of slack:U0ALICE (alice)");

    const generationAfter = await generation("once");
    const third = await click(CAROL, approvalId, message);
    await runJobs();
    expect(await replies(third.responseUrl)).toEqual([
      {
        response_type: "ephemeral",
        text: `:warning: the approval of scale deployment ${ns.name}/once was already decided: approved by slack:U0BOB (bob) at ${
          (await getApproval(e2e.store, approvalId))?.resolvedAt
        }`,
      },
    ]);
    expect(await replicas("once")).toBe(3);
    expect(await generation("once")).toBe(generationAfter);
  });

  it("runs an approval once when its job is delivered again, also when the run before died after deciding", async () => {
    const { message, approvalId } = await ask("redelivered");
    // the run before decided, then died before acting: the approval stands, nothing ran
    const decided = await resolveApproval(e2e.store, approvalId, {
      decision: "approved",
      by: "slack:U0BOB (bob)",
      now: new Date(),
    });
    expect(decided.ok).toBe(true);
    expect(await replicas("redelivered")).toBe(1);

    // Lambda delivers the same click's job again: it carries the approval out, once
    const request = await click(BOB, approvalId, message);
    const job = jobs.at(-1);
    await runJobs();
    expect(await replicas("redelivered")).toBe(3);
    expect((await current(message))?.text).toMatch(/^:ballot_box_with_check: Approved by <@U0BOB>/);
    const generationAfter = await generation("redelivered");

    // and once more: nothing runs again, and the approver is told so
    if (!job) throw new Error("no job handed over");
    jobs.push(job);
    await runJobs();
    expect(await replicas("redelivered")).toBe(3);
    expect(await generation("redelivered")).toBe(generationAfter);
    expect((await replies(request.responseUrl)).at(-1)).toEqual({
      response_type: "ephemeral",
      text: `:information_source: your approval of scale deployment ${ns.name}/redelivered was already carried out: nothing ran again`,
    });
    const scaled = (await e2e.audit()).filter(
      (record) =>
        record.verb === "scale" &&
        "name" in record.target &&
        record.target.name === "redelivered" &&
        record.changed &&
        !record.dryRun,
    );
    expect(scaled).toHaveLength(1);
  });

  it("refuses the requester approving their own request, changing nothing", async () => {
    const { message, approvalId } = await ask("own");
    const before = await generation("own");
    const own = await click(ALICE, approvalId, message);
    await runJobs();
    expect(await replies(own.responseUrl)).toEqual([
      {
        response_type: "ephemeral",
        text: expect.stringContaining(
          `you asked for scale deployment ${ns.name}/own: a second person must approve it (two-person rule`,
        ),
      },
    ]);
    expect(await replicas("own")).toBe(1);
    expect(await generation("own")).toBe(before);
    expect((await getApproval(e2e.store, approvalId))?.status).toBe("pending");
    expect((await current(message))?.edited).toBeUndefined();
  });

  it("refuses a user no rule allows to approve, changing nothing", async () => {
    const { message, approvalId } = await ask("eve");
    const refused = await click(EVE, approvalId, message);
    await runJobs();
    expect(await replies(refused.responseUrl)).toEqual([
      {
        response_type: "ephemeral",
        text: expect.stringContaining(`:no_entry: no rule allows ${EVE} to run scale`),
      },
    ]);
    expect(await replicas("eve")).toBe(1);
    expect((await getApproval(e2e.store, approvalId))?.status).toBe("pending");
  });

  it("after its expiry refuses the click and updates the message to say it expired", async () => {
    const { message, approvalId } = await ask("expiry");
    const before = await generation("expiry");
    clockAheadMs = (EXPIRY_SECONDS + 1) * 1000;
    const late = await click(BOB, approvalId, message);
    await runJobs();
    expect(await replies(late.responseUrl)).toEqual([
      {
        response_type: "ephemeral",
        text: expect.stringMatching(
          /^:warning: the approval of scale deployment .*\/expiry expired at .*: nothing ran$/,
        ),
      },
    ]);
    const updated = await current(message);
    expect(updated?.text).toMatch(
      /^:hourglass: Expired: the approval of scale deployment .*\/expiry lapsed at /,
    );
    expect(buttonsOf(updated as StoredMessage)).toEqual([]);
    expect(await replicas("expiry")).toBe(1);
    expect(await generation("expiry")).toBe(before);
  });

  it("runs once when two approvers click at the same moment", async () => {
    const { message, approvalId } = await ask("race");
    const [bob, carol] = await Promise.all([
      click(BOB, approvalId, message),
      click(CAROL, approvalId, message),
    ]);
    expect(jobs).toHaveLength(2);
    await runJobs();
    // +2 from 1: a second run would make it 5
    expect(await replicas("race")).toBe(3);
    const stored = await getApproval(e2e.store, approvalId);
    expect(stored?.status).toBe("approved");
    const loser = stored?.resolvedBy?.startsWith("slack:U0BOB") ? carol : bob;
    expect(await replies(loser.responseUrl)).toEqual([
      { response_type: "ephemeral", text: expect.stringContaining("was already decided: approved by") },
    ]);
    const scaled = (await e2e.audit()).filter(
      (record) =>
        record.verb === "scale" &&
        record.changed &&
        !record.dryRun &&
        record.target.kind === "Deployment" &&
        record.target.name === "race",
    );
    expect(scaled).toHaveLength(1);
  });

  it("Deny: nothing runs and the message says who denied", async () => {
    const { message, approvalId } = await ask("deny");
    const before = await generation("deny");
    await click(BOB, approvalId, message, "homeostat.deny");
    await runJobs();
    expect((await current(message))?.text).toBe(
      `:no_entry_sign: Denied by <@${BOB}>: scale deployment ${ns.name}/deny did not run.`,
    );
    expect(await replicas("deny")).toBe(1);
    expect(await generation("deny")).toBe(before);
    expect(await getApproval(e2e.store, approvalId)).toMatchObject({ status: "denied" });
    // a later Approve finds it decided
    const late = await click(CAROL, approvalId, message);
    await runJobs();
    expect(await replies(late.responseUrl)).toEqual([
      {
        response_type: "ephemeral",
        text: expect.stringContaining("was already decided: denied by slack:U0BOB (bob)"),
      },
    ]);
    expect(await replicas("deny")).toBe(1);
  });

  it("an automatic policy's action awaiting approval: Approve on the notify stage's message runs it once, through the guard", async () => {
    await e2e.invoke("alarm", cpuAlarm(ns.name, "alarmed"));
    expect(await replicas("alarmed")).toBe(1);
    const [waiting] = (await e2e.audit()).filter(
      (record) => record.policy === "scale-on-cpu" && record.approvalId !== undefined,
    );
    if (!waiting?.approvalId) throw new Error("the alarm's scale is not awaiting approval");
    expect(await getApproval(e2e.store, waiting.approvalId)).toMatchObject({
      status: "pending",
      cluster: E2E_CLUSTER,
      heldClaims: [expect.stringMatching(/^cooldown#/)],
    });
    // the notify stage's message for that record, posted as the notify stage posts it
    const blocks = renderResultBlocks(waiting);
    const buttons = blocks.flatMap((block) => (block.type === "actions" ? block.elements : []));
    expect(buttons.map((button) => (button.type === "button" ? button.value : undefined))).toEqual([
      waiting.approvalId,
      waiting.approvalId,
    ]);
    const posted = await fetch(`${e2e.env.slackUrl}/api/chat.postMessage`, {
      method: "POST",
      headers: { authorization: `Bearer ${e2e.env.slackToken}`, "content-type": "application/json" },
      body: JSON.stringify({ channel: OPS, text: "awaiting approval", blocks }),
    });
    const { ts } = (await posted.json()) as { ts: string };
    const message = (await slack.messages({ channel: OPS })).find((each) => each.ts === ts);
    if (!message) throw new Error("the stand-in kept no message");

    await Promise.all([click(BOB, waiting.approvalId, message), click(CAROL, waiting.approvalId, message)]);
    await runJobs();
    expect(await replicas("alarmed")).toBe(3);
    expect((await current(message))?.text).toMatch(
      new RegExp(
        `^:ballot_box_with_check: Approved by <@U0(BOB|CAROL)> \\(asked by automation \\(policy scale-on-cpu\\)\\): scale deployment ${ns.name}/alarmed on test\\n:white_check_mark: `,
      ),
    );
  });
});
