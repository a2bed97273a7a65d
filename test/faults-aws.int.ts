// Exactly once under AWS faults: the real handlers with moto failing part of the time
// (test/env/moto-faults.ts) — DynamoDB throttling (ProvisionedThroughputExceededException,
// ThrottlingException) and EventBridge PutEvents server faults — each event delivered again after every
// failed try, as Lambda does, until it converges: exactly one action, the claims released on failure so
// the retry can act, the audit telling what happened, and no audit record lost when the bus fails.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createNamespace, createPauseDeployment, removeNode, type TestNamespace } from "./env/cluster.ts";
import {
  clearMotoFaults,
  dynamoThrottling,
  motoFaultStats,
  putEventsServerFault,
  setMotoFaults,
} from "./env/moto-faults.ts";
import {
  addDedicatedNode,
  createPooledDeployment,
  uniqueId,
  waitForPodsOnNode,
} from "./env/node-fixtures.ts";
import { e2eConfig } from "./fixtures/e2e.config.ts";
import { cpuAlarm, spotWarning } from "./fixtures/e2e-events.ts";
import { type E2e, startE2e } from "./fixtures/e2e-harness.ts";

let e2e: E2e;
let ns: TestNamespace;

/** Lambda's asynchronous retries, up to `tries`: delivers until the handler returns. */
async function deliverUntilDone(
  handler: (event: unknown) => Promise<unknown>,
  event: unknown,
  tries = 8,
): Promise<{ result: unknown; failures: string[] }> {
  const failures: string[] = [];
  for (let attempt = 1; attempt <= tries; attempt++) {
    try {
      return { result: await handler(event), failures };
    } catch (error) {
      failures.push(error instanceof Error ? error.message : String(error));
    }
  }
  throw new Error(`still failing after ${tries} deliveries: ${failures.join(" | ")}`);
}

async function replicas(name: string): Promise<number | undefined> {
  return (await e2e.admin.apps.readNamespacedDeployment({ namespace: ns.name, name })).spec?.replicas;
}

/** This run's audit records of actions on `name`, oldest first. */
async function auditOf(name: string) {
  return (await e2e.audit())
    .filter((record) => record.target && "name" in record.target && record.target.name === name)
    .reverse();
}

beforeAll(async () => {
  e2e = await startE2e("faults-aws", e2eConfig({ maxUnavailable: 1000 }));
  ns = await createNamespace(e2e.admin, "e2e-faults-aws");
});

afterEach(async () => {
  await clearMotoFaults(e2e.env);
});

afterAll(async () => {
  await clearMotoFaults(e2e.env).catch(() => undefined);
  await ns?.cleanup();
  await e2e?.close();
});

describe("DynamoDB throttled", () => {
  it("beyond the SDK's own retries: the event comes back, its claim was given back, the scale lands once", async () => {
    await createPauseDeployment(e2e.admin, ns.name, "web", 3);
    // the SDK's standard retry mode tries a DynamoDB call 4 times (its default for DynamoDB; 3 for other
    // services): 4 throttled answers in a row get through it, 3 would not (the next test shows the bus's 3)
    await setMotoFaults(e2e.env, [{ ...dynamoThrottling(e2e.tableName), times: 4 }]);
    const handler = e2e.handler("alarm");
    const { failures } = await deliverUntilDone(handler, cpuAlarm(ns.name, "web"));

    const stats = await motoFaultStats(e2e.env);
    expect(stats.injected).toHaveLength(4);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatch(/^retrying the event: /);
    expect(failures[0]).toMatch(
      /was throttled after the SDK's retries \(ProvisionedThroughputExceededException/,
    );
    expect(failures[0]).not.toMatch(/Check that the table exists/);
    // +2 from 3, once: the redelivery was not skipped as a duplicate (the claim was released), nor applied twice
    expect(await replicas("web")).toBe(5);
    expect((await auditOf("web")).map((r) => [r.verb, r.ok, r.changed])).toEqual([["scale", true, true]]);
  });

  it("at a set rate on every call (seeded): converges to exactly one action, and the cooldown holds", async () => {
    await createPauseDeployment(e2e.admin, ns.name, "cart", 2);
    await setMotoFaults(
      e2e.env,
      [
        { ...dynamoThrottling(e2e.tableName), rate: 0.4 },
        { ...dynamoThrottling(e2e.tableName, "ThrottlingException"), rate: 0.4 },
      ],
      11,
    );
    const handler = e2e.handler("alarm");
    const { failures } = await deliverUntilDone(handler, cpuAlarm(ns.name, "cart"), 30);
    const stats = await motoFaultStats(e2e.env);
    expect(stats.injected.length).toBeGreaterThan(0);
    expect(new Set(stats.injected.map((fault) => fault.code.replace(/^.*#/, "")))).toEqual(
      new Set(["ProvisionedThroughputExceededException", "ThrottlingException"]),
    );
    for (const failure of failures) expect(failure).toMatch(/^retrying the event: .*throttled/);
    // how many deliveries failed past the SDK's retries depends on the seed and on how many calls a
    // delivery makes; the test above makes one fail for certain
    console.info(
      `faults-aws: ${stats.injected.length} throttled answers, ${failures.length} failed deliveries`,
    );

    // whatever failed on the way, the change was applied once
    expect(await replicas("cart")).toBe(4);
    await clearMotoFaults(e2e.env);
    // a second alarm is within the cooldown the one action took: nothing more
    await handler(cpuAlarm(ns.name, "cart"));
    expect(await replicas("cart")).toBe(4);
    const audit = await auditOf("cart");
    // every attempt that reached the record stage is in the audit, and only one of them changed anything
    expect(audit.filter((record) => record.changed)).toHaveLength(1);
    expect(audit.at(-1)).toMatchObject({ verb: "scale", skippedReason: expect.stringMatching(/cooldown/) });
  });
});

describe("a spot interruption with DynamoDB throttled", () => {
  it("claims given back on every failed try: the node is drained once", async () => {
    const pool = `faults-aws-${uniqueId()}`;
    const node = await addDedicatedNode(e2e.admin, pool);
    try {
      await createPooledDeployment(e2e.admin, ns.name, `app-${pool}`, pool, {
        replicas: 1,
        role: "emptydir",
      });
      await waitForPodsOnNode(e2e.admin, ns.name, node.name, 1);
      // the first tries fail at the event's claim, past the SDK's own retries; later ones at any call
      await setMotoFaults(
        e2e.env,
        [
          { ...dynamoThrottling(e2e.tableName), times: 4 },
          { ...dynamoThrottling(e2e.tableName, "ThrottlingException"), rate: 0.3 },
        ],
        5,
      );
      const { failures } = await deliverUntilDone(
        e2e.handler("node-events"),
        spotWarning(node.instanceId),
        20,
      );
      expect(failures.length).toBeGreaterThanOrEqual(1);
      for (const failure of failures) expect(failure).toMatch(/^retrying the event: .*throttled/);
      await clearMotoFaults(e2e.env);

      const live = (
        await e2e.admin.core.listNamespacedPod({
          namespace: ns.name,
          fieldSelector: `spec.nodeName=${node.name}`,
        })
      ).items.filter((pod) => !pod.metadata?.deletionTimestamp);
      expect(live).toEqual([]);
      expect((await e2e.admin.core.readNode({ name: node.name })).spec?.unschedulable).toBe(true);
      const drains = (await e2e.audit()).filter(
        (record) => record.verb === "drain" && JSON.stringify(record.target).includes(node.name),
      );
      expect(drains.filter((record) => record.changed)).toHaveLength(1);
    } finally {
      // a drained node counts against the disruption budget of other tests: it goes
      await removeNode(e2e.admin, node.name);
    }
  });
});

describe("EventBridge PutEvents failing", () => {
  it("every try: the action runs once, the audit record is in the store, and the event is not retried", async () => {
    await createPauseDeployment(e2e.admin, ns.name, "api", 1);
    const bus = e2e.lambdaEnv.HOMEOSTAT_EVENT_BUS ?? "";
    await setMotoFaults(e2e.env, [{ ...putEventsServerFault(bus), rate: 1 }]);
    const { failures } = await deliverUntilDone(e2e.handler("alarm"), cpuAlarm(ns.name, "api"));

    // a result bus that cannot be reached must not repeat the action, nor lose the record
    expect(failures).toEqual([]);
    expect(await replicas("api")).toBe(3);
    expect((await auditOf("api")).map((r) => [r.verb, r.ok, r.changed])).toEqual([["scale", true, true]]);
    const stats = await motoFaultStats(e2e.env);
    // the SDK tried three times (standard retry mode) before the sink gave up
    expect(stats.injected).toHaveLength(3);
    expect(stats.passed).toEqual({});
  });

  it("twice: the SDK's own retry publishes the result", async () => {
    await createPauseDeployment(e2e.admin, ns.name, "search", 1);
    const bus = e2e.lambdaEnv.HOMEOSTAT_EVENT_BUS ?? "";
    await setMotoFaults(e2e.env, [{ ...putEventsServerFault(bus), times: 2 }]);
    const { failures } = await deliverUntilDone(e2e.handler("alarm"), cpuAlarm(ns.name, "search"));
    expect(failures).toEqual([]);
    expect(await replicas("search")).toBe(3);
    const stats = await motoFaultStats(e2e.env);
    expect(stats.injected).toHaveLength(2);
    expect(stats.passed).toEqual({ "AWSEvents.PutEvents": 1 });
  });
});
