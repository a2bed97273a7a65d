import { ApiException, KubeConfig } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { kubeconfigError } from "./client.ts";
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

describe("errors people can act on (item 11)", () => {
  it("a 401 says Unauthorized, not client-node's dump of every response header", () => {
    // client-node's message has every response header after the status line
    const dump = new ApiException(401, "Unauthorized", undefined, {
      "audit-id": "3ff2",
      "content-type": "application/json",
    });
    expect(dump.message).toMatch(/Headers: .*audit-id/);
    const error = toKubeVerbError(dump, "deployment shop/web");
    expect(error.message).toBe(
      "not authenticated to the cluster (Unauthorized); check the credentials or token",
    );
  });
});

describe("kubeconfigError", () => {
  const config = (user: Record<string, unknown>, server = "https://127.0.0.1:6443") => {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: "c", server, caFile: "/etc/kube/ca.crt" }],
      users: [{ name: "me", ...user }],
      contexts: [{ name: "x", cluster: "c", user: "me" }],
      currentContext: "x",
    });
    return kc;
  };
  const fsError = (code: string, syscall: string, path: string) =>
    Object.assign(new Error(`${code}: ${syscall} '${path}'`), { code, syscall, path });

  it("a missing CA file is a usage error naming the field and the fix", () => {
    const error = kubeconfigError(fsError("ENOENT", "open", "/etc/kube/ca.crt"), config({ token: "t" }));
    expect(error).toMatchObject({ code: "invalid", exitCode: 2 });
    expect((error as Error).message).toBe(
      "the kubeconfig's certificate-authority /etc/kube/ca.crt cannot be read (no such file): fix the path in the kubeconfig (kubectl config view), or use --kubeconfig/--context for another",
    );
  });

  it("an http:// server is a usage error that says the API is served over https", () => {
    const error = kubeconfigError(
      new Error("HTTP protocol is not allowed when skipTLSVerify is not set or false"),
      config({ token: "t" }, "http://127.0.0.1:8080"),
    );
    expect(error).toMatchObject({ code: "invalid", exitCode: 2 });
    expect((error as Error).message).toMatch(
      /^the kubeconfig's server http:\/\/127.0.0.1:8080 is plain http:\/\//,
    );
  });

  it("an exec plugin that failed silently, or is missing, is named with the user and what to do", () => {
    const exec = config({ exec: { command: "aws-iam-authenticator", args: [] } });
    expect((kubeconfigError(new Error(""), exec) as Error).message).toBe(
      'getting credentials from the exec plugin of kubeconfig user "me" (aws-iam-authenticator) failed: it exited with an error and printed nothing; run the plugin by hand to see why, or check the user\'s exec settings (kubectl config view)',
    );
    expect(
      (
        kubeconfigError(
          fsError("ENOENT", "spawn aws-iam-authenticator", "aws-iam-authenticator"),
          exec,
        ) as Error
      ).message,
    ).toMatch(/failed: aws-iam-authenticator was not found on the PATH;/);
  });

  it("leaves other errors (an EKS token source's AWS errors) as they are", () => {
    const throttled = Object.assign(new Error("Rate exceeded"), { $fault: "client" });
    expect(kubeconfigError(throttled, config({ token: "t" }))).toBe(throttled);
  });
});

describe("a connection the API server dropped", () => {
  it("says it reset or answered too late, not to check the kubeconfig", () => {
    const reset = Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" });
    const error = toKubeVerbError(new TypeError("fetch failed", { cause: reset }), "deployment shop/web");
    expect(error.code).toBe("unavailable");
    expect(error.message).toBe(
      "the API server did not answer for deployment shop/web: fetch failed (read ECONNRESET); it reset the connection or answered too late, as an overloaded one does — try again",
    );
  });
});
