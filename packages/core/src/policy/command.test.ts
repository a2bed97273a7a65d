import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseCommand } from "./command.ts";
import { matchesGlob } from "./glob.ts";

const dnsName = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,20}[a-z0-9])?$/);

describe("parseCommand", () => {
  it.each([
    [
      "scale shop/checkout +3",
      { verb: "scale", workload: { namespace: "shop", name: "checkout" }, change: "+3" },
    ],
    [
      "scale statefulset/dev/db 0 --min 0 --max 2",
      {
        verb: "scale",
        workload: { kind: "StatefulSet", namespace: "dev", name: "db" },
        change: "0",
        min: 0,
        max: 2,
      },
    ],
    [
      "restart deploy/shop/cart",
      { verb: "restart", workload: { kind: "Deployment", namespace: "shop", name: "cart" } },
    ],
    [
      "rollback shop/checkout --to-revision 4",
      { verb: "rollback", workload: { namespace: "shop", name: "checkout" }, toRevision: 4 },
    ],
    ["  drain   i-0abc12345678901ff ", { verb: "drain", node: "i-0abc12345678901ff" }],
  ])("reads %j", (text, command) => {
    expect(parseCommand(text)).toEqual({ ok: true, command });
  });

  it.each([
    ["", 'unknown command ""'],
    ["delete shop/checkout", 'unknown command "delete"'],
    ["scale shop/checkout", "scale needs one replica change"],
    ["scale checkout +1", "scale needs a workload namespace/name"],
    ["scale shop/checkout +1 --max many", "--min and --max take a whole number"],
    ["rollback shop/checkout --to-revision 0", "--to-revision takes a revision number ≥ 1"],
    ["drain a b", "drain needs one node name or instance id"],
  ])("rejects %j", (text, reason) => {
    const result = parseCommand(text);
    expect(result.ok).toBe(false);
    expect(result.ok ? "" : result.reason).toContain(reason);
  });

  it("never throws on arbitrary text", () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        expect(typeof parseCommand(text).ok).toBe("boolean");
        expect(typeof parseCommand(`scale ${text}`).ok).toBe("boolean");
      }),
    );
  });

  it("reads back every well-formed scale command", () => {
    const change = fc.oneof(
      fc.nat({ max: 1000 }).map(String),
      fc.integer({ min: -50, max: 50 }).map((n) => (n < 0 ? String(n) : `+${n}`)),
      fc.integer({ min: 1, max: 40 }).map((n) => `x${n / 10}`),
    );
    fc.assert(
      fc.property(dnsName, dnsName, change, (namespace, name, text) => {
        expect(parseCommand(`scale ${namespace}/${name} ${text}`)).toEqual({
          ok: true,
          command: { verb: "scale", workload: { namespace, name }, change: text },
        });
      }),
    );
  });
});

describe("matchesGlob", () => {
  it("matches text without wildcards only exactly, whatever characters it has", () => {
    fc.assert(
      fc.property(
        fc.string().filter((text) => !/[*?]/.test(text)),
        fc.string(),
        (pattern, suffix) => {
          expect(matchesGlob(pattern, pattern)).toBe(true);
          if (suffix !== "") expect(matchesGlob(pattern, pattern + suffix)).toBe(false);
        },
      ),
    );
  });

  it("`*` matches any run and `?` exactly one character", () => {
    fc.assert(
      fc.property(
        fc.string(),
        fc.string(),
        fc.string({ minLength: 1, maxLength: 1 }),
        (prefix, middle, one) => {
          const safePrefix = prefix.replace(/[*?]/g, "");
          expect(matchesGlob(`${safePrefix}*`, `${safePrefix}${middle}`)).toBe(true);
          expect(matchesGlob(`${safePrefix}?`, `${safePrefix}${one}`)).toBe(true);
          expect(matchesGlob(`${safePrefix}?`, safePrefix)).toBe(false);
        },
      ),
    );
    expect(matchesGlob("shop-*-cpu-high", "shop-checkout-cpu-high")).toBe(true);
    expect(matchesGlob("shop-*-cpu-high", "shop-checkout-cpu-higher")).toBe(false);
  });
});
