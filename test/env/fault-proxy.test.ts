import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FaultRuleSet, isWatch, seededRandom } from "./fault-proxy.ts";

const SCALE = "/apis/apps/v1/namespaces/a/deployments/web/scale";
const EVICTION = "/api/v1/namespaces/a/pods/web-1/eviction";

function sequence(set: FaultRuleSet, n: number, method = "GET", path = SCALE): (string | undefined)[] {
  return Array.from({ length: n }, () => set.decide(method, path, "").terminal?.name);
}

describe("seededRandom", () => {
  it("gives the same numbers in [0, 1) for the same seed, others for another", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), (seed) => {
        const a = seededRandom(seed);
        const b = seededRandom(seed);
        const xs = Array.from({ length: 20 }, () => a());
        expect(Array.from({ length: 20 }, () => b())).toEqual(xs);
        expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
        const c = seededRandom(seed + 1);
        expect(Array.from({ length: 20 }, () => c())).not.toEqual(xs);
      }),
    );
  });
});

describe("FaultRuleSet", () => {
  it("matches methods (any case), path and query, and counts matches apart from injections", () => {
    const set = new FaultRuleSet(
      [
        {
          name: "scale writes",
          methods: ["put", "PATCH"],
          path: /\/scale$/,
          query: /dryRun/,
          action: "before",
          reply: 503,
        },
      ],
      1,
    );
    expect(set.decide("GET", SCALE, "dryRun=All").terminal).toBeUndefined();
    expect(set.decide("PUT", SCALE, "").terminal).toBeUndefined();
    expect(set.decide("PUT", `${SCALE}x`, "dryRun=All").terminal).toBeUndefined();
    expect(set.decide("patch", SCALE, "dryRun=All").terminal?.name).toBe("scale writes");
    expect(set.stats()).toEqual([{ name: "scale writes", matched: 1, injected: 1 }]);
  });

  it("leaves watches alone by default; `include` and `only` take them", () => {
    const rules = (watch?: "include" | "only") =>
      new FaultRuleSet([{ path: /\/deployments/, watch, action: "before", reply: 500 }], 1);
    const list = "/apis/apps/v1/namespaces/a/deployments";
    for (const [watch, onList, onWatch] of [
      [undefined, true, false],
      ["include", true, true],
      ["only", false, true],
    ] as const) {
      expect(rules(watch).decide("GET", list, "").terminal !== undefined).toBe(onList);
      expect(rules(watch).decide("GET", list, "watch=true&resourceVersion=1").terminal !== undefined).toBe(
        onWatch,
      );
    }
    expect(isWatch("/apis/apps/v1/watch/namespaces/a/deployments", "")).toBe(true);
    expect(isWatch(list, "watch=1")).toBe(true);
    expect(isWatch(list, "watch=false")).toBe(false);
    expect(isWatch(list, "allowWatchBookmarks=true")).toBe(false);
  });

  it("injects at the set rate, replayably: the same seed gives the same sequence", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (seed, rate) => {
          const rules = [{ name: "r", rate, action: "before" as const, reply: 429 as const }];
          const first = sequence(new FaultRuleSet(rules, seed), 50);
          expect(sequence(new FaultRuleSet(rules, seed), 50)).toEqual(first);
        },
      ),
    );
    const hits = sequence(
      new FaultRuleSet([{ name: "r", rate: 0.3, action: "before", reply: 503 }], 99),
      2000,
    ).filter(Boolean).length;
    expect(hits / 2000).toBeGreaterThan(0.26);
    expect(hits / 2000).toBeLessThan(0.34);
    expect(
      sequence(new FaultRuleSet([{ rate: 0, action: "before", reply: 503 }], 5), 100).filter(Boolean),
    ).toEqual([]);
  });

  it("a named rule's decisions do not depend on the other rules", () => {
    const target = {
      name: "evictions",
      methods: ["POST"],
      path: /\/eviction$/,
      rate: 0.5,
      action: "before",
      reply: 429,
    } as const;
    const other = { name: "scale", path: /\/scale$/, rate: 0.5, action: "before", reply: 500 } as const;
    const run = (set: FaultRuleSet) =>
      Array.from({ length: 40 }, (_, i) => {
        set.decide("GET", SCALE, ""); // interleaved traffic for the other rule
        return set.decide("POST", EVICTION, "").terminal?.name ?? `pass ${i}`;
      });
    const alone = run(new FaultRuleSet([target], 7));
    expect(run(new FaultRuleSet([other, target], 7))).toEqual(alone);
    expect(run(new FaultRuleSet([target, other], 7))).toEqual(alone);
    expect(run(new FaultRuleSet([target], 8))).not.toEqual(alone);
  });

  it("skips the first matches and stops after `times`", () => {
    const set = new FaultRuleSet([{ name: "twice", skip: 2, times: 2, action: "after", reply: 504 }], 3);
    expect(sequence(set, 6)).toEqual([undefined, undefined, "twice", "twice", undefined, undefined]);
    expect(set.stats()).toEqual([{ name: "twice", matched: 6, injected: 2 }]);
  });

  it("adds up delays (with jitter in bounds) and lets the first terminal rule decide", () => {
    const set = new FaultRuleSet(
      [
        { name: "slow", action: "delay", ms: 100, jitterMs: 20 },
        { name: "slow answer", action: "delay", ms: 50, phase: "response" },
        { name: "lost", methods: ["PUT"], action: "after", reply: "reset" },
        { name: "never reached", methods: ["PUT"], action: "before", reply: 500 },
      ],
      11,
    );
    const put = set.decide("PUT", SCALE, "");
    expect(put.terminal?.name).toBe("lost");
    expect(put.applied).toEqual(["slow", "slow answer", "lost"]);
    expect(put.requestDelayMs).toBeGreaterThanOrEqual(80);
    expect(put.requestDelayMs).toBeLessThanOrEqual(120);
    expect(put.responseDelayMs).toBe(50);
    const get = set.decide("GET", SCALE, "");
    expect(get.terminal).toBeUndefined();
    expect(set.stats().map((r) => r.matched)).toEqual([2, 2, 1, 0]);
  });

  it("refuses a rate outside 0..1", () => {
    expect(() => new FaultRuleSet([{ rate: 1.5, action: "before", reply: 500 }], 1)).toThrow(/rate 1.5/);
  });
});
