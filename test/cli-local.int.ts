// `homeostat events sample`, `plan` and `invoke` as a person runs them: real processes, the cluster
// reached as the restricted automation identity (a kubeconfig whose user runs `homeostat eks token`),
// the e2e policies as the config file. `plan` must read the cluster and change nothing; `invoke` runs the
// real handler, whose result alone is on stdout.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  EventsSampleListShape,
  FailureShape,
  InvokeShape,
  PlanShape,
} from "../packages/core/src/cli/shapes.ts";
import { sampleEvent } from "../packages/core/src/events/index.ts";
import type { Kube } from "../packages/core/src/kube/client.ts";
import { buildCli } from "../scripts/build-cli.ts";
import { REPO_ROOT } from "./env/binaries.ts";
import { type AddedNode, addNode, removeNode } from "./env/cluster.ts";
import { adminKube, loadTestEnv, type TestEnv } from "./env/env.ts";
import { execKubeconfig, HOMEOSTAT_BIN, HOMEOSTAT_ENV } from "./env/identity.ts";
import { applyAutomationRbac } from "./env/rbac.ts";
import { freshEnvelope } from "./fixtures/e2e-harness.ts";

const runFile = promisify(execFile);
const CONFIG = join(REPO_ROOT, "test/fixtures/e2e.config.ts");

let env: TestEnv;
let admin: Kube;
let dir: string;
let kubeconfig: string;
let node: AddedNode;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function homeostat(args: string[], stdin?: string, cwd = REPO_ROOT): Promise<Run> {
  const child = runFile(process.execPath, [HOMEOSTAT_BIN, ...args], {
    timeout: 60_000,
    cwd,
    env: { ...HOMEOSTAT_ENV, HOMEOSTAT_STATE_DB: join(dir, "state.db") },
  });
  if (stdin !== undefined) {
    child.child.stdin?.end(stdin);
  }
  try {
    const { stdout, stderr } = await child;
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout: string; stderr: string };
    if (typeof e.code !== "number") throw error;
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

function spotWarningFor(instanceId: string): string {
  const event = freshEnvelope(sampleEvent("spot-interruption"));
  return JSON.stringify({ ...event, detail: { ...(event.detail as object), "instance-id": instanceId } });
}

/**
 * What a write of ours could change on the node: a cordon sets `spec.unschedulable`; its labels and
 * our own taint stand for any other write. Not the resourceVersion: kwok and the node controllers
 * update its status, annotations and `node.kubernetes.io/*` taints on their own.
 */
async function nodeState(name: string) {
  const read = await admin.core.readNode({ name });
  return {
    unschedulable: read.spec?.unschedulable === true,
    labels: read.metadata?.labels,
    taints: read.spec?.taints?.filter((taint) => !taint.key.startsWith("node.kubernetes.io/")),
  };
}

beforeAll(async () => {
  // the bundle of the sources as they are: what `npm ci` builds and users run
  await buildCli();
  env = loadTestEnv();
  admin = adminKube(env);
  await applyAutomationRbac(admin);
  dir = mkdtempSync(join(tmpdir(), "homeostat-cli-local-"));
  kubeconfig = await execKubeconfig(env, dir, "automation", env.roles.automation);
  // tainted: no other suite's pods land on it
  node = await addNode(admin, {
    taints: [{ key: "homeostat.test/cli-local", value: "true", effect: "NoSchedule" }],
  });
});

afterAll(async () => {
  if (node) await removeNode(admin, node.name);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("homeostat events sample", () => {
  it("lists the kinds and prints each as an event that plan understands", async () => {
    const list = await homeostat(["events", "sample"]);
    expect(list.code).toBe(0);
    const kinds = list.stdout.trim().split("\n");
    expect(kinds).toContain("spot-interruption");
    expect(kinds).toContain("health-scheduled-change");
    const json = await homeostat(["events", "sample", "--output", "json"]);
    expect(EventsSampleListShape.parse(JSON.parse(json.stdout))).toEqual(kinds);
    const sample = await homeostat(["events", "sample", "asg-terminate-sqs"]);
    expect(JSON.parse(sample.stdout)).toHaveProperty("Records");
  });

  it("refuses an unknown kind with exit 2 and the list of kinds", async () => {
    const run = await homeostat(["events", "sample", "earthquake"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/no sample event 'earthquake'; kinds: alarm/);
  });
});

describe("homeostat plan", () => {
  it("plans a drain of exactly the node the spot warning names, with reasons, and changes nothing", async () => {
    const event = join(dir, "spot.json");
    writeFileSync(event, spotWarningFor(node.instanceId));
    const before = await nodeState(node.name);
    const run = await homeostat([
      "plan",
      "--event",
      event,
      "--config",
      CONFIG,
      "--kubeconfig",
      kubeconfig,
      "--output",
      "json",
    ]);
    expect(run.code).toBe(0);
    // one trigger on one cluster: still the list, as for several
    const { plans, rejected } = PlanShape.parse(JSON.parse(run.stdout));
    expect(rejected).toEqual([]);
    expect(plans).toHaveLength(1);
    const [plan] = plans;
    if (!plan) throw new Error("no plan");
    expect(plan.trigger).toMatchObject({ kind: "instance", instanceId: node.instanceId });
    expect(plan.actions).toEqual([
      expect.objectContaining({
        policy: "drain-on-spot",
        verb: "drain",
        target: expect.objectContaining({ name: node.name }),
      }),
    ]);
    expect(plan.actions[0]?.reason).toContain(node.instanceId);
    expect(plan.skipped.map((skip) => skip.policy)).toContain("scale-on-cpu");
    expect(plan.skipped.every((skip) => skip.reason.length > 0)).toBe(true);
    expect(await nodeState(node.name)).toEqual(before);
  });

  it("reads the event from standard input and prints text", async () => {
    const run = await homeostat(
      ["plan", "--event", "-", "--config", CONFIG, "--kubeconfig", kubeconfig],
      spotWarningFor(node.instanceId),
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`would run drain node ${node.name}`);
    expect(run.stdout).toContain("[policy drain-on-spot]");
  });

  it("rejects an event it does not understand with exit 2 and the reason", async () => {
    const event = freshEnvelope(sampleEvent("spot-interruption"));
    const { "instance-id": _dropped, ...detail } = event.detail as Record<string, unknown>;
    const run = await homeostat(
      ["plan", "--event", "-", "--config", CONFIG, "--offline"],
      JSON.stringify({ ...event, detail }),
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/instance-id/);
    expect(run.stdout).toBe("");
    const json = await homeostat(
      ["plan", "--event", "-", "--config", CONFIG, "--offline", "--output", "json"],
      JSON.stringify({ ...event, detail }),
    );
    expect(json.code).toBe(2);
    expect(FailureShape.parse(JSON.parse(json.stdout))).toMatchObject({
      verb: "plan",
      ok: false,
      error: { code: "invalid", exitCode: 2 },
      message: expect.stringMatching(/instance-id/),
    });
  });

  it("names the field of an invalid config", async () => {
    const bad = join(dir, "bad.config.json");
    writeFileSync(
      bad,
      JSON.stringify({
        clusters: { test: { kubeconfig: {} } },
        policies: [
          {
            name: "x",
            match: { alarm: { names: ["a"] } },
            action: { verb: "scale", target: "ns/web", change: "lots" },
          },
        ],
      }),
    );
    const run = await homeostat(
      ["plan", "--event", "-", "--config", bad, "--offline"],
      spotWarningFor(node.instanceId),
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/policies\[0\]\.action\.change/);
  });
});

describe("homeostat invoke", () => {
  it("runs the real node-events handler as a dry run: the result on stdout, logs on stderr, the node untouched", async () => {
    const event = join(dir, "spot-invoke.json");
    writeFileSync(event, spotWarningFor(node.instanceId));
    const before = await nodeState(node.name);
    const run = await homeostat([
      "invoke",
      "node-events",
      "--event",
      event,
      "--config",
      CONFIG,
      "--kubeconfig",
      kubeconfig,
      "--dry-run",
      "--output",
      "json",
    ]);
    expect(run.code, run.stderr).toBe(0);
    const result = InvokeShape.parse(JSON.parse(run.stdout));
    if (result.handler === "rollout-guard") throw new Error("the node-events handler ran the rollout guard");
    expect(result.handler).toBe("node-events");
    expect(result.records[0]?.triggers[0]?.ran).toEqual([
      expect.objectContaining({ verb: "drain", dryRun: true, ok: true }),
    ]);
    expect(run.stderr).toContain('"message": "decided"');
    expect(await nodeState(node.name)).toEqual(before);
  });

  it("refuses an unknown handler with exit 2", async () => {
    const run = await homeostat(["invoke", "nodes", "--event", "x.json"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/invoke needs a handler: one of alarm, node-events, schedule, rollout-guard/);
  });

  it("runs the rollout guard from outside the repository, with the config named", async () => {
    const outside = mkdtempSync(join(tmpdir(), "homeostat-elsewhere-"));
    try {
      const run = await homeostat(
        ["invoke", "rollout-guard", "--config", CONFIG, "--kubeconfig", kubeconfig, "--output", "json"],
        undefined,
        outside,
      );
      expect(run.code, run.stderr).toBe(0);
      const result = InvokeShape.parse(JSON.parse(run.stdout));
      if (result.handler !== "rollout-guard") throw new Error(`ran ${result.handler}`);
      // it reached the cluster and scanned the config's namespaces
      expect(result.clusters).toHaveLength(1);
      expect(result.clusters[0]?.error).toBeUndefined();
      expect(result.clusters[0]?.namespaces.length).toBeGreaterThan(0);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });
});
