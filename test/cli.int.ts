// The `homeostat` command end to end: a real process, a kubeconfig whose user runs
// `homeostat eks token` with moto-assumed credentials (the way `aws eks get-token` is used), the token
// webhook, and RBAC from packages/core/manifests/rbac.yaml. Checks exit codes and the one JSON object.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { V1Deployment } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliVerb, EksTokenShape, verbOutputShape } from "../packages/core/src/cli/shapes.ts";
import type { Kube } from "../packages/core/src/kube/client.ts";
import { strategicMergePatch } from "../packages/core/src/kube/result.ts";
import { buildCli } from "../scripts/build-cli.ts";
import { REPO_ROOT } from "./env/binaries.ts";
import {
  type AddedNode,
  addNode,
  createNamespace,
  removeNode,
  type TestNamespace,
  waitFor,
} from "./env/cluster.ts";
import { adminKube, loadTestEnv, type TestEnv } from "./env/env.ts";
import { execKubeconfig, HOMEOSTAT_BIN, HOMEOSTAT_ENV } from "./env/identity.ts";
import { applyAutomationRbac } from "./env/rbac.ts";

const runFile = promisify(execFile);

let env: TestEnv;
let admin: Kube;
let ns: TestNamespace;
let dir: string;
let automationConfig: string;
let readonlyConfig: string;
let node: AddedNode;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function homeostat(args: string[], kubeconfig = automationConfig, env = HOMEOSTAT_ENV): Promise<Run> {
  try {
    const { stdout, stderr } = await runFile(
      process.execPath,
      [HOMEOSTAT_BIN, ...args, "--kubeconfig", kubeconfig],
      {
        timeout: 60_000,
        cwd: REPO_ROOT,
        env,
      },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout: string; stderr: string };
    if (typeof e.code !== "number") throw error;
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/**
 * Runs with --output json and parses stdout, which must be exactly one JSON object of the shape
 * docs/cli.md documents for the verb (its result, or the failure).
 */
async function homeostatJson(args: [CliVerb, ...string[]], kubeconfig?: string) {
  const run = await homeostat([...args, "--output", "json"], kubeconfig);
  const result = verbOutputShape(args[0]).parse(JSON.parse(run.stdout)) as Record<string, unknown> & {
    ok: boolean;
    changed: boolean;
    message: string;
    after?: Record<string, unknown>;
    error?: { code: string; exitCode: number };
  };
  return { ...run, result };
}

async function readDeployment(name: string): Promise<V1Deployment> {
  return admin.apps.readNamespacedDeployment({ name, namespace: ns.name });
}

beforeAll(async () => {
  // the bundle of the sources as they are: what `npm ci` builds and users run
  await buildCli();
  env = loadTestEnv();
  admin = adminKube(env);
  await applyAutomationRbac(admin);
  dir = mkdtempSync(join(tmpdir(), "homeostat-cli-"));
  automationConfig = await execKubeconfig(env, dir, "automation", env.roles.automation);
  readonlyConfig = await execKubeconfig(env, dir, "readonly", env.roles.readonly);
  ns = await createNamespace(admin, "cli");
  await admin.apps.createNamespacedDeployment({
    namespace: ns.name,
    body: {
      metadata: { name: "web" },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: "web" } },
        template: {
          metadata: { labels: { app: "web" } },
          spec: { containers: [{ name: "web", image: "nginx:1.1" }] },
        },
      },
    },
  });
  await admin.apps.patchNamespacedDeployment(
    {
      name: "web",
      namespace: ns.name,
      body: {
        metadata: { annotations: { "kubernetes.io/change-cause": "to 1.2" } },
        spec: { template: { spec: { containers: [{ name: "web", image: "nginx:1.2" }] } } },
      },
    },
    strategicMergePatch(),
  );
  await waitFor(
    async () =>
      (await readDeployment("web")).metadata?.annotations?.["deployment.kubernetes.io/revision"] === "2",
    {
      what: "deployment web at revision 2",
    },
  );
  // a node of our own, tainted so no other test's pods land on it
  node = await addNode(admin, {
    taints: [{ key: "homeostat.test/cli", value: "true", effect: "NoSchedule" }],
  });
});

afterAll(async () => {
  await ns?.cleanup();
  if (node) await removeNode(admin, node.name);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("homeostat", () => {
  it("eks token prints an ExecCredential", async () => {
    const run = await homeostat(["eks", "token", "--cluster", env.clusterName, "--region", env.region]).catch(
      () => undefined,
    );
    // --kubeconfig is refused by `eks token`: it takes only --cluster and --region
    expect(run?.code).toBe(2);
    const { stdout } = await runFile(
      process.execPath,
      [HOMEOSTAT_BIN, "eks", "token", "--cluster", env.clusterName, "--region", env.region],
      { env: { ...HOMEOSTAT_ENV, AWS_ACCESS_KEY_ID: "AKIDEXAMPLE", AWS_SECRET_ACCESS_KEY: "secret" } },
    );
    const credential = EksTokenShape.parse(JSON.parse(stdout));
    expect(credential.kind).toBe("ExecCredential");
    expect(credential.status.token).toMatch(/^k8s-aws-v1\.[A-Za-z0-9_-]+$/);
    expect(credential.status.expirationTimestamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
  });

  it("scales and prints one JSON result (exit 0)", async () => {
    const run = await homeostatJson(["scale", `${ns.name}/web`, "+2", "--max", "10"]);
    expect(run.code).toBe(0);
    expect(run.result).toMatchObject({
      verb: "scale",
      ok: true,
      changed: true,
      before: { replicas: 2 },
      after: { replicas: 4 },
      undo: { verb: "scale", params: { change: "2" } },
    });
    expect((await readDeployment("web")).spec?.replicas).toBe(4);
    const again = await homeostatJson(["scale", `${ns.name}/web`, "4"]);
    expect(again.code).toBe(0);
    expect(again.result).toMatchObject({ ok: true, changed: false });
  });

  it("scales down with a negative change in text mode", async () => {
    const run = await homeostat(["scale", `${ns.name}/web`, "-1"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`scaled deployment ${ns.name}/web from 4 to 3 replicas (-1)`);
    expect(run.stdout).toContain(`undo: homeostat scale ${ns.name}/web 4`);
  });

  it("bad input: exit 2, a usage message, an ok:false result, nothing changed", async () => {
    const json = await homeostatJson(["scale", `${ns.name}/web`, "abc"]);
    expect(json.code).toBe(2);
    expect(json.result).toMatchObject({
      ok: false,
      changed: false,
      message: "scale needs a replica change like 5, +2, -1 or x1.5; got 'abc'",
      error: { code: "invalid", exitCode: 2 },
    });
    const text = await homeostat(["scale", `${ns.name}/web`, "x-1"]);
    expect(text.code).toBe(2);
    expect(text.stderr).toContain("error: scale needs a replica change");
    expect(text.stderr).toContain("usage: homeostat scale");
    expect((await readDeployment("web")).spec?.replicas).toBe(3);
  });

  it("unknown deployment and missing revision: exit 2", async () => {
    const missing = await homeostatJson(["restart", `${ns.name}/nope`]);
    expect(missing.code).toBe(2);
    expect(missing.result).toMatchObject({ ok: false, error: { code: "not-found" } });
    const revision = await homeostatJson(["rollback", `${ns.name}/web`, "--to-revision", "9"]);
    expect(revision.code).toBe(2);
    expect(revision.result.message).toContain("unable to find specified revision 9");
  });

  it("rollback --dry-run reports the would-be template and changes nothing", async () => {
    const before = await readDeployment("web");
    const run = await homeostatJson(["rollback", `${ns.name}/web`, "--dry-run"]);
    expect(run.code).toBe(0);
    expect(run.result).toMatchObject({
      ok: true,
      dryRun: true,
      changed: true,
      after: { images: ["nginx:1.1"] },
    });
    const after = await readDeployment("web");
    expect(after.metadata?.generation).toBe(before.metadata?.generation);
    expect(after.spec?.template?.spec?.containers[0]?.image).toBe("nginx:1.2");
  });

  it("rollback of a paused deployment fails: exit 1", async () => {
    await admin.apps.patchNamespacedDeployment(
      { name: "web", namespace: ns.name, body: { spec: { paused: true } } },
      strategicMergePatch(),
    );
    const run = await homeostat(["rollback", `${ns.name}/web`]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("you cannot rollback a paused deployment");
    await admin.apps.patchNamespacedDeployment(
      { name: "web", namespace: ns.name, body: { spec: { paused: false } } },
      strategicMergePatch(),
    );
  });

  it("rolls back and shows the history", async () => {
    const run = await homeostat(["rollback", `${ns.name}/web`]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`rolled back deployment ${ns.name}/web to revision 1`);
    await waitFor(
      async () =>
        (await readDeployment("web")).metadata?.annotations?.["deployment.kubernetes.io/revision"] === "3",
      {
        what: "deployment web at revision 3",
      },
    );
    const historyRun = await homeostat(["history", `${ns.name}/web`]);
    expect(historyRun.code).toBe(0);
    expect(historyRun.stdout).toMatch(/REVISION\s+CHANGE-CAUSE/);
    expect(historyRun.stdout).toMatch(/2\s+to 1\.2\s+nginx:1\.2/);
    expect(historyRun.stdout).toMatch(/3\s+<none>\s+nginx:1\.1\s+current/);
  });

  it("status of a node by instance id, and cordon / uncordon / drain of it", async () => {
    const status = await homeostatJson(["status", node.instanceId]);
    expect(status.code).toBe(0);
    expect(status.result).toMatchObject({
      target: { name: node.name, instanceId: node.instanceId },
      after: { ready: "True" },
    });
    const dry = await homeostatJson(["cordon", node.instanceId, "--dry-run"]);
    expect(dry.result).toMatchObject({ ok: true, changed: true, dryRun: true });
    expect((await admin.core.readNode({ name: node.name })).spec?.unschedulable).toBeFalsy();
    const uncordon = await homeostatJson(["uncordon", node.name]);
    expect(uncordon.result).toMatchObject({ ok: true, changed: false });
    const drain = await homeostat(["drain", node.instanceId, "--timeout", "30s"]);
    expect(drain.code).toBe(0);
    expect(drain.stderr.length).toBeGreaterThan(0);
    expect((await admin.core.readNode({ name: node.name })).spec?.unschedulable).toBe(true);
  });

  it("a role without the rights is refused: exit 1, nothing changed", async () => {
    const run = await homeostatJson(["scale", `${ns.name}/web`, "+1"], readonlyConfig);
    expect(run.code).toBe(1);
    expect(run.result).toMatchObject({ ok: false, error: { code: "forbidden" } });
    expect((await readDeployment("web")).spec?.replicas).toBe(3);
  });

  it("gives the same result from the TypeScript sources as from the bundle", async () => {
    const args = ["status", `${ns.name}/web`, "--output", "json"];
    const bundled = await homeostat(args);
    const sources = await homeostat(args, automationConfig, { ...process.env, HOMEOSTAT_CLI: "sources" });
    expect([bundled.code, sources.code]).toEqual([0, 0]);
    const timeless = (run: Run) => ({
      ...verbOutputShape("status").parse(JSON.parse(run.stdout)),
      durationMs: 0,
    });
    expect(timeless(sources)).toEqual(timeless(bundled));
  });

  it("answers --help for every command", async () => {
    for (const args of [
      [],
      ["scale"],
      ["restart"],
      ["rollback"],
      ["cordon"],
      ["uncordon"],
      ["drain"],
      ["status"],
      ["history"],
      ["eks", "token"],
    ]) {
      const { stdout } = await runFile(process.execPath, [HOMEOSTAT_BIN, ...args, "--help"], {
        env: HOMEOSTAT_ENV,
      });
      expect(stdout).toContain("usage: homeostat");
    }
  });
});
