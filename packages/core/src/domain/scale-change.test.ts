import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { KubeVerbError } from "./errors.ts";
import { applyScaleChange, formatScaleChange, parseScaleChange, type ScaleChange } from "./scale-change.ts";

describe("parseScaleChange", () => {
  it("reads counts, relative changes and factors", () => {
    expect(parseScaleChange("5")).toEqual({ kind: "absolute", replicas: 5 });
    expect(parseScaleChange("0")).toEqual({ kind: "absolute", replicas: 0 });
    expect(parseScaleChange("+3")).toEqual({ kind: "relative", delta: 3 });
    expect(parseScaleChange("-2")).toEqual({ kind: "relative", delta: -2 });
    expect(parseScaleChange("x1.5")).toEqual({ kind: "factor", numerator: 3, denominator: 2 });
    expect(parseScaleChange("X2")).toEqual({ kind: "factor", numerator: 2, denominator: 1 });
    expect(parseScaleChange("x0.25")).toEqual({ kind: "factor", numerator: 1, denominator: 4 });
  });

  it.each([
    "abc",
    "",
    "1.5",
    "+",
    "-",
    "x",
    "x-1",
    "x0",
    "x0.000",
    "++1",
    "5x",
    "x1e3",
    "1e3",
    "x.5",
    " + 1",
    "99999999999",
  ])("rejects %j with a usage error", (text) => {
    expect(() => parseScaleChange(text)).toThrow(KubeVerbError);
    try {
      parseScaleChange(text);
    } catch (error) {
      expect((error as KubeVerbError).code).toBe("invalid");
      expect((error as KubeVerbError).exitCode).toBe(2);
    }
  });

  it("names the expected forms in its message", () => {
    expect(() => parseScaleChange("abc")).toThrow(
      "scale needs a replica change like 5, +2, -1 or x1.5; got 'abc'",
    );
  });

  const change: fc.Arbitrary<ScaleChange> = fc.oneof(
    fc.integer({ min: 0, max: 100_000 }).map((replicas) => ({ kind: "absolute" as const, replicas })),
    fc.integer({ min: -100_000, max: 100_000 }).map((delta) => ({ kind: "relative" as const, delta })),
    fc
      .tuple(fc.integer({ min: 0, max: 999 }), fc.integer({ min: 0, max: 999_999 }))
      .filter(([whole, frac]) => whole + frac > 0)
      .map(([whole, frac]) => parseScaleChange(`x${whole}.${String(frac).padStart(6, "0")}`)),
  );

  it("reads back what formatScaleChange writes", () => {
    fc.assert(
      fc.property(change, (c) => {
        expect(parseScaleChange(formatScaleChange(c))).toEqual(c);
      }),
    );
  });

  it("never throws anything but a KubeVerbError on arbitrary text", () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        try {
          parseScaleChange(text);
        } catch (error) {
          expect(error).toBeInstanceOf(KubeVerbError);
        }
      }),
    );
  });
});

describe("applyScaleChange", () => {
  it("applies counts and deltas, never below zero", () => {
    expect(applyScaleChange(3, parseScaleChange("5"))).toEqual({ replicas: 5 });
    expect(applyScaleChange(3, parseScaleChange("+2"))).toEqual({ replicas: 5 });
    expect(applyScaleChange(3, parseScaleChange("-5"))).toEqual({ replicas: 0 });
  });

  it("rounds factors up, exactly", () => {
    expect(applyScaleChange(3, parseScaleChange("x1.5")).replicas).toBe(5);
    expect(applyScaleChange(3, parseScaleChange("x0.5")).replicas).toBe(2);
    // 10 × 0.3 is 3.0000000000000004 in floating point; exact arithmetic keeps it 3
    expect(applyScaleChange(10, parseScaleChange("x0.3")).replicas).toBe(3);
    expect(applyScaleChange(0, parseScaleChange("x3")).replicas).toBe(0);
  });

  it("clamps to min and max", () => {
    expect(applyScaleChange(3, parseScaleChange("+10"), { max: 8 })).toEqual({
      replicas: 8,
      clampedBy: "max",
    });
    expect(applyScaleChange(3, parseScaleChange("-3"), { min: 1 })).toEqual({
      replicas: 1,
      clampedBy: "min",
    });
    expect(applyScaleChange(3, parseScaleChange("20"), { max: 8 })).toEqual({
      replicas: 8,
      clampedBy: "max",
    });
  });

  it("never turns a relative change against its direction", () => {
    // already above max: +1 must not scale down to max
    expect(applyScaleChange(10, parseScaleChange("+1"), { max: 5 }).replicas).toBe(10);
    // already below min: -1 must not scale up to min
    expect(applyScaleChange(1, parseScaleChange("-1"), { min: 3 }).replicas).toBe(1);
  });

  it("rejects disordered or negative bounds", () => {
    expect(() => applyScaleChange(3, parseScaleChange("+1"), { min: 5, max: 2 })).toThrow(
      "--min 5 is above --max 2",
    );
    expect(() => applyScaleChange(3, parseScaleChange("+1"), { min: -1 })).toThrow(KubeVerbError);
  });

  it("keeps results within bounds unless the change points away from them", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1000 }),
        fc.constantFrom("+1", "-1", "+7", "-7", "x2", "x0.5", "x1.25", "4", "0", "900"),
        fc.integer({ min: 0, max: 50 }),
        fc.integer({ min: 0, max: 500 }),
        (current, text, min, span) => {
          const change = parseScaleChange(text);
          const max = min + span;
          const { replicas } = applyScaleChange(current, change, { min, max });
          expect(Number.isInteger(replicas)).toBe(true);
          expect(replicas).toBeGreaterThanOrEqual(0);
          if (change.kind === "absolute" || (current >= min && current <= max)) {
            expect(replicas).toBeGreaterThanOrEqual(min);
            expect(replicas).toBeLessThanOrEqual(max);
          }
          const unbounded = applyScaleChange(current, change).replicas;
          if (change.kind !== "absolute") {
            // same direction as the unbounded change, or no change
            expect(Math.sign(replicas - current) * Math.sign(unbounded - current)).toBeGreaterThanOrEqual(0);
          }
        },
      ),
    );
  });

  it("matches ceil(current × factor) for factors", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 1, max: 400 }),
        (current, hundredths) => {
          const change = parseScaleChange(
            `x${Math.floor(hundredths / 100)}.${String(hundredths % 100).padStart(2, "0")}`,
          );
          expect(applyScaleChange(current, change).replicas).toBe(
            Math.max(0, Math.ceil((current * hundredths) / 100 - 1e-9)),
          );
        },
      ),
    );
  });
});
