// What `homeostat` says when the kubeconfig itself is the problem (issue 8, item 11): a missing CA file
// and an http:// server are usage errors (exit 2) naming the field and the fix, a failing exec
// credential plugin names the user and the command, a rejected token says Unauthorized without the
// response headers. A real process against the local API server; nothing is changed.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "./env/binaries.ts";
import { loadTestEnv, type TestEnv } from "./env/env.ts";
import { HOMEOSTAT_BIN } from "./env/identity.ts";

const runFile = promisify(execFile);
let env: TestEnv;
let dir: string;

beforeAll(() => {
  env = loadTestEnv();
  dir = mkdtempSync(join(tmpdir(), "homeostat-kubeconfig-"));
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A kubeconfig with this cluster and user (YAML is a superset of JSON). */
function kubeconfig(name: string, cluster: Record<string, unknown>, user: Record<string, unknown>): string {
  const file = join(dir, `${name}.kubeconfig`);
  writeFileSync(
    file,
    JSON.stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: "c", cluster }],
      users: [{ name: "me", user }],
      contexts: [{ name: "x", context: { cluster: "c", user: "me" } }],
      "current-context": "x",
    }),
  );
  return file;
}

async function scaleWith(file: string): Promise<{ code: number; message: string; stdout: string }> {
  const args = [HOMEOSTAT_BIN, "scale", "default/web", "2", "--kubeconfig", file, "--output", "json"];
  try {
    const { stdout } = await runFile(process.execPath, args, { timeout: 60_000, cwd: REPO_ROOT });
    return { code: 0, stdout, message: (JSON.parse(stdout) as { message: string }).message };
  } catch (error) {
    const e = error as { code?: number; stdout: string };
    if (typeof e.code !== "number") throw error;
    return { code: e.code, stdout: e.stdout, message: (JSON.parse(e.stdout) as { message: string }).message };
  }
}

describe("kubeconfig problems", () => {
  it("a missing CA file is a usage error naming the field", async () => {
    const file = kubeconfig(
      "no-ca",
      { server: env.server, "certificate-authority": join(dir, "missing-ca.crt") },
      { token: "t" },
    );
    const run = await scaleWith(file);
    expect(run.code).toBe(2);
    expect(run.message).toBe(
      `the kubeconfig's certificate-authority ${join(dir, "missing-ca.crt")} cannot be read (no such file): fix the path in the kubeconfig (kubectl config view), or use --kubeconfig/--context for another`,
    );
  });

  it("an http:// server is a usage error that says to use https", async () => {
    const run = await scaleWith(
      kubeconfig("http", { server: env.server.replace("https:", "http:") }, { token: "t" }),
    );
    expect(run.code).toBe(2);
    expect(run.message).toMatch(
      /^the kubeconfig's server http:\/\/127\.0\.0\.1:\d+ is plain http:\/\/, and the Kubernetes API is served over https/,
    );
  });

  it("a failing exec credential plugin is named, with what it printed (nothing)", async () => {
    const run = await scaleWith(
      kubeconfig(
        "exec",
        { server: env.server, "certificate-authority": env.caFile },
        { exec: { apiVersion: "client.authentication.k8s.io/v1beta1", command: "false", args: [] } },
      ),
    );
    expect(run.code).toBe(1);
    expect(run.message).toBe(
      `getting credentials from the exec plugin of kubeconfig user "me" (false) failed: it exited with an error and printed nothing; run the plugin by hand to see why, or check the user's exec settings (kubectl config view)`,
    );
  });

  it("a rejected token says Unauthorized, without the response headers", async () => {
    const run = await scaleWith(
      kubeconfig(
        "bad-token",
        { server: env.server, "certificate-authority": env.caFile },
        { token: "not-a-token" },
      ),
    );
    expect(run.code).toBe(1);
    expect(run.message).toBe(
      "not authenticated to the cluster (Unauthorized); check the credentials or token",
    );
    expect(run.stdout).not.toMatch(/audit-id/);
  });
});
