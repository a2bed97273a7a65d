import { describe, expect, it } from "vitest";
import { toKubeVerbError } from "./errors.ts";

describe("toKubeVerbError", () => {
  it("names the network reason behind fetch's 'fetch failed', and what to check", () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:6443"), { code: "ECONNREFUSED" });
    const error = toKubeVerbError(new TypeError("fetch failed", { cause: refused }), "deployment shop/web");
    expect(error.code).toBe("unavailable");
    expect(error.exitCode).toBe(1);
    expect(error.message).toContain("connect ECONNREFUSED 127.0.0.1:6443");
    expect(error.message).toContain("check the kubeconfig's server and CA");
  });

  it("adds the code when the message lacks it (TLS errors)", () => {
    const tls = Object.assign(new Error("unable to verify the first certificate"), {
      code: "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
    });
    const error = toKubeVerbError(new TypeError("fetch failed", { cause: tls }), "node n1");
    expect(error.message).toContain(
      "UNABLE_TO_VERIFY_LEAF_SIGNATURE: unable to verify the first certificate",
    );
  });
});
