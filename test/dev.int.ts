// `homeostat dev` as a person runs it: a real process against the test cluster, with a config of its
// own. Events arrive over its HTTP endpoint and run the real handlers; a one-time schedule in another
// time zone fires by its own clock; a crash-looping rollout is found by the interval's rollout guard and
// rolled back; --dry-run changes nothing; Ctrl-C (and SIGTERM) stop it with no process left behind.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sampleEvent } from "../packages/core/src/events/index.ts";
import type { Kube } from "../packages/core/src/kube/client.ts";
import { REPO_ROOT } from "./env/binaries.ts";
import {
  type AddedNode,
  addNode,
  BEHAVIOUR_LABEL,
  BEHAVIOURS,
  createNamespace,
  removeNode,
  type TestNamespace,
  waitFor,
} from "./env/cluster.ts";
import { adminKube, loadTestEnv, type TestEnv } from "./env/env.ts";
import { HOMEOSTAT_BIN } from "./env/identity.ts";
import { descendantPids, pidAlive } from "./env/processes.ts";
import { slackControl } from "./env/slack-control.ts";
import { SLACK_SIGNING_SECRET, slackPlayer } from "./env/slack-player.ts";
import { freshEnvelope } from "./fixtures/e2e-harness.ts";

const POOL_LABEL = "homeostat.test/dev-pool";
/** Kolkata is UTC+05:30: a schedule read in the wrong zone fires hours off, or never. */
const SCHEDULE_ZONE = "Asia/Kolkata";
/** How far ahead the one-time schedule is set: dev must be up by then (it starts in seconds). */
const SCHEDULE_LEAD_MS = 45_000;

let env: TestEnv;
let admin: Kube;
let ns: TestNamespace;
let dir: string;
let pool: string;
let spot: AddedNode;
let spare: AddedNode;

/** `yyyy-mm-ddThh:mm:ss` of `at` on the wall clock of `zone`: what an `at()` schedule names. */
function wallClock(at: Date, zone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-CA", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    })
      .formatToParts(at)
      .map((part) => [part.type, part.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}`;
}

/** The test's config, with its one-time schedule at `scheduledAt`. */
function writeConfig(scheduledAt: Date): string {
  const file = join(dir, "dev.config.json");
  const config = {
    clusters: { int: { kubeconfig: {} } },
    defaults: {
      protectedNamespaces: ["kube-system"],
      // nodes other suites (or npm start's demo) left cordoned on the shared cluster must not hold us back
      nodeDisruptionBudget: { maxUnavailable: 100, minHealthyNodes: 0 },
    },
    policies: [
      {
        name: "drain-on-spot",
        match: { instance: { events: ["spot-interruption"] } },
        action: { verb: "drain", target: "trigger-node", deleteEmptyDirData: true, timeout: "60s" },
        guard: { freeze: false, cooldown: "0s" },
      },
      {
        name: "drain-before-maintenance",
        match: { instance: { events: ["scheduled-maintenance"] } },
        action: { verb: "drain", target: "trigger-node", deleteEmptyDirData: true, timeout: "60s" },
        guard: { freeze: false, cooldown: "0s", healthLeadTime: "1h" },
      },
      {
        name: "rollback-stalled",
        match: { rolloutStalled: { namespaces: [ns.name] } },
        action: { verb: "rollback", target: "trigger-workload" },
      },
      {
        name: "night",
        match: {
          schedule: {
            entries: [
              {
                name: "off",
                cron: `at(${wallClock(scheduledAt, SCHEDULE_ZONE)})`,
                timezone: SCHEDULE_ZONE,
                action: { verb: "scale", target: `${ns.name}/batch`, change: 0 },
              },
            ],
          },
        },
        guard: { freeze: false, cooldown: "0s" },
      },
    ],
  };
  writeFileSync(file, JSON.stringify(config));
  return file;
}

interface Dev {
  child: ChildProcess;
  url: string;
  output(): string;
  exited: Promise<number | null>;
}

/** Starts `homeostat dev` and waits until it prints its URL. */
async function startDev(args: string[], name: string, extraEnv: Record<string, string> = {}): Promise<Dev> {
  let output = "";
  const child = spawn(
    process.execPath,
    [HOMEOSTAT_BIN, "dev", "--kubeconfig", env.kubeconfig, "--port", "0", ...args],
    {
      cwd: REPO_ROOT,
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        ...process.env,
        HOMEOSTAT_STATE_DB: join(dir, `${name}.db`),
        HOMEOSTAT_ROLLOUT_CRASHLOOP_RESTARTS: "2",
        ...extraEnv,
      },
    },
  );
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const url = await waitFor(
    () => {
      if (child.exitCode !== null) throw new Error(`homeostat dev exited ${child.exitCode}:\n${output}`);
      return /POST (http:\/\/127\.0\.0\.1:\d+)\/events/.exec(output)?.[1];
    },
    { what: "homeostat dev to print its URL", timeoutMs: 60_000 },
  );
  return { child, url, output: () => output, exited };
}

/** Runs `homeostat dev` that is expected to exit on its own (bad usage): its code and its output. */
async function startDevExpectingExit(args: string[]): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [HOMEOSTAT_BIN, "dev", "--kubeconfig", env.kubeconfig, ...args], {
    cwd: REPO_ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, HOMEOSTAT_STATE_DB: join(dir, "taken.db") },
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.once("exit", (exit) => resolve(exit)));
  return { code, output };
}

async function post(url: string, body: string): Promise<{ status: number; json: unknown }> {
  const response = await fetch(url, { method: "POST", body });
  return { status: response.status, json: await response.json() };
}

async function podsOn(node: string): Promise<string[]> {
  const list = await admin.core.listNamespacedPod({
    namespace: ns.name,
    fieldSelector: `spec.nodeName=${node}`,
  });
  return list.items.map((pod) => pod.metadata?.name ?? "");
}

async function deployment(name: string, replicas: number, onNode?: string): Promise<void> {
  await admin.apps.createNamespacedDeployment({
    namespace: ns.name,
    body: {
      metadata: { name },
      spec: {
        replicas,
        selector: { matchLabels: { app: name } },
        template: {
          metadata: { labels: { app: name } },
          spec: {
            containers: [{ name: "app", image: "registry.k8s.io/pause:3.10" }],
            nodeSelector: { [POOL_LABEL]: pool, ...(onNode ? { "kubernetes.io/hostname": onNode } : {}) },
            tolerations: [{ key: POOL_LABEL, operator: "Exists", effect: "NoSchedule" }],
            terminationGracePeriodSeconds: 0,
          },
        },
      },
    },
  });
}

async function rolledOut(name: string, replicas: number): Promise<void> {
  await waitFor(
    async () => {
      const read = await admin.apps.readNamespacedDeployment({ namespace: ns.name, name });
      return read.status?.availableReplicas === replicas && read.status.updatedReplicas === replicas;
    },
    { what: `deployment ${name} to run ${replicas} replicas` },
  );
}

beforeAll(async () => {
  env = loadTestEnv();
  admin = adminKube(env);
  dir = mkdtempSync(join(tmpdir(), "homeostat-dev-"));
  ns = await createNamespace(admin, "dev-int");
  pool = ns.name;
  const node = () =>
    addNode(admin, {
      labels: { [POOL_LABEL]: pool },
      taints: [{ key: POOL_LABEL, value: pool, effect: "NoSchedule" }],
    });
  [spot, spare] = await Promise.all([node(), node()]);
  // the scheduler may leave either pool node empty: the Spot warning's drain needs a pod of its own
  await Promise.all([
    deployment("web", 2),
    deployment("release", 2),
    deployment("batch", 3),
    deployment("on-spot", 1, spot.name),
  ]);
  await Promise.all([
    rolledOut("web", 2),
    rolledOut("release", 2),
    rolledOut("batch", 3),
    rolledOut("on-spot", 1),
  ]);
});

afterAll(async () => {
  await ns?.cleanup();
  if (spot) await removeNode(admin, spot.name);
  if (spare) await removeNode(admin, spare.name);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("homeostat dev", () => {
  it("runs events from HTTP, a schedule at its time in its zone and the rollout guard, then stops on Ctrl-C leaving no process", async () => {
    const scheduledAt = new Date(Math.ceil((Date.now() + SCHEDULE_LEAD_MS) / 1000) * 1000);
    const config = writeConfig(scheduledAt);
    const dev = await startDev(["--config", config, "--rollout-interval", "2s"], "live");
    try {
      expect(dev.output()).toContain(`kubeconfig    ${env.kubeconfig}`);
      expect(dev.output()).toContain(
        `night.off  at(${wallClock(scheduledAt, SCHEDULE_ZONE)}) in ${SCHEDULE_ZONE}, next ${scheduledAt.toISOString()}`,
      );

      // bad input: a clear answer, nothing run
      const bad = await post(`${dev.url}/events`, "{not json");
      expect(bad.status).toBe(400);
      expect(bad.json).toMatchObject({ error: expect.stringMatching(/not JSON/) });

      // a Spot warning over HTTP: the real node-events handler drains exactly that node
      expect((await podsOn(spot.name)).length).toBeGreaterThan(0);
      const event = freshEnvelope(sampleEvent("spot-interruption"));
      const warning = { ...event, detail: { ...(event.detail as object), "instance-id": spot.instanceId } };
      const answer = await post(`${dev.url}/events`, JSON.stringify(warning));
      expect(answer.status).toBe(200);
      expect(answer.json).toMatchObject({
        handler: "node-events",
        records: [
          {
            triggers: [
              {
                ran: [
                  {
                    policy: "drain-on-spot",
                    verb: "drain",
                    target: `node/${spot.name}`,
                    ok: true,
                    changed: true,
                  },
                ],
              },
            ],
          },
        ],
      });
      expect((await admin.core.readNode({ name: spot.name })).spec?.unschedulable).toBe(true);
      expect(await podsOn(spot.name)).toEqual([]);
      // the notify stage's text, as Slack shows it: what was done, then why and by which policy
      expect(dev.output()).toMatch(
        new RegExp(
          `\n {4}Done: Drained node ${spot.name} \\(${spot.instanceId}\\) on int\n[\\s\\S]*?\n {6}Policy: +drain-on-spot\n`,
        ),
      );

      // a bad release: the rollout guard's scan on the interval finds it and rolls it back
      await admin.apps.patchNamespacedDeployment(
        {
          namespace: ns.name,
          name: "release",
          body: { spec: { template: { metadata: { labels: { [BEHAVIOUR_LABEL]: BEHAVIOURS.crashloop } } } } },
        },
        setHeaderOptions("Content-Type", PatchStrategy.StrategicMergePatch),
      );
      await waitFor(
        async () => {
          const read = await admin.apps.readNamespacedDeployment({ namespace: ns.name, name: "release" });
          return (
            read.metadata?.annotations?.["deployment.kubernetes.io/revision"] === "3" &&
            read.spec?.template?.metadata?.labels?.[BEHAVIOUR_LABEL] === undefined
          );
        },
        { what: "the stalled rollout of release to be rolled back", timeoutMs: 90_000 },
      );
      // the timeline entry is printed once the run has recorded it, a moment after the cluster changed
      const rolledBack = new RegExp(
        `rollout stalled ${ns.name}/release[\\s\\S]*\n {4}Done: Rolled back deployment ${ns.name}/release on int\n`,
      );
      await waitFor(() => rolledBack.test(dev.output()), {
        what: "the rollback on the timeline",
        timeoutMs: 30_000,
      });

      // the one-time schedule fires by its own clock, at the instant its zone's wall clock names
      await waitFor(
        async () =>
          (await admin.apps.readNamespacedDeployment({ namespace: ns.name, name: "batch" })).spec
            ?.replicas === 0,
        { what: "the schedule night.off to scale batch to 0", timeoutMs: SCHEDULE_LEAD_MS + 60_000 },
      );
      expect(Date.now()).toBeGreaterThanOrEqual(scheduledAt.getTime());
      expect(dev.output()).toContain(`schedule night.off fires for ${scheduledAt.toISOString()}`);
      const scaled = new RegExp(`\n {4}Done: Scaled deployment ${ns.name}/batch on int\n`);
      await waitFor(() => scaled.test(dev.output()), {
        what: "the scale on the timeline",
        timeoutMs: 30_000,
      });
    } finally {
      const below = descendantPids(dev.child.pid ?? 0);
      dev.child.kill("SIGINT");
      expect(await dev.exited).toBe(0);
      expect(dev.output().trimEnd()).toMatch(/Ctrl-C: stopping[^\n]*\nhomeostat dev stopped$/);
      expect(below.filter(pidAlive)).toEqual([]);
      expect(pidAlive(dev.child.pid ?? 0)).toBe(false);
      await expect(fetch(dev.url)).rejects.toThrow();
    }
  });

  it("with --dry-run changes nothing, and stops on SIGTERM", async () => {
    // its schedule is long past: it never fires
    const config = writeConfig(new Date("2020-01-01T00:00:00Z"));
    const dev = await startDev(["--config", config, "--dry-run"], "dry");
    expect(dev.output()).toContain("dry run: every write is a server-side dry run");

    // a second dev on the same port: a usage error that says what to do, not a stack trace
    const taken = await startDevExpectingExit(["--config", config, "--port", new URL(dev.url).port]);
    expect(taken.code).toBe(2);
    expect(taken.output).toMatch(/port \d+ on 127\.0\.0\.1 is in use .*pass --port N, or --port 0/);
    expect(taken.output).not.toMatch(/\n\s+at /);
    const event = freshEnvelope(sampleEvent("spot-interruption"));
    const warning = { ...event, detail: { ...(event.detail as object), "instance-id": spare.instanceId } };
    const before = await podsOn(spare.name);
    const answer = await post(`${dev.url}/events`, JSON.stringify(warning));
    expect(answer.json).toMatchObject({
      records: [{ triggers: [{ ran: [{ verb: "drain", ok: true, dryRun: true }] }] }],
    });
    expect((await admin.core.readNode({ name: spare.name })).spec?.unschedulable).toBeUndefined();
    expect(await podsOn(spare.name)).toEqual(before);
    dev.child.kill("SIGTERM");
    expect(await dev.exited).toBe(0);
    expect(dev.output().trimEnd()).toMatch(/SIGTERM: stopping[^\n]*\nhomeostat dev stopped$/);
  });

  it("serves Slack on /slack when the config has Slack: a signed command is acked, runs once, answers on response_url", async () => {
    const file = join(dir, "dev-slack.config.json");
    writeFileSync(
      file,
      JSON.stringify({
        clusters: { int: { kubeconfig: {} } },
        defaults: { protectedNamespaces: ["kube-system"], cooldown: "0s" },
        policies: [{ name: "chatops", match: { command: { verbs: ["scale"] } } }],
        slack: {
          channel: "C0OPS",
          commands: {
            rules: [
              {
                name: "sre",
                users: ["U0ALICE"],
                channels: ["C0OPS"],
                verbs: ["scale"],
                namespaces: [ns.name],
              },
            ],
          },
        },
      }),
    );
    await deployment("chat", 1);
    await rolledOut("chat", 1);
    const slack = slackControl(env.slackUrl);
    const withoutSecrets = await startDev(["--config", file], "slack-off");
    expect(withoutSecrets.output()).toContain("slack         not served: set HOMEOSTAT_SLACK_SIGNING_SECRET");
    withoutSecrets.child.kill("SIGINT");
    expect(await withoutSecrets.exited).toBe(0);

    const dev = await startDev(["--config", file], "slack", {
      HOMEOSTAT_SLACK_SIGNING_SECRET: SLACK_SIGNING_SECRET,
      HOMEOSTAT_SLACK_TOKEN: env.slackToken,
      HOMEOSTAT_SLACK_API_URL: `${env.slackUrl}/api/`,
    });
    expect(dev.output()).toContain(`slack         POST ${dev.url}/slack`);
    const player = slackPlayer(env.slackUrl);
    const text = `scale ${ns.name}/chat +1`;

    // a request signed with another secret: 401, nothing runs
    const request = await player.slashCommand({ user: "U0ALICE", channel: "C0OPS", text });
    const forged = await player.send(`${dev.url}/slack`, {
      body: request.body,
      headers: { ...request.headers, "x-slack-signature": `v0=${"0".repeat(64)}` },
    });
    expect(forged.status).toBe(401);

    const ack = await player.send(`${dev.url}/slack`, request);
    expect(ack.status).toBe(200);
    expect(await ack.json()).toMatchObject({
      response_type: "ephemeral",
      text: expect.stringContaining("Working on"),
    });
    const id = request.responseUrl.split("/").at(-1);
    const replies = await waitFor(
      async () => {
        const calls = await slack.calls({ method: "response_url" });
        const mine = calls.filter((call) => call.path.endsWith(`/${id}`));
        return mine.length > 0 ? mine : undefined;
      },
      { what: "the command's result on its response_url" },
    );
    expect(replies.map((call) => (call.body as { response_type: string }).response_type)).toEqual([
      "in_channel",
    ]);
    expect(
      (await admin.apps.readNamespacedDeployment({ namespace: ns.name, name: "chat" })).spec?.replicas,
    ).toBe(2);
    await waitFor(() => dev.output().includes(`scaled deployment ${ns.name}/chat`), {
      what: "the command on the timeline",
    });
    dev.child.kill("SIGINT");
    expect(await dev.exited).toBe(0);
  });

  it("ends quietly, killed by SIGPIPE as kubectl is, when the reader of its output goes away (| head)", async () => {
    const config = writeConfig(new Date("2020-01-01T00:00:00Z"));
    const child = spawn(
      process.execPath,
      [HOMEOSTAT_BIN, "dev", "--kubeconfig", env.kubeconfig, "--port", "0", "--config", config],
      {
        cwd: REPO_ROOT,
        stdio: ["ignore", "pipe", "pipe"],
        env: { ...process.env, HOMEOSTAT_STATE_DB: join(dir, "closed-reader.db") },
      },
    );
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once("exit", (code, signal) => resolve({ code, signal })),
    );
    // the reader takes the first chunk and closes its end, as head does
    await new Promise<void>((resolve) =>
      child.stdout?.once("data", () => {
        child.stdout?.destroy();
        resolve();
      }),
    );
    // the next line dev prints, "Ctrl-C: stopping", goes to the closed pipe
    child.kill("SIGINT");
    expect(await ended).toEqual({ code: null, signal: "SIGPIPE" });
    expect(stderr).not.toMatch(/EPIPE|\n\s+at /);
  });

  it("keeps a drain deferred to ahead of an AWS Health maintenance window, and runs it at its time", async () => {
    const config = writeConfig(new Date("2020-01-01T00:00:00Z"));
    const dev = await startDev(["--config", config], "deferred");
    try {
      // the window starts in 1h + 75s: with the policy's 1h lead time the drain is due in 75s, past the
      // minute within which decide acts at once rather than defer (DEFER_SLACK_MS)
      const due = new Date(Math.ceil((Date.now() + 75_000) / 1000) * 1000);
      const sample = freshEnvelope(sampleEvent("health-scheduled-change"));
      const detail = sample.detail as Record<string, unknown>;
      const notice = {
        ...sample,
        resources: [spare.instanceId],
        detail: {
          ...detail,
          startTime: new Date(due.getTime() + 3_600_000).toUTCString(),
          endTime: new Date(due.getTime() + 7_200_000).toUTCString(),
          affectedEntities: [{ entityValue: spare.instanceId }],
        },
      };
      const answer = await post(`${dev.url}/events`, JSON.stringify(notice));
      expect(answer.json).toMatchObject({
        records: [{ triggers: [{ ran: [{ policy: "drain-before-maintenance", verb: "defer", ok: true }] }] }],
      });
      expect((await admin.core.readNode({ name: spare.name })).spec?.unschedulable).toBeUndefined();
      await waitFor(
        async () => (await admin.core.readNode({ name: spare.name })).spec?.unschedulable === true,
        {
          what: `the deferred drain of ${spare.name}`,
          timeoutMs: 150_000,
        },
      );
      expect(Date.now()).toBeGreaterThanOrEqual(due.getTime());
      expect(dev.output()).toMatch(/deferred run \S+ fires for /);
      const drained = new RegExp(
        `\n {4}Done: Drained node ${spare.name} \\(${spare.instanceId}\\) on int\n[\\s\\S]*?\n {6}Policy: +drain-before-maintenance\n`,
      );
      await waitFor(() => drained.test(dev.output()), { what: "the deferred drain on the timeline" });
    } finally {
      dev.child.kill("SIGINT");
      expect(await dev.exited).toBe(0);
    }
  }, 240_000);
});
