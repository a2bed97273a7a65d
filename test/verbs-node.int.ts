// cordon / uncordon / drain against the local cluster, run as the restricted automation identity
// (EKS-style token → webhook → RBAC from packages/core/manifests/rbac.yaml), with kubectl as the
// oracle on twin nodes.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { V1Node } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KubeVerbError } from "../packages/core/src/domain/errors.ts";
import type { Kube } from "../packages/core/src/kube/client.ts";
import { cordon, uncordon } from "../packages/core/src/kube/cordon.ts";
import { drain } from "../packages/core/src/kube/drain.ts";
import {
  type AddedNode,
  addNode,
  createNamespace,
  removeNode,
  type TestNamespace,
  waitFor,
} from "./env/cluster.ts";
import { adminKube, loadTestEnv, type TestEnv } from "./env/env.ts";
import { automationKube } from "./env/identity.ts";
import {
  addDedicatedNode,
  clearFinalizers,
  createBarePod,
  createDrainFixture,
  createPooledDeployment,
  createTwinDaemonSet,
  DEDICATED_TAINT,
  podsOnNode,
  rolesOnNode,
  uniqueId,
  waitForBudgets,
  waitForPodsOnNode,
} from "./env/node-fixtures.ts";
import { applyAutomationRbac } from "./env/rbac.ts";

const run = promisify(execFile);

let env: TestEnv;
let admin: Kube;
let kube: Kube;
let ns: TestNamespace;
const nodes: string[] = [];
const heldPods: string[] = [];

async function kubectl(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run("/usr/bin/kubectl", ["--kubeconfig", env.kubeconfig, ...args], { timeout: 120_000 });
}

/** A node of its own pool (its pods schedule nowhere else), removed after the tests. */
async function dedicatedNode(): Promise<AddedNode & { pool: string }> {
  const pool = `n-${uniqueId()}`;
  const node = await addDedicatedNode(admin, pool);
  nodes.push(node.name);
  return { ...node, pool };
}

async function readNode(name: string): Promise<V1Node> {
  return admin.core.readNode({ name });
}

/** What kubectl and we must agree on about a node after cordon / uncordon. */
async function schedulingState(name: string) {
  const node = await readNode(name);
  return {
    unschedulable: node.spec?.unschedulable ?? "absent",
    taints: (node.spec?.taints ?? []).map((t) => `${t.key}:${t.effect}`).sort(),
  };
}

beforeAll(async () => {
  env = loadTestEnv();
  admin = adminKube(env);
  await applyAutomationRbac(admin);
  kube = await automationKube(env);
  ns = await createNamespace(admin, "verbs-node");
});

afterAll(async () => {
  for (const pod of heldPods) await clearFinalizers(admin, ns.name, pod);
  await ns?.cleanup();
  for (const name of nodes) await removeNode(admin, name);
});

describe("cordon / uncordon", () => {
  it("matches kubectl cordon and uncordon on twin nodes, by instance id and by name", async () => {
    const [ours, theirs] = await Promise.all([dedicatedNode(), dedicatedNode()]);

    const cordoned = await cordon(kube, ours.instanceId, {});
    await kubectl("cordon", theirs.name);
    expect(cordoned).toMatchObject({
      verb: "cordon",
      ok: true,
      changed: true,
      dryRun: false,
      target: { kind: "Node", name: ours.name, instanceId: ours.instanceId },
      before: { unschedulable: false },
      after: { unschedulable: true },
      undo: { verb: "uncordon", target: { kind: "Node", name: ours.name } },
      apiRequests: 2,
    });
    // the node lifecycle controller follows with the unschedulable taint: compare once both settled
    const twinsAgree = async () =>
      JSON.stringify(await schedulingState(ours.name)) === JSON.stringify(await schedulingState(theirs.name));
    await waitFor(twinsAgree, { what: "the cordoned twins to look the same" });
    expect((await schedulingState(ours.name)).unschedulable).toBe(true);

    const again = await cordon(kube, ours.name, {});
    expect(again).toMatchObject({ ok: true, changed: false, apiRequests: 1 });
    expect(again.undo).toBeUndefined();
    expect(again.message).toMatch(/already cordoned/);

    const uncordoned = await uncordon(kube, ours.name, {});
    await kubectl("uncordon", theirs.name);
    expect(uncordoned).toMatchObject({
      ok: true,
      changed: true,
      before: { unschedulable: true },
      after: { unschedulable: false },
      undo: { verb: "cordon" },
    });
    await waitFor(twinsAgree, { what: "the uncordoned twins to look the same" });
    expect((await schedulingState(ours.name)).unschedulable).toBe("absent");
  });

  it("dry run reports the would-be state and changes nothing", async () => {
    const node = await dedicatedNode();
    const result = await cordon(kube, node.name, { dryRun: true });
    expect(result).toMatchObject({ ok: true, changed: true, dryRun: true, after: { unschedulable: true } });
    expect(result.undo).toBeUndefined();
    expect((await readNode(node.name)).spec?.unschedulable).toBeUndefined();
  });

  it("refuses unknown nodes and instance ids, and never matches an instance id by prefix", async () => {
    // i-<8 hex> (an older id) and i-<those 8 hex><9 more>; and a long id whose 8-hex head is no node's
    const short = `i-${uniqueId()}`;
    const long = `${short}${uniqueId()}${uniqueId().slice(0, 1)}`;
    const headless = `i-${uniqueId()}${uniqueId()}${uniqueId().slice(0, 1)}`;
    const names: string[] = [];
    for (const instanceId of [short, long, headless]) {
      const { name } = await addNode(admin, {
        zone: "us-east-1a",
        providerID: `aws:///us-east-1a/${instanceId}`,
        taints: [{ key: DEDICATED_TAINT, value: "prefix", effect: "NoSchedule" }],
        wait: false,
      });
      names.push(name);
      nodes.push(name);
    }

    expect((await cordon(kube, short, { dryRun: true })).target).toEqual({
      kind: "Node",
      name: names[0],
      instanceId: short,
    });
    expect((await cordon(kube, long, { dryRun: true })).target).toEqual({
      kind: "Node",
      name: names[1],
      instanceId: long,
    });

    const unknown = [
      headless.slice(0, 10), // a well-formed 8-digit id that is a prefix of a node's id
      long.slice(0, -1), // a prefix that is no well-formed id
      "i-0123456789abcdef0",
      "no-such-node.ec2.internal",
    ];
    for (const wanted of unknown) {
      const error = await cordon(kube, wanted, {}).catch((e: unknown) => e);
      expect(error, wanted).toBeInstanceOf(KubeVerbError);
      expect((error as KubeVerbError).code).toBe("not-found");
      expect((error as KubeVerbError).exitCode).toBe(2);
      expect((error as KubeVerbError).message).toContain(wanted);
    }
    const drainError = await drain(kube, headless.slice(0, 10), {}).catch((e: unknown) => e);
    expect(drainError).toBeInstanceOf(KubeVerbError);
    for (const name of names) expect((await readNode(name)).spec?.unschedulable).toBeUndefined();
  });
});

describe("drain", () => {
  it("ends in the same state as kubectl drain with the same flags on a twin node", async () => {
    const twin = uniqueId();
    await createTwinDaemonSet(admin, ns.name, twin);
    const [ours, theirs] = await Promise.all([
      createDrainFixture(admin, ns.name, twin, "a", { withSpare: true }),
      createDrainFixture(admin, ns.name, twin, "b", { withSpare: true }),
    ]);
    nodes.push(ours.node.name, theirs.node.name);
    const spares = async () =>
      (await admin.core.listNode({ labelSelector: `homeostat.test/pool in (${ours.pool},${theirs.pool})` }))
        .items;
    for (const spare of await spares())
      if (!nodes.includes(spare.metadata?.name ?? "")) nodes.push(spare.metadata?.name ?? "");

    const progress: string[] = [];
    const result = await drain(kube, ours.node.instanceId, {
      deleteEmptyDirData: true,
      force: true,
      timeoutMs: 90_000,
      evictionRetryDelayMs: 500,
      podDeletePollMs: 250,
      onProgress: (line) => progress.push(line),
    });
    await kubectl(
      "drain",
      theirs.node.name,
      "--ignore-daemonsets",
      "--delete-emptydir-data",
      "--force",
      "--timeout=90s",
    );

    expect(result.message).toMatch(/^drained node/);
    expect(result).toMatchObject({ verb: "drain", ok: true, changed: true, dryRun: false });
    const name = (role: string) =>
      ours.pods
        .filter((p) => p.metadata?.labels?.["homeostat.test/role"] === role)
        .map((p) => `${ns.name}/${p.metadata?.name}`);
    expect(result.after?.evicted).toEqual(
      [...name("bare"), ...name("completed"), ...name("emptydir"), ...name("pdb")].sort(),
    );
    expect(result.after?.skipped).toEqual([
      { pod: name("daemonset")[0], reason: "DaemonSet-managed (left in place)" },
    ]);
    expect(result.after?.failed).toEqual([]);
    expect(result.undo).toEqual({ verb: "uncordon", target: result.target, params: {} });
    expect(result.warnings.join("\n")).toMatch(/ignoring DaemonSet-managed Pods/);
    expect(progress).toContain(`evicting 5 pods from node ${ours.node.name}…`);
    expect(progress.some((line) => line.endsWith("(5/5)"))).toBe(true);

    // the cluster ends in the same state on both sides
    expect(await rolesOnNode(admin, ns.name, ours.node.name)).toEqual(["daemonset"]);
    expect(await rolesOnNode(admin, ns.name, ours.node.name)).toEqual(
      await rolesOnNode(admin, ns.name, theirs.node.name),
    );
    expect((await readNode(ours.node.name)).spec?.unschedulable).toBe(true);
    expect((await readNode(theirs.node.name)).spec?.unschedulable).toBe(true);
    // the original pods are gone by UID on both sides (replacements run on the spares)
    for (const fixture of [ours, theirs]) {
      const before = new Set(fixture.pods.map((p) => p.metadata?.uid));
      const left = (await podsOnNode(admin, ns.name, fixture.node.name)).filter((p) =>
        before.has(p.metadata?.uid),
      );
      expect(left.map((p) => p.metadata?.labels?.["homeostat.test/role"])).toEqual(["daemonset"]);
    }
  });

  it("refuses pods with emptyDir (and bare pods) without the flags: nothing evicted, node left schedulable", async () => {
    const node = await dedicatedNode();
    await createPooledDeployment(admin, ns.name, `cache-${uniqueId()}`, node.pool, {
      replicas: 1,
      role: "emptydir",
      emptyDir: true,
    });
    await createBarePod(admin, ns.name, `lonely-${uniqueId()}`, node.name);
    const before = await waitForPodsOnNode(admin, ns.name, node.name, 2);

    const result = await drain(kube, node.name, { timeoutMs: 30_000 });
    expect(result.ok).toBe(false);
    expect(result.changed).toBe(false);
    expect(result.after?.evicted).toEqual([]);
    expect(result.message).toContain(
      "cannot delete Pods with local storage (use --delete-emptydir-data to override)",
    );
    expect(result.message).toContain(
      "cannot delete Pods that declare no controller (use --force to override)",
    );
    expect(result.message).toContain("nothing was evicted");
    expect(result.after?.failed.map((f) => f.pod).sort()).toEqual(
      before.map((p) => `${ns.name}/${p.metadata?.name}`).sort(),
    );
    expect((await readNode(node.name)).spec?.unschedulable).toBeUndefined();
    const after = await podsOnNode(admin, ns.name, node.name);
    expect(after.map((p) => p.metadata?.uid).sort()).toEqual(before.map((p) => p.metadata?.uid).sort());
  });

  it("dry run lists what would be evicted and changes nothing", async () => {
    const twin = uniqueId();
    await createTwinDaemonSet(admin, ns.name, twin);
    const fixture = await createDrainFixture(admin, ns.name, twin, "dry");
    nodes.push(fixture.node.name);

    const result = await drain(kube, fixture.node.name, {
      dryRun: true,
      force: true,
      deleteEmptyDirData: true,
    });
    expect(result).toMatchObject({ ok: true, dryRun: true, changed: true });
    expect(result.after?.evicted).toHaveLength(5);
    expect(result.undo).toBeUndefined();
    expect(result.message).toMatch(/^dry run: draining node .* would evict 5 pods/);
    expect((await readNode(fixture.node.name)).spec?.unschedulable).toBeUndefined();
    const after = await podsOnNode(admin, ns.name, fixture.node.name);
    expect(after.filter((p) => p.metadata?.deletionTimestamp)).toEqual([]);
    expect(after.map((p) => p.metadata?.uid).sort()).toEqual(fixture.pods.map((p) => p.metadata?.uid).sort());
  });

  it("stops at the deadline when a PDB never allows an eviction: clear report, node stays cordoned", async () => {
    const node = await dedicatedNode();
    const pool = node.pool;
    const app = `guarded-${uniqueId()}`;
    await createPooledDeployment(admin, ns.name, app, pool, {
      replicas: 1,
      role: "pdb",
      pdb: [{ minAvailable: 1 }],
    });
    const [pod] = await waitForPodsOnNode(admin, ns.name, node.name, 1);
    await waitForBudgets(admin, ns.name);

    const progress: string[] = [];
    const result = await drain(kube, node.name, {
      timeoutMs: 3_000,
      evictionRetryDelayMs: 300,
      onProgress: (line) => progress.push(line),
    });
    const key = `${ns.name}/${pod?.metadata?.name}`;
    expect(result.ok).toBe(false);
    expect(result.changed).toBe(true);
    expect(result.after?.evicted).toEqual([]);
    expect(result.after?.failed).toEqual([
      { pod: key, reason: expect.stringMatching(/^deadline of 3s reached: eviction refused \(429\)/) },
    ]);
    expect(result.message).toMatch(/deadline of 3s reached while draining node .*the node stays cordoned/);
    expect(result.undo).toMatchObject({ verb: "uncordon" });
    expect(progress).toContain(`waiting for PDB on ${key}: 429, retrying in 300ms`);
    expect((await readNode(node.name)).spec?.unschedulable).toBe(true);
    const still = await admin.core.readNamespacedPod({ namespace: ns.name, name: pod?.metadata?.name ?? "" });
    expect(still.metadata?.uid).toBe(pod?.metadata?.uid);
    expect(still.metadata?.deletionTimestamp).toBeUndefined();

    // a caller's abort signal ends the wait the same way
    const controller = new AbortController();
    const cancelled = await drain(kube, node.name, {
      evictionRetryDelayMs: 300,
      signal: controller.signal,
      onProgress: (line) => {
        if (line.startsWith("waiting for PDB")) controller.abort();
      },
    });
    expect(cancelled.ok).toBe(false);
    expect(cancelled.after?.failed[0]?.reason).toMatch(/^drain cancelled: eviction refused \(429\)/);
    expect(cancelled.undo).toBeUndefined(); // it was cordoned already
  });

  it("fails a pod covered by two PDBs with the API server's reason and evicts the rest", async () => {
    const node = await dedicatedNode();
    const pool = node.pool;
    const doubled = `doubled-${uniqueId()}`;
    const single = `single-${uniqueId()}`;
    await createPooledDeployment(admin, ns.name, doubled, pool, {
      replicas: 1,
      role: "pdb",
      pdb: [{ maxUnavailable: 1 }, { maxUnavailable: 1 }],
    });
    await createPooledDeployment(admin, ns.name, single, pool, { replicas: 1, role: "pdb" });
    const pods = await waitForPodsOnNode(admin, ns.name, node.name, 2);
    // the API server refuses an eviction under two PDBs before it looks at their status: wait only
    // for the single one, whose eviction must be allowed
    await waitForBudgets(admin, ns.name, [single]);
    const doubledPod = pods.find((p) => p.metadata?.labels?.app === doubled);
    const singlePod = pods.find((p) => p.metadata?.labels?.app === single);

    const result = await drain(kube, node.name, {
      timeoutMs: 30_000,
      evictionRetryDelayMs: 300,
      podDeletePollMs: 250,
    });
    expect(result.ok).toBe(false);
    expect(result.after?.failed).toEqual([
      {
        pod: `${ns.name}/${doubledPod?.metadata?.name}`,
        reason: expect.stringMatching(/^eviction refused \(HTTP 500\): .*more than one PodDisruptionBudget/),
      },
    ]);
    expect(result.after?.evicted).toEqual([`${ns.name}/${singlePod?.metadata?.name}`]);
    expect(result.message).toMatch(/only in part.*the node stays cordoned/);
  });

  it("does not wait for pods stuck terminating longer than skipWaitForDeleteTimeoutSeconds", async () => {
    const node = await dedicatedNode();
    // a finalizer keeps the pod terminating, as a NotReady node's kubelet never confirms deletion
    const stuck = `stuck-${uniqueId()}`;
    heldPods.push(stuck);
    await createBarePod(admin, ns.name, stuck, node.name, { finalizers: ["homeostat.test/hold"] });
    await waitForPodsOnNode(admin, ns.name, node.name, 1);

    const result = await drain(kube, node.name, {
      force: true,
      timeoutMs: 60_000,
      skipWaitForDeleteTimeoutSeconds: 1,
      podDeletePollMs: 250,
    });
    expect(result.ok).toBe(true);
    expect(result.after?.evicted).toEqual([`${ns.name}/${stuck}`]);
    expect(result.warnings.join("\n")).toContain("not waiting for it (skip-wait-for-delete-timeout)");

    // a second drain skips it up front: it has been deleting for longer than the threshold
    const again = await drain(kube, node.name, {
      force: true,
      timeoutMs: 30_000,
      skipWaitForDeleteTimeoutSeconds: 1,
    });
    expect(again.ok).toBe(true);
    expect(again.after?.evicted).toEqual([]);
    expect(again.after?.skipped).toEqual([
      { pod: `${ns.name}/${stuck}`, reason: "deleting for more than 1s (skip-wait-for-delete-timeout)" },
    ]);
    expect(again.apiRequests).toBe(2); // get node, list pods (already cordoned, nothing to evict)
  });
});
