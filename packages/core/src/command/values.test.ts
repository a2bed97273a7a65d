import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { UsageError } from "./errors.ts";
import { parseTimeout } from "./values.ts";

describe("parseTimeout", () => {
  it("reads Go-style durations", () => {
    expect(parseTimeout("90s")).toBe(90_000);
    expect(parseTimeout("5m")).toBe(300_000);
    expect(parseTimeout("1h30m")).toBe(5_400_000);
    expect(parseTimeout("500ms")).toBe(500);
    expect(parseTimeout("1.5s")).toBe(1500);
    expect(parseTimeout("0")).toBe(0);
  });

  it("rejects anything else", () => {
    for (const text of ["", "5", "m", "5 m", "-5s", "5d", "1h-3m"]) {
      expect(() => parseTimeout(text)).toThrow(UsageError);
    }
  });

  it("adds up its parts", () => {
    fc.assert(
      fc.property(fc.nat(100), fc.nat(59), fc.nat(59), (h, m, s) => {
        expect(parseTimeout(`${h}h${m}m${s}s`)).toBe(((h * 60 + m) * 60 + s) * 1000);
      }),
    );
  });
});
