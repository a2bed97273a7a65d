import { randomUUID } from "node:crypto";
import { DeleteTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stateStoreContract } from "../packages/core/src/state/contract.ts";
import { createStateTable, DynamoStateStore } from "../packages/core/src/state/dynamodb.ts";
import { loadTestEnv } from "./env/env.ts";

// The DynamoDB backend runs the same contract suite as the embedded one, against moto. One table per
// run (random name), dropped afterwards; each contract test uses its own keys inside it.
const env = loadTestEnv();
const client = new DynamoDBClient({
  endpoint: env.motoUrl,
  region: env.region,
  credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
});
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
});
