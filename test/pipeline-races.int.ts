// Duplicates and races through the real handlers, with the state in DynamoDB on moto: each concurrent
// invocation is its own handler ("container") with its own clients, as Lambda would run them.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sampleEvent } from "../packages/core/src/events/index.ts";
import { DynamoStateStore } from "../packages/core/src/state/index.ts";
import { createNamespace, createPauseDeployment, removeNode, type TestNamespace } from "./env/cluster.ts";
import { addDedicatedNode, uniqueId } from "./env/node-fixtures.ts";
import { E2E_CLUSTER_DIMENSION, e2eConfig } from "./fixtures/e2e.config.ts";
import { type E2e, eventResult, freshEnvelope, startE2e } from "./fixtures/e2e-harness.ts";

let e2e: E2e;
let ns: TestNamespace;
const nodes: string[] = [];

beforeAll(async () => {
  e2e = await startE2e("races");
  ns = await createNamespace(e2e.admin, "e2e-races");
});

afterAll(async () => {
  for (const name of nodes) await removeNode(e2e.admin, name);
  await ns?.cleanup();
  await e2e?.close();
});

async function deployment(name: string): Promise<void> {
  await createPauseDeployment(e2e.admin, ns.name, name, 1);
}

async function replicas(name: string): Promise<number | undefined> {
  return (await e2e.admin.apps.readNamespacedDeployment({ namespace: ns.name, name })).spec?.replicas;
}

function cpuAlarm(service: string, time = new Date()) {
  const event = freshEnvelope(sampleEvent("alarm"), time);
  const detail = structuredClone(event.detail) as {
    alarmName: string;
    configuration: { metrics: Array<{ metricStat: { metric: { dimensions: Record<string, string> } } }> };
  };
  detail.alarmName = `e2e-${service}-cpu-high`;
  const metric = detail.configuration.metrics[0];
  if (metric) {
    metric.metricStat.metric.dimensions = {
      ClusterName: E2E_CLUSTER_DIMENSION,
      Namespace: ns.name,
      Service: service,
    };
  }
  return { ...event, detail };
}

/** Runs `task` for every item with at most `limit` in flight. */
async function inParallel<T, R>(
  items: T[],
  limit: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

describe("duplicates and races", () => {
  it("acts once on one event delivered 20 times concurrently", async () => {
    await deployment("dup");
    const event = cpuAlarm("dup");
    const results = await Promise.all(
      Array.from({ length: 20 }, () => e2e.handler("alarm")(structuredClone(event)).then(eventResult)),
    );

    const ran = results.flatMap((result) =>
      result.records.flatMap((record) => record.triggers.flatMap((t) => t.ran)),
    );
    expect(ran).toEqual([expect.objectContaining({ verb: "scale", ok: true, changed: true })]);
    const skipped = results.flatMap((result) =>
      result.records.flatMap((record) =>
        record.triggers.flatMap((t) => t.skipped.filter((s) => s.stage !== "decide")),
      ),
    );
    expect(skipped).toHaveLength(19);
    expect(new Set(skipped.map((skip) => skip.stage))).toEqual(new Set(["idempotency"]));
    expect(await replicas("dup")).toBe(3);
    const audit = (await e2e.audit()).filter(
      (record) =>
        record.verb === "scale" && record.target.kind === "Deployment" && record.target.name === "dup",
    );
    expect(audit.filter((record) => !record.skippedReason)).toHaveLength(1);
  });

  it("never cordons more nodes than the disruption budget when 20 spot warnings arrive at once", async () => {
    const pool = `race-${uniqueId()}`;
    const mine = await Promise.all(Array.from({ length: 20 }, () => addDedicatedNode(e2e.admin, pool)));
    nodes.push(...mine.map((node) => node.name));
    // The budget counts every node that is cordoned or not ready, other suites' too: allow those, plus 2.
    const all = await e2e.admin.core.listNode();
    const mineNames = new Set(mine.map((node) => node.name));
    const alreadyUnavailable = all.items.filter(
      (node) =>
        !mineNames.has(node.metadata?.name ?? "") &&
        (node.spec?.unschedulable === true ||
          !node.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True")),
    ).length;
    const config = e2eConfig({ maxUnavailable: alreadyUnavailable + 2 });

    const results = await Promise.all(
      mine.map((node) => {
        const event = freshEnvelope(sampleEvent("spot-interruption"));
        return e2e
          .handler("node-events", { config })({
            ...event,
            detail: { "instance-id": node.instanceId, "instance-action": "terminate" },
          })
          .then(eventResult);
      }),
    );

    const drains = results.flatMap((result) =>
      result.records.flatMap((record) =>
        record.triggers.flatMap((t) => t.ran.filter((a) => a.verb === "drain")),
      ),
    );
    const budgetSkips = results.flatMap((result) =>
      result.records.flatMap((record) =>
        record.triggers.flatMap((t) => t.skipped.filter((s) => s.stage === "disruption-budget")),
      ),
    );
    const cordoned = [];
    for (const node of mine) {
      if ((await e2e.admin.core.readNode({ name: node.name })).spec?.unschedulable) cordoned.push(node.name);
    }
    expect(drains.length).toBeGreaterThanOrEqual(1);
    expect(drains.length).toBeLessThanOrEqual(2);
    expect(drains.every((drain) => drain.ok)).toBe(true);
    expect(cordoned).toHaveLength(drains.length);
    expect(budgetSkips).toHaveLength(20 - drains.length);
    const audit = (await e2e.audit()).filter(
      (record) =>
        record.verb === "drain" && record.target.kind === "Node" && mineNames.has(record.target.name),
    );
    expect(audit.filter((record) => !record.skippedReason)).toHaveLength(drains.length);
    expect(audit.filter((record) => record.skippedReason?.includes("disruption budget"))).toHaveLength(
      20 - drains.length,
    );
  });

  it("turns a storm of 1,000 alarm events for one target into one action per cooldown", async () => {
    await deployment("storm");
    // Four cooldown periods of 10 minutes, 250 events each, on a clock the test moves: the guard and
    // the store's expiry read the same clock.
    let clock = Date.now();
    const store = new DynamoStateStore({ client: e2e.dynamo, tableName: e2e.tableName, clock: () => clock });
    const containers = Array.from({ length: 10 }, () =>
      e2e.handler("alarm", { deps: { store, now: () => new Date(clock) } }),
    );
    const waves = 4;
    const ranPerWave: number[] = [];
    for (let wave = 0; wave < waves; wave++) {
      const events = Array.from({ length: 250 }, () => cpuAlarm("storm", new Date(clock)));
      const results = await inParallel(events, 50, async (event, index) => {
        const invoke = containers[index % containers.length];
        if (!invoke) throw new Error("no handler");
        return eventResult(await invoke(event));
      });
      ranPerWave.push(
        results.flatMap((result) => result.records.flatMap((record) => record.triggers.flatMap((t) => t.ran)))
          .length,
      );
      clock += 10 * 60_000 + 1_000;
    }
    expect(ranPerWave).toEqual([1, 1, 1, 1]);
    expect(await replicas("storm")).toBe(1 + 2 * waves);
  }, 600_000);
});
