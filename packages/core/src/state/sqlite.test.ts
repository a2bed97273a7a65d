import { describe, expect, it } from "vitest";
import { stateStoreContract } from "./contract.ts";
import { SqliteStateStore } from "./sqlite.ts";

stateStoreContract("sqlite (:memory:)", () => new SqliteStateStore());

describe("SqliteStateStore", () => {
  it("judges expiry by its clock", async () => {
    let nowMs = 1_000_000_000_000;
    const store = new SqliteStateStore({ clock: () => nowMs });
    await store.put("c#k", 1, { expiresAt: nowMs / 1000 + 60 });
    expect((await store.get("c#k"))?.value).toBe(1);
    nowMs += 60_000;
    expect(await store.get("c#k")).toBeUndefined();
    expect(await store.list("c#")).toEqual([]);
    expect(await store.purgeExpired()).toBe(1);
    await store.close();
  });
});
