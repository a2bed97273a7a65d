import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
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

  it("never matches a version read before the record expired, was purged and written again", async () => {
    let nowMs = 1_000_000_000_000;
    const store = new SqliteStateStore({ clock: () => nowMs });
    const read = await store.put("c#k", "old", { expiresAt: nowMs / 1000 + 60 });
    nowMs += 60_000;
    expect(await store.purgeExpired()).toBe(1);
    const current = await store.put("c#k", "new", { ifAbsent: true });
    expect(await store.put("c#k", "stale", { ifVersion: read?.version ?? "" })).toBeUndefined();
    expect(await store.get("c#k")).toEqual(current);
    await store.close();
  });

  it("reads and compares the counted versions of a file written before versions were tokens", async () => {
    const directory = await mkdtemp(join(tmpdir(), "homeostat-state-"));
    const path = join(directory, "state.db");
    try {
      const old = new DatabaseSync(path);
      old.exec(`CREATE TABLE state (key TEXT PRIMARY KEY, value TEXT NOT NULL, expires_at REAL,
        version INTEGER NOT NULL) WITHOUT ROWID`);
      old.prepare("INSERT INTO state VALUES (?, ?, NULL, ?)").run("approval#a", '"pending"', 3);
      old.close();
      const store = new SqliteStateStore({ path });
      const legacy = await store.get("approval#a");
      expect(legacy).toEqual({ key: "approval#a", value: "pending", version: "3" });
      const resolved = await store.put("approval#a", "approved", { ifVersion: "3" });
      expect(resolved?.version).not.toBe("3");
      expect(await store.put("approval#a", "rejected", { ifVersion: "3" })).toBeUndefined();
      expect(await store.get("approval#a")).toEqual(resolved);
      await store.close();
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
