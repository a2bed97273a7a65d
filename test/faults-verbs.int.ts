// The verbs under API faults, one test per finding of issue 8 fixed on the kube side: a write whose
// answer is lost converges or says the outcome is unknown (7), a rollback retried after a lost answer
// restores its template once and its revision numbers stay usable (9), a drain's deadline ends the
// requests in flight (5), a cordon lost inside a drain and an uncordon that fails are reported as they
// are (6). Everything runs through the HTTP fault proxy (test/env/fault-proxy.ts) as the automation
// identity; the cluster is read directly as the admin.
import type { V1Deployment } from "@kubernetes/client-node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { KubeVerbError } from "../packages/core/src/domain/errors.ts";
import type { Kube } from "../packages/core/src/kube/client.ts";
import { cordon } from "../packages/core/src/kube/cordon.ts";
import { drain } from "../packages/core/src/kube/drain.ts";
import { strategicMergePatch } from "../packages/core/src/kube/result.ts";
import { rollback } from "../packages/core/src/kube/rollback.ts";
import { scale } from "../packages/core/src/kube/scale.ts";
import {
  createNamespace,
  createPauseDeployment,
  removeNode,
  type TestNamespace,
  waitFor,
} from "./env/cluster.ts";
import { adminKube, loadTestEnv, type TestEnv } from "./env/env.ts";
import { type FaultProxy, startFaultProxy } from "./env/fault-proxy.ts";
import { automationKube } from "./env/identity.ts";
import {
  addDedicatedNode,
  createPooledDeployment,
  uniqueId,
  waitForPodsOnNode,
} from "./env/node-fixtures.ts";
import { applyAutomationRbac } from "./env/rbac.ts";

let env: TestEnv;
let admin: Kube;
let ns: TestNamespace;
let proxy: FaultProxy;
let viaProxy: Kube;
const nodes: string[] = [];

beforeAll(async () => {
  env = loadTestEnv();
  admin = adminKube(env);
  await applyAutomationRbac(admin);
  ns = await createNamespace(admin, "faults-verbs");
  proxy = await startFaultProxy({ upstream: env.server, caFile: env.caFile, seed: 9 });
  viaProxy = await automationKube(proxy.through(env));
});

afterEach(() => proxy.clear());

afterAll(async () => {
  await proxy?.close();
  for (const name of nodes) await removeNode(admin, name).catch(() => undefined);
  await ns?.cleanup();
});

const deployment = (name: string) => ({ kind: "Deployment", namespace: ns.name, name }) as const;
const read = (name: string) => admin.apps.readNamespacedDeployment({ namespace: ns.name, name });

async function observed(name: string, revision: number): Promise<V1Deployment> {
  return waitFor(
    async () => {
      const d = await read(name);
      return d.metadata?.annotations?.["deployment.kubernetes.io/revision"] === String(revision) &&
        (d.status?.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0)
        ? d
        : undefined;
    },
    { what: `deployment ${name} at revision ${revision}` },
  );
}

/** A Deployment at revision `images.length`, one revision per image. */
async function withHistory(name: string, images: string[]): Promise<void> {
  const [first, ...rest] = images;
  await createPauseDeployment(admin, ns.name, name, 1, {
    template: {
      metadata: { labels: { app: name } },
      spec: { containers: [{ name: "app", image: first ?? "" }], terminationGracePeriodSeconds: 0 },
    },
  });
  await observed(name, 1);
  for (const [index, image] of rest.entries()) {
    await admin.apps.patchNamespacedDeployment(
      {
        name,
        namespace: ns.name,
        body: { spec: { template: { spec: { containers: [{ name: "app", image }] } } } },
      },
      strategicMergePatch(),
    );
    await observed(name, index + 2);
  }
}

const image = async (name: string) => (await read(name)).spec?.template.spec?.containers[0]?.image;

describe("a write whose answer is lost (finding 7)", () => {
  it("an absolute scale is read back: in place is a success that says the answer was lost", async () => {
    await createPauseDeployment(admin, ns.name, "abs", 1);
    proxy.setRules([
      { name: "lost", methods: ["PUT"], path: /\/deployments\/abs\/scale$/, action: "after", reply: "reset" },
    ]);
    const result = await scale(viaProxy, deployment("abs"), { change: "4" });
    expect(result).toMatchObject({ ok: true, changed: true, after: { replicas: 4 } });
    expect(result.message).toBe(
      `scaled deployment ${ns.name}/abs from 1 to 4 replicas (4) (the answer was lost; the change is in place)`,
    );
    expect(proxy.stats().injected).toEqual([
      expect.objectContaining({ reply: "reset", upstreamStatus: 200 }),
    ]);
  });

  it("a write that did not land is sent again, once it is read back without the change", async () => {
    await createPauseDeployment(admin, ns.name, "again", 1);
    proxy.setRules([
      {
        name: "503",
        methods: ["PUT"],
        path: /\/deployments\/again\/scale$/,
        action: "before",
        reply: 503,
        times: 1,
      },
    ]);
    const result = await scale(viaProxy, deployment("again"), { change: "+1" });
    expect(result).toMatchObject({ ok: true, changed: true, after: { replicas: 2 } });
    expect(
      (await admin.apps.readNamespacedDeploymentScale({ namespace: ns.name, name: "again" })).spec?.replicas,
    ).toBe(2);
  });

  it("when the object cannot be read back either, the outcome is unknown: its state and the command safe to run again, never 'check the kubeconfig'", async () => {
    await createPauseDeployment(admin, ns.name, "unknown", 2);
    const path = /\/deployments\/unknown\/scale$/;
    proxy.setRules([
      { name: "lost", methods: ["PUT"], path, action: "after", reply: 504 },
      { name: "no read back", methods: ["GET"], path, action: "before", reply: "reset", skip: 1 },
    ]);
    const error = await scale(viaProxy, deployment("unknown"), { change: "+3" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubeVerbError);
    expect(error).toMatchObject({ code: "unavailable", outcomeUnknown: true });
    const message = (error as Error).message;
    expect(message).toMatch(
      new RegExp(
        `^the answer to scaling deployment ${ns.name}/unknown from 2 to 5 replicas was lost \\(HTTP 504\\) and reading deployment ${ns.name}/unknown back failed \\(.+\\): whether the change is in place is unknown; safe to run again: homeostat scale ${ns.name}/unknown \\+3 --current-replicas 2$`,
      ),
    );
    expect(message).not.toMatch(/check the kubeconfig/);
    // running the printed command again ends at 5 whatever happened: nothing to do if the lost write
    // landed (its answer was 200 upstream), +3 once if it did not (a 409: the controller moved on)
    const landed = proxy.stats().injected[0]?.upstreamStatus === 200;
    proxy.clear();
    const again = await scale(viaProxy, deployment("unknown"), { change: "+3", currentReplicas: 2 });
    expect(again).toMatchObject({ ok: true, changed: !landed, after: { replicas: 5 } });
  });

  it("a cordon is read back: the node is cordoned and the result says the answer was lost", async () => {
    const node = await addDedicatedNode(admin, `fv-${uniqueId()}`);
    nodes.push(node.name);
    proxy.setRules([
      {
        name: "lost",
        methods: ["PATCH"],
        path: new RegExp(`/nodes/${node.name}$`),
        action: "after",
        reply: 504,
      },
    ]);
    const result = await cordon(viaProxy, node.name);
    expect(result).toMatchObject({ ok: true, changed: true, after: { unschedulable: true } });
    expect(result.message).toBe(`node ${node.name} cordoned (the answer was lost; the change is in place)`);
    expect(result.undo).toMatchObject({ verb: "uncordon" });
  });
});

describe("throttling (finding 8)", () => {
  it("a write throttled nine times in a row is sent a tenth time, as client-go does, and applied once", async () => {
    await createPauseDeployment(admin, ns.name, "throttled", 1);
    proxy.setRules([
      {
        name: "APF 429",
        methods: ["PUT"],
        path: /\/deployments\/throttled\/scale$/,
        action: "before",
        reply: 429,
        retryAfterSeconds: 0,
        times: 9,
      },
    ]);
    const result = await scale(viaProxy, deployment("throttled"), { change: "+1" });
    expect(result).toMatchObject({ ok: true, changed: true, after: { replicas: 2 } });
    expect(proxy.stats().injected).toHaveLength(9);
    expect(
      (await admin.apps.readNamespacedDeploymentScale({ namespace: ns.name, name: "throttled" })).spec
        ?.replicas,
    ).toBe(2);
  });
});

describe("a rollback whose answer is lost (finding 9)", () => {
  it("restores the template once, and --to-revision N stays valid after the controller renumbered N", async () => {
    await withHistory("rb", ["example.com/app:1", "example.com/app:2-bad"]);
    proxy.setRules([
      { name: "lost", methods: ["PATCH"], path: /\/deployments\/rb$/, action: "after", reply: 504, times: 1 },
    ]);
    const result = await rollback(viaProxy, deployment("rb"));
    expect(result).toMatchObject({ ok: true, changed: true });
    expect(result.message).toBe(
      `rolled back deployment ${ns.name}/rb to revision 1 (the answer was lost; the change is in place)`,
    );
    expect(result.undo).toMatchObject({ params: { toRevision: 2 } });
    // the controller made the restored ReplicaSet revision 3, keeping 1 in its revision-history
    await observed("rb", 3);
    expect(await image("rb")).toBe("example.com/app:1");

    // the command the person would run again: revision 1 is found by its old number, nothing to do
    const again = await rollback(viaProxy, deployment("rb"), { toRevision: 1 });
    expect(again).toMatchObject({ ok: true, changed: false });
    expect(again.message).toBe("skipped rollback (current template already matches revision 1 (now 3))");
    expect((await read("rb")).metadata?.generation).toBe(3);

    // the printed undo (to revision 2) works, and works again once 2 was renumbered too
    const undo = await rollback(viaProxy, deployment("rb"), { toRevision: 2 });
    expect(undo).toMatchObject({ ok: true, changed: true });
    await observed("rb", 4);
    const undoAgain = await rollback(viaProxy, deployment("rb"), { toRevision: 2 });
    expect(undoAgain.message).toBe("skipped rollback (current template already matches revision 2 (now 4))");
    expect(await image("rb")).toBe("example.com/app:2-bad");
  });
});

describe("drains under faults", () => {
  async function nodeWithPods(count: number): Promise<string> {
    const pool = `fv-${uniqueId()}`;
    const node = await addDedicatedNode(admin, pool);
    nodes.push(node.name);
    await createPooledDeployment(admin, ns.name, `app-${pool}`, pool, { replicas: count, role: "pdb" });
    await waitForPodsOnNode(admin, ns.name, node.name, count);
    return node.name;
  }
  const unschedulable = async (node: string) =>
    (await admin.core.readNode({ name: node })).spec?.unschedulable === true;

  it("--timeout ends the requests in flight: a hanging eviction is given up at the deadline, and the report says it was in flight (finding 5)", async () => {
    const node = await nodeWithPods(1);
    proxy.setRules([{ name: "hang", methods: ["POST"], path: /\/eviction$/, action: "hang" }]);
    const result = await drain(viaProxy, node, { timeoutMs: 4000 });
    expect(result).toMatchObject({ ok: false, changed: true, after: { unschedulable: true, evicted: [] } });
    expect(result.message).toMatch(
      /^deadline of 4s reached while draining node .* \(0 evicted, 0 skipped, 1 failed\); the node stays cordoned; left: .* \(an eviction request was in flight \(whether it landed is unknown\)\)$/,
    );
    // returning at all is the proof that the request in flight was ended: the proxy never answers it,
    // and undici alone would have waited 300 s for its headers (longer than this test may take)
  });

  it("a cordon whose answer is lost is read back and the drain goes on (finding 6)", async () => {
    const node = await nodeWithPods(1);
    proxy.setRules([
      {
        name: "lost cordon",
        methods: ["PATCH"],
        path: new RegExp(`/nodes/${node}$`),
        action: "after",
        reply: 504,
        times: 1,
      },
    ]);
    const progress: string[] = [];
    const result = await drain(viaProxy, node, { onProgress: (line) => progress.push(line) });
    expect(result).toMatchObject({ ok: true, changed: true, after: { unschedulable: true } });
    expect(result.after?.evicted).toHaveLength(1);
    expect(result.undo).toMatchObject({ verb: "uncordon" });
    expect(progress[0]).toBe(`node ${node} cordoned (the answer was lost; the node is cordoned)`);
  });

  it("when the pod list and then the uncordon fail, it says the node stays cordoned and how to put it back (finding 6)", async () => {
    const node = await nodeWithPods(1);
    proxy.setRules([
      { name: "no pod list", methods: ["GET"], path: /\/api\/v1\/pods$/, action: "before", reply: 503 },
      // the cordon goes through, the uncordon and its read backs do not
      {
        name: "no uncordon",
        methods: ["PATCH"],
        path: new RegExp(`/nodes/${node}$`),
        action: "before",
        reply: 503,
        skip: 1,
      },
      {
        name: "no node read",
        methods: ["GET"],
        path: new RegExp(`/nodes/${node}$`),
        action: "before",
        reply: 503,
        skip: 1,
      },
    ]);
    const progress: string[] = [];
    const result = await drain(viaProxy, node, { onProgress: (line) => progress.push(line) });
    expect(await unschedulable(node)).toBe(true);
    expect(result).toMatchObject({
      ok: false,
      changed: true,
      retryable: true,
      after: { unschedulable: true },
    });
    expect(result.message).toMatch(
      new RegExp(
        `^cannot drain node ${node}: .*HTTP 503.*; nothing was evicted, and the node stays cordoned: uncordoning it again failed \\(.+\\); to put it back: homeostat uncordon ${node}$`,
      ),
    );
    expect(result.undo).toMatchObject({ verb: "uncordon", target: { name: node } });
    expect(progress.some((line) => line.includes("uncordoned again"))).toBe(false);
  });
});
