import { randomUUID } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { StateStoreError } from "./errors.ts";
import type { BoundedSetValue, StateStore } from "./store.ts";

/** `npm run test:churn` sets this to repeat the set churn race, stopping at the first failed run. */
const churnRuns = positiveInteger("HOMEOSTAT_CHURN_RUNS", 1);

/**
 * The behaviour every StateStore backend must show, as one vitest suite each backend runs (sqlite in
 * its unit test, DynamoDB on moto in test/state-contract.int.ts). Keys carry a fresh id per test so
 * backends that share one table between runs never see each other's records. Expiry is exercised
 * with `expiresAt` in the past (the stores compare against their clock), never by waiting.
 */
export function stateStoreContract(name: string, makeStore: () => StateStore | Promise<StateStore>): void {
  describe(`StateStore contract: ${name}`, () => {
    let store: StateStore;
    let run: string;
    const nowSeconds = () => Date.now() / 1000;

    beforeEach(async () => {
      store = await makeStore();
      run = randomUUID().slice(0, 8);
    });
    afterEach(async () => {
      await store.close?.();
    });

    it("reads a missing key as absent", async () => {
      expect(await store.get(`k${run}#missing`)).toBeUndefined();
    });

    it("puts, gets and versions a JSON value", async () => {
      const key = `k${run}#value`;
      const value = { replicas: 3, labels: ["a", "b"], nested: { ok: true, none: null }, text: "ünïcødé" };
      const first = await store.put(key, value);
      expect(first).toEqual({ key, value, version: expect.any(String) });
      expect(await store.get(key)).toEqual(first);
      const second = await store.put(key, { replicas: 4 }, { expiresAt: nowSeconds() + 3600 });
      expect(second?.version).not.toBe(first?.version);
      expect((await store.get(key))?.value).toEqual({ replicas: 4 });
      expect((await store.get(key))?.expiresAt).toBe(second?.expiresAt);
      // a plain put without expiresAt makes the record permanent again
      await store.put(key, "forever");
      expect((await store.get(key))?.expiresAt).toBeUndefined();
    });

    it("deletes, and deleting a missing key is fine", async () => {
      const key = `k${run}#gone`;
      await store.put(key, 1);
      await store.delete(key);
      expect(await store.get(key)).toBeUndefined();
      await expect(store.delete(key)).resolves.toBeUndefined();
    });

    it("rejects an empty key and contradictory conditions with a StateStoreError", async () => {
      await expect(store.get("")).rejects.toBeInstanceOf(StateStoreError);
      await expect(store.put(`k${run}#x`, 1, { ifAbsent: true, ifVersion: "1" })).rejects.toBeInstanceOf(
        StateStoreError,
      );
    });

    describe("list", () => {
      const seed = async () => {
        for (const key of [`l${run}#b`, `l${run}#a`, `l${run}#c`, `l${run}x#a`, `m${run}#a`]) {
          await store.put(key, key);
        }
        await store.put(`l${run}#d-expired`, "old", { expiresAt: nowSeconds() - 10 });
      };

      it("returns live records under the prefix in key order", async () => {
        await seed();
        const keys = (await store.list(`l${run}#`)).map((record) => record.key);
        expect(keys).toEqual([`l${run}#a`, `l${run}#b`, `l${run}#c`]);
        expect((await store.list<string>(`l${run}#`))[0]?.value).toBe(`l${run}#a`);
      });

      it("honours limit, reverse and from", async () => {
        await seed();
        const keys = async (options: Parameters<StateStore["list"]>[1]) =>
          (await store.list(`l${run}#`, options)).map((record) => record.key);
        expect(await keys({ limit: 2 })).toEqual([`l${run}#a`, `l${run}#b`]);
        expect(await keys({ reverse: true })).toEqual([`l${run}#c`, `l${run}#b`, `l${run}#a`]);
        expect(await keys({ reverse: true, limit: 1 })).toEqual([`l${run}#c`]);
        expect(await keys({ from: `l${run}#b` })).toEqual([`l${run}#b`, `l${run}#c`]);
        expect(await keys({ from: `l${run}#b`, reverse: true })).toEqual([`l${run}#c`, `l${run}#b`]);
        expect(await keys({ from: "a" })).toEqual([`l${run}#a`, `l${run}#b`, `l${run}#c`]);
      });

      it("matches a prefix without '#' across first segments", async () => {
        await seed();
        const keys = (await store.list(`l${run}`)).map((record) => record.key);
        expect(keys).toEqual([`l${run}#a`, `l${run}#b`, `l${run}#c`, `l${run}x#a`]);
      });

      it("returns nothing for an unused prefix", async () => {
        expect(await store.list(`n${run}#`)).toEqual([]);
      });
    });

    describe("expiry", () => {
      it("reads an expired record as absent", async () => {
        const key = `e${run}#old`;
        await store.put(key, 1, { expiresAt: nowSeconds() - 1 });
        expect(await store.get(key)).toBeUndefined();
        await store.put(`e${run}#new`, 2, { expiresAt: nowSeconds() + 3600 });
        expect((await store.get(`e${run}#new`))?.value).toBe(2);
      });

      it("treats an expired record as absent for ifAbsent and ifVersion", async () => {
        const key = `e${run}#cond`;
        const old = await store.put(key, "old", { expiresAt: nowSeconds() - 1 });
        expect(await store.put(key, "cas", { ifVersion: old?.version ?? "" })).toBeUndefined();
        const fresh = await store.put(key, "new", { ifAbsent: true });
        expect(fresh?.value).toBe("new");
        expect(fresh?.version).not.toBe(old?.version);
        expect((await store.get(key))?.value).toBe("new");
      });
    });

    describe("ifAbsent", () => {
      it("writes only when no live record exists", async () => {
        const key = `a${run}#once`;
        expect(await store.put(key, "first", { ifAbsent: true })).toMatchObject({ value: "first" });
        expect(await store.put(key, "second", { ifAbsent: true })).toBeUndefined();
        expect((await store.get(key))?.value).toBe("first");
      });

      it("lets exactly one of 20 concurrent writers win", async () => {
        const key = `a${run}#race`;
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, writer) => store.put(key, { writer }, { ifAbsent: true })),
        );
        const winners = results.filter((result) => result !== undefined);
        expect(winners).toHaveLength(1);
        expect((await store.get(key))?.value).toEqual(winners[0]?.value);
      });
    });

    describe("ifVersion", () => {
      it("compares and sets", async () => {
        const key = `v${run}#cas`;
        const first = await store.put(key, "v1");
        const second = await store.put(key, "v2", { ifVersion: first?.version ?? "" });
        expect(second?.value).toBe("v2");
        expect(second?.version).not.toBe(first?.version);
        expect(await store.put(key, "stale", { ifVersion: first?.version ?? "" })).toBeUndefined();
        expect(await store.get(key)).toEqual(second);
      });

      it("fails on a missing record", async () => {
        expect(await store.put(`v${run}#none`, "x", { ifVersion: "1" })).toBeUndefined();
        expect(await store.get(`v${run}#none`)).toBeUndefined();
      });

      it("lets exactly one of 20 concurrent writers of the same version win", async () => {
        const key = `v${run}#race`;
        const base = await store.put(key, "base");
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, writer) =>
            store.put(key, { writer }, { ifVersion: base?.version ?? "" }),
          ),
        );
        const winners = results.filter((result) => result !== undefined);
        expect(winners).toHaveLength(1);
        expect(await store.get(key)).toEqual(winners[0]);
      });

      it("fails for a version read before the key was deleted and written again", async () => {
        // A count would restart after the delete, so the stale version would match the new record (ABA).
        const key = `v${run}#aba`;
        await store.put(key, "old");
        const read = await store.get(key);
        await store.delete(key);
        const current = await store.put(key, "new");
        expect(await store.put(key, "stale", { ifVersion: read?.version ?? "" })).toBeUndefined();
        expect(await store.get(key)).toEqual(current);
      });

      it("never repeats a version for a key, across deletes, expiry and set writes", async () => {
        const key = `v${run}#unique`;
        const now = nowSeconds();
        const set = { expiresAt: now + 60, now };
        const versions: string[] = [];
        const read = async () => {
          const record = await store.get(key);
          if (record) versions.push(record.version);
        };
        for (let round = 0; round < 3; round++) {
          await store.put(key, round);
          await read();
          await store.put(key, round, { expiresAt: now - 1 });
          await store.put(key, round, { ifAbsent: true });
          await read();
          await store.delete(key);
          await store.addToBoundedSet(key, "a", 2, set);
          await read();
          await store.addToBoundedSet(key, "b", 2, set);
          await read();
          await store.removeFromSet(key, "a");
          await read();
          await store.removeFromSet(key, "b");
          expect(await store.get(key)).toBeUndefined();
        }
        expect(versions).toHaveLength(15);
        expect(new Set(versions).size).toBe(versions.length);
      });
    });

    describe("bounded set", () => {
      it("admits exactly max of 20 concurrent members", async () => {
        const key = `s${run}#race`;
        const now = nowSeconds();
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, index) =>
            store.addToBoundedSet(key, `node-${index}`, 3, { expiresAt: now + 600, now }),
          ),
        );
        const admitted = results.flatMap((result, index) => (result.added ? [`node-${index}`] : []));
        expect(admitted).toHaveLength(3);
        for (const result of results) expect(result.members.length).toBeLessThanOrEqual(3);
        const stored = await store.get<Record<string, number>>(key);
        expect(Object.keys(stored?.value ?? {}).sort()).toEqual([...admitted].sort());
        expect(stored?.value[admitted[0] ?? ""]).toBe(now + 600);
      });

      it("re-adding a member succeeds without a change, even when full", async () => {
        const key = `s${run}#again`;
        const now = nowSeconds();
        await store.addToBoundedSet(key, "a", 2, { expiresAt: now + 60, now });
        await store.addToBoundedSet(key, "b", 2, { expiresAt: now + 60, now });
        const before = await store.get(key);
        const again = await store.addToBoundedSet(key, "a", 2, { expiresAt: now + 999, now });
        expect(again).toEqual({ added: true, members: ["a", "b"] });
        expect(await store.get(key)).toEqual(before);
        expect(await store.addToBoundedSet(key, "c", 2, { expiresAt: now + 60, now })).toEqual({
          added: false,
          members: ["a", "b"],
        });
      });

      it("drops members once they expire, freeing their place", async () => {
        const key = `s${run}#expiry`;
        const now = nowSeconds();
        await store.addToBoundedSet(key, "short", 1, { expiresAt: now + 10, now });
        expect((await store.addToBoundedSet(key, "other", 1, { expiresAt: now + 100, now })).added).toBe(
          false,
        );
        const later = now + 20;
        expect(await store.addToBoundedSet(key, "other", 1, { expiresAt: later + 100, now: later })).toEqual({
          added: true,
          members: ["other"],
        });
      });

      it("expires as a whole when every member has expired", async () => {
        const key = `s${run}#all-expired`;
        const past = nowSeconds() - 100;
        await store.addToBoundedSet(key, "a", 3, { expiresAt: past + 10, now: past });
        expect(await store.get(key)).toBeUndefined();
      });

      it("removes members, and removing what is not there is fine", async () => {
        const key = `s${run}#remove`;
        const now = nowSeconds();
        await store.addToBoundedSet(key, "a", 1, { expiresAt: now + 60, now });
        await store.removeFromSet(key, "missing");
        await store.removeFromSet(`s${run}#no-such-set`, "a");
        await store.removeFromSet(key, "a");
        expect((await store.addToBoundedSet(key, "b", 1, { expiresAt: now + 60, now })).added).toBe(true);
      });

      it("refuses a write based on a read from before the set was emptied and refilled", async () => {
        // A set writer that lost the race, its steps driven one by one: it reads the set; others remove
        // the last member (the set is deleted) and add another; then it writes its read plus its member.
        const key = `s${run}#aba`;
        const now = nowSeconds();
        const set = { expiresAt: now + 60, now };
        await store.addToBoundedSet(key, "a", 2, set);
        const read = await store.get<BoundedSetValue>(key);
        await store.removeFromSet(key, "a");
        expect(await store.get(key)).toBeUndefined();
        await store.addToBoundedSet(key, "b", 2, set);
        const current = await store.get(key);
        const stale = await store.put(
          key,
          { ...read?.value, c: now + 60 },
          { ifVersion: read?.version ?? "", expiresAt: now + 60 },
        );
        // Had it passed, `a` would hold a place nobody holds and `b` would have lost its own.
        expect(stale).toBeUndefined();
        expect(await store.get(key)).toEqual(current);
        expect(await store.addToBoundedSet(key, "c", 2, set)).toEqual({ added: true, members: ["b", "c"] });
        expect(await store.addToBoundedSet(key, "d", 2, set)).toEqual({ added: false, members: ["b", "c"] });
      });

      it("stays within max while members come and go concurrently", {
        timeout: churnRuns > 1 ? churnRuns * 5_000 : undefined,
      }, async () => {
        const churn = async (key: string) => {
          const now = nowSeconds();
          const results = await Promise.all(
            Array.from({ length: 10 }, async (_, index) => {
              const member = `n${index}`;
              const result = await store.addToBoundedSet(key, member, 2, { expiresAt: now + 60, now });
              if (result.added) await store.removeFromSet(key, member);
              return result;
            }),
          );
          for (const result of results) expect(result.members.length).toBeLessThanOrEqual(2);
          expect(results.filter((result) => result.added).length).toBeGreaterThanOrEqual(2);
          expect(await store.get(key)).toBeUndefined();
        };
        for (let attempt = 1; attempt <= churnRuns; attempt++) {
          try {
            await churn(`s${run}#churn-${attempt}`);
          } catch (error) {
            const reason = error instanceof Error ? error.message : String(error);
            throw new Error(
              `churn run ${attempt} of ${churnRuns} failed (${attempt - 1} passed): ${reason}`,
              {
                cause: error,
              },
            );
          }
        }
        if (churnRuns > 1) console.log(`churn (${name}): ${churnRuns} of ${churnRuns} runs passed`);
      });
    });
  });
}

function positiveInteger(variable: string, fallback: number): number {
  const text = process.env[variable];
  if (text === undefined || text === "") return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`${variable} must be a positive integer, not "${text}".`);
  return value;
}
