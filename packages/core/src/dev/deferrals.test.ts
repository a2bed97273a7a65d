import { describe, expect, it } from "vitest";
import type { DeferredPayload } from "../events/index.ts";
import { normalizeBatch } from "../events/normalize.ts";
import { instance } from "../policy/test-fixtures.ts";
import { localDeferScheduler } from "./deferrals.ts";

describe("localDeferScheduler", () => {
  it("takes a run once by name, delivers its payload when due, and drops what is pending on stop", async () => {
    const trigger = instance("scheduled-maintenance", { id: "health-1" });
    const delivered: DeferredPayload[] = [];
    let due!: () => void;
    const arrived = new Promise<void>((resolve) => {
      due = resolve;
    });
    const scheduler = localDeferScheduler((payload) => {
      delivered.push(payload);
      due();
    });
    try {
      const past = { name: "drain-i-1-a", at: "2020-01-01T00:00:00Z", trigger };
      const later = { name: "drain-i-1-b", at: "2100-01-01T00:00:00Z", trigger };
      expect(await scheduler.scheduleOnce(past)).toBe(true);
      expect(await scheduler.scheduleOnce(past)).toBe(false);
      expect(await scheduler.scheduleOnce(later)).toBe(true);
      await arrived;
      expect(delivered).toHaveLength(1);
      // what node-events reads: the trigger again, with an id of its own for the deferred run
      const [read] = normalizeBatch(delivered[0], { now: new Date("2020-01-01T00:00:01Z") });
      expect(read?.result).toMatchObject({
        ok: true,
        triggers: [{ id: "health-1#deferred@2020-01-01T00:00:00Z" }],
      });
      expect(scheduler.pending().map((run) => run.name)).toEqual(["drain-i-1-b"]);
    } finally {
      scheduler.stop();
    }
    expect(scheduler.pending()).toEqual([]);
  });
});
