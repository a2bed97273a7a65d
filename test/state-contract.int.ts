import { randomUUID } from "node:crypto";
import { DeleteTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, PutCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stateStoreContract } from "../packages/core/src/state/contract.ts";
import { createStateTable, DynamoStateStore } from "../packages/core/src/state/dynamodb.ts";
import {
  acquireCooldown,
  claimEvent,
  describeApprovalRequest,
  getApproval,
  recordPendingApproval,
  rememberReplicas,
  reserveDisruption,
  resolveApproval,
} from "../packages/core/src/state/records.ts";
import { loadTestEnv } from "./env/env.ts";

// The DynamoDB backend runs the same contract suite as the embedded one, against moto. One table per
// run (random name), dropped afterwards; each contract test uses its own keys inside it.
const env = loadTestEnv();
const newClient = () =>
  new DynamoDBClient({
    endpoint: env.motoUrl,
    region: env.region,
    credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
  });
const client = newClient();
const tableName = `homeostat-state-${randomUUID().slice(0, 8)}`;

beforeAll(async () => {
  await createStateTable(client, tableName);
});
afterAll(async () => {
  await client.send(new DeleteTableCommand({ TableName: tableName }));
  client.destroy();
});

stateStoreContract("DynamoDB (moto)", () => new DynamoStateStore({ client, tableName }));

describe("DynamoStateStore", () => {
  it("creating the table again is harmless", async () => {
    await expect(createStateTable(client, tableName)).resolves.toBeUndefined();
  });

  it("says which table is wrong when it does not exist", async () => {
    const store = new DynamoStateStore({ client, tableName: "homeostat-no-such-table" });
    await expect(store.get("event#x")).rejects.toThrow(
      /homeostat-no-such-table.*pk \(partition\) and sk \(sort\)/,
    );
  });

  it("judges expiry by its clock, before DynamoDB's TTL sweep deletes the item", async () => {
    let nowMs = Date.now();
    const store = new DynamoStateStore({ client, tableName, clock: () => nowMs });
    const key = `clock${randomUUID().slice(0, 8)}#k`;
    await store.put(key, 1, { expiresAt: nowMs / 1000 + 60 });
    expect((await store.get(key))?.value).toBe(1);
    nowMs += 61_000;
    expect(await store.get(key)).toBeUndefined();
    expect((await store.put(key, 2, { ifAbsent: true }))?.value).toBe(2);
  });

  it("a set writer whose read went stale while the set was emptied and refilled reads again", async () => {
    // The contract's interleaving, inside addToBoundedSet: the writer's conditional PutItem is held
    // until others have removed the last member (the item is deleted) and added another.
    const key = `gate${randomUUID().slice(0, 8)}#set`;
    const now = Date.now() / 1000;
    const set = { expiresAt: now + 60, now };
    const others = new DynamoStateStore({ client, tableName });
    const writer = holdingFirstPutItem();
    try {
      await others.addToBoundedSet(key, "a", 2, set);
      const pending = writer.store.addToBoundedSet(key, "c", 2, set);
      await writer.holding;
      await others.removeFromSet(key, "a");
      await others.addToBoundedSet(key, "b", 2, set);
      writer.release();
      expect(await pending).toEqual({ added: true, members: ["b", "c"] });
      expect(Object.keys((await others.get<Record<string, number>>(key))?.value ?? {}).sort()).toEqual([
        "b",
        "c",
      ]);
    } finally {
      writer.client.destroy();
    }
  });

  it("reads and compares the counted versions of items written before versions were tokens", async () => {
    const store = new DynamoStateStore({ client, tableName });
    const doc = DynamoDBDocumentClient.from(client);
    const run = randomUUID().slice(0, 8);
    const legacy = (sk: string, value: unknown, version: number, expiresAt?: number) =>
      doc.send(
        new PutCommand({
          TableName: tableName,
          Item: { pk: sk.split("#")[0], sk, value: JSON.stringify(value), version, expiresAt },
        }),
      );
    await legacy(`approval${run}#a`, "pending", 3);
    expect(await store.get(`approval${run}#a`)).toEqual({
      key: `approval${run}#a`,
      value: "pending",
      version: "3",
    });
    const resolved = await store.put(`approval${run}#a`, "approved", { ifVersion: "3" });
    expect(resolved?.version).not.toBe("3");
    expect(await store.put(`approval${run}#a`, "rejected", { ifVersion: "3" })).toBeUndefined();
    expect(await store.get(`approval${run}#a`)).toEqual(resolved);

    const now = Date.now() / 1000;
    await legacy(`disruption${run}#c`, { a: now + 60 }, 2, now + 60);
    expect(await store.addToBoundedSet(`disruption${run}#c`, "b", 2, { expiresAt: now + 60, now })).toEqual({
      added: true,
      members: ["a", "b"],
    });
  });
});

/**
 * A store on its own client whose first PutItem waits until `release()`; `holding` settles once
 * that request is waiting (its read is done and its conditional write is built).
 */
function holdingFirstPutItem(): {
  client: DynamoDBClient;
  store: DynamoStateStore;
  holding: Promise<void>;
  release: () => void;
} {
  const held = newClient();
  const holding = Promise.withResolvers<void>();
  const released = Promise.withResolvers<void>();
  let waiting = true;
  held.middlewareStack.add(
    (next) => async (args) => {
      const headers = (args.request as { headers?: Record<string, string> }).headers ?? {};
      const target = Object.entries(headers).find(([name]) => name.toLowerCase() === "x-amz-target")?.[1];
      if (waiting && target?.endsWith(".PutItem")) {
        waiting = false;
        holding.resolve();
        await released.promise;
      }
      return next(args);
    },
    { step: "build", name: "holdFirstPutItem" },
  );
  return {
    client: held,
    store: new DynamoStateStore({ client: held, tableName }),
    holding: holding.promise,
    release: () => released.resolve(),
  };
}

// The domain records' races, on DynamoDB: separate store objects stand for separate Lambda instances.
describe("domain records on DynamoDB", () => {
  const instances = (count: number) =>
    Array.from({ length: count }, () => new DynamoStateStore({ client, tableName }));
  const id = () => randomUUID().slice(0, 8);

  it("acts once on the same event delivered 20 times concurrently", async () => {
    const key = `event#${id()}`;
    const claims = await Promise.all(
      instances(20).map((store) => claimEvent(store, key, { ttlSeconds: 600 })),
    );
    expect(claims.filter(Boolean)).toHaveLength(1);
  });

  it("starts one cooldown in a storm of 100 alarms for one target", async () => {
    const key = `cooldown#test#Deployment/shop/${id()}`;
    const results = await Promise.all(
      instances(100).map((store) => acquireCooldown(store, key, { cooldownSeconds: 300 })),
    );
    expect(results.filter((result) => result.acquired)).toHaveLength(1);
    const until = new Set(results.map((result) => result.until.getTime()));
    expect(until.size).toBe(1);
  });

  it("never grants more than the disruption budget to 20 simultaneous nodes", async () => {
    const cluster = `c${id()}`;
    const results = await Promise.all(
      instances(20).map((store, index) =>
        reserveDisruption(store, cluster, `node-${index}`, { max: 3, ttlSeconds: 900 }),
      ),
    );
    expect(results.filter((result) => result.reserved)).toHaveLength(3);
    for (const result of results) expect(result.holders.length).toBeLessThanOrEqual(3);
  });

  it("keeps the true prior replica count when scale-downs race", async () => {
    const ref = { cluster: "test", namespace: "shop", kind: "Deployment", name: id() };
    const results = await Promise.all(
      instances(10).map((store, index) =>
        rememberReplicas(store, { ...ref, replicas: index === 0 ? 5 : 0, policy: "nightly" }),
      ),
    );
    expect(results.filter((result) => result.remembered)).toHaveLength(1);
    expect(new Set(results.map((result) => result.prior.replicas)).size).toBe(1);
  });

  it("lets one of 10 concurrent approvers decide", async () => {
    const approvalId = id();
    const [first] = instances(1);
    if (!first) throw new Error("no store");
    await recordPendingApproval(first, {
      id: approvalId,
      action: { verb: "drain" },
      expiresAt: new Date(Date.now() + 600_000),
    });
    const results = await Promise.all(
      instances(10).map((store, index) =>
        resolveApproval(store, approvalId, {
          decision: index % 2 ? "approved" : "denied",
          by: `person-${index}`,
        }),
      ),
    );
    expect(results.filter((result) => result.ok)).toHaveLength(1);
    expect(results.filter((result) => !result.ok && result.reason === "already-resolved")).toHaveLength(9);
  });

  it("records an approval request's Slack message, never over a decision made meanwhile", async () => {
    const approvalId = id();
    const [first, second] = instances(2);
    if (!first || !second) throw new Error("no store");
    await recordPendingApproval(first, {
      id: approvalId,
      action: { verb: "scale" },
      cluster: "test",
      requester: "U0ALICE",
      heldClaims: [`cooldown#test#${approvalId}`],
      expiresAt: new Date(Date.now() + 600_000),
    });
    const message = { channel: "C0OPS", ts: "1700000000.000100" };
    const [described, decided] = await Promise.all([
      describeApprovalRequest(first, approvalId, { message }),
      resolveApproval(second, approvalId, { decision: "approved", by: "bob" }),
    ]);
    expect(decided.ok).toBe(true);
    const stored = await getApproval(second, approvalId);
    // whichever came second kept what the first wrote: the decision is never lost
    expect(stored).toMatchObject({
      status: "approved",
      resolvedBy: "bob",
      requester: "U0ALICE",
      cluster: "test",
    });
    expect(stored?.message).toEqual(described ? message : undefined);
  });
});
