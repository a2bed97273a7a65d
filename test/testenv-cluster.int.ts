// Proof that the local cluster is a real one: controllers reconcile, the scheduler binds, PDBs gate
// evictions, and kwok's stages give pods and nodes the lifecycles tests ask for.
import { ApiException, PatchStrategy, setHeaderOptions, type V1Pod } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Kube } from "../packages/core/src/kube/client.ts";
import {
  addNode,
  BEHAVIOUR_LABEL,
  BEHAVIOURS,
  type Behaviour,
  createNamespace,
  removeNode,
  setNodeNotReady,
  type TestNamespace,
  waitFor,
  ZONES,
} from "./env/cluster.ts";
import { adminKube, loadTestEnv, type TestEnv } from "./env/env.ts";

const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

let env: TestEnv;
let kube: Kube;
let ns: TestNamespace;

beforeAll(async () => {
  env = loadTestEnv();
  kube = adminKube(env);
  ns = await createNamespace(kube, "testenv-cluster");
});

afterAll(async () => {
  await ns?.cleanup();
});

function isReady(pod: V1Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
}

async function podsWithLabel(selector: string): Promise<V1Pod[]> {
  return (await kube.core.listNamespacedPod({ namespace: ns.name, labelSelector: selector })).items;
}

function deployment(name: string, replicas: number, podLabels: Record<string, string> = {}) {
  return {
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name, ...podLabels } },
        spec: { containers: [{ name: "app", image: "registry.example/app:1" }] },
      },
    },
  };
}

describe("default nodes", () => {
  it("are Ready kwok nodes that look like EKS managed nodes", async () => {
    expect(env.nodes.length).toBeGreaterThanOrEqual(3);
    const zones = new Set<string>();
    const instanceIds = new Set<string>();
    for (const name of env.nodes) {
      const node = await kube.core.readNode({ name });
      const labels = node.metadata?.labels ?? {};
      expect(node.status?.conditions?.find((c) => c.type === "Ready")?.status).toBe("True");
      expect(labels["node.kubernetes.io/instance-type"]).toBe("m5.large");
      expect(labels["eks.amazonaws.com/nodegroup"]).toBe("ng-default");
      expect(labels["kubernetes.io/os"]).toBe("linux");
      const zone = labels["topology.kubernetes.io/zone"] ?? "";
      expect(ZONES).toContain(zone);
      const providerID = node.spec?.providerID ?? "";
      const match = /^aws:\/\/\/(us-east-1[a-z])\/(i-0[0-9a-f]{16})$/.exec(providerID);
      expect(match, `providerID ${providerID}`).not.toBeNull();
      expect(match?.[1]).toBe(zone);
      expect(node.spec?.taints ?? []).toEqual([]);
      zones.add(zone);
      instanceIds.add(match?.[2] ?? "");
    }
    expect(zones.size).toBe(3);
    expect(instanceIds.size).toBe(env.nodes.length);
  });
});

describe("Deployment", () => {
  it("gets a ReplicaSet and Running, Ready pods; a template change makes revision 2", async () => {
    await kube.apps.createNamespacedDeployment({ namespace: ns.name, body: deployment("web", 3) });
    await waitFor(
      async () => {
        const pods = await podsWithLabel("app=web");
        return pods.length === 3 && pods.every((p) => p.status?.phase === "Running" && isReady(p));
      },
      { what: "3 Running and Ready pods of deployment web" },
    );
    const pods = await podsWithLabel("app=web");
    for (const pod of pods) expect(env.nodes.concat()).toContain(pod.spec?.nodeName);
    const [first] = (
      await kube.apps.listNamespacedReplicaSet({ namespace: ns.name, labelSelector: "app=web" })
    ).items;
    expect(first?.metadata?.annotations?.["deployment.kubernetes.io/revision"]).toBe("1");
    expect(first?.metadata?.ownerReferences?.[0]?.kind).toBe("Deployment");

    await kube.apps.patchNamespacedDeployment(
      {
        name: "web",
        namespace: ns.name,
        body: {
          spec: { template: { spec: { containers: [{ name: "app", image: "registry.example/app:2" }] } } },
        },
      },
      setHeaderOptions("Content-Type", PatchStrategy.StrategicMergePatch),
    );
    const second = await waitFor(
      async () =>
        (
          await kube.apps.listNamespacedReplicaSet({ namespace: ns.name, labelSelector: "app=web" })
        ).items.find((rs) => rs.metadata?.annotations?.["deployment.kubernetes.io/revision"] === "2"),
      { what: "a ReplicaSet with revision 2" },
    );
    expect(second.spec?.template?.spec?.containers[0]?.image).toBe("registry.example/app:2");
    await waitFor(
      async () => {
        const d = await kube.apps.readNamespacedDeployment({ name: "web", namespace: ns.name });
        return (
          d.status?.observedGeneration === d.metadata?.generation &&
          d.status?.updatedReplicas === 3 &&
          d.status?.readyReplicas === 3 &&
          (d.status?.replicas ?? 0) === 3
        );
      },
      { what: "deployment web to finish rolling out revision 2" },
    );
  });

  it("stalls on purpose when the new pods crash loop (ProgressDeadlineExceeded)", async () => {
    const body = deployment("stall", 2);
    await kube.apps.createNamespacedDeployment({
      namespace: ns.name,
      body: {
        ...body,
        spec: {
          ...body.spec,
          progressDeadlineSeconds: 5,
          strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
        },
      },
    });
    await waitFor(
      async () =>
        (await kube.apps.readNamespacedDeployment({ name: "stall", namespace: ns.name })).status
          ?.readyReplicas === 2,
      { what: "deployment stall to be ready before the bad rollout" },
    );
    await kube.apps.patchNamespacedDeployment(
      {
        name: "stall",
        namespace: ns.name,
        body: { spec: { template: { metadata: { labels: { [BEHAVIOUR_LABEL]: BEHAVIOURS.crashloop } } } } },
      },
      mergePatch,
    );
    const stalled = await waitFor(
      async () => {
        const d = await kube.apps.readNamespacedDeployment({ name: "stall", namespace: ns.name });
        const progressing = d.status?.conditions?.find((c) => c.type === "Progressing");
        return progressing?.reason === "ProgressDeadlineExceeded" ? d : undefined;
      },
      { what: "deployment stall to report ProgressDeadlineExceeded", timeoutMs: 90_000 },
    );
    // the old pods keep serving: maxUnavailable 0
    expect(stalled.status?.readyReplicas).toBe(2);
    expect(stalled.status?.updatedReplicas).toBe(1);
  });
});

describe("PodDisruptionBudget", () => {
  it("gets disruptionsAllowed from the disruption controller and makes evictions that violate it fail with 429", async () => {
    await kube.apps.createNamespacedDeployment({ namespace: ns.name, body: deployment("guarded", 2) });
    await kube.policy.createNamespacedPodDisruptionBudget({
      namespace: ns.name,
      body: {
        metadata: { name: "guarded" },
        spec: { minAvailable: 1, selector: { matchLabels: { app: "guarded" } } },
      },
    });
    const pdbSettled = async (allowed: number) =>
      await waitFor(
        async () => {
          const pdb = await kube.policy.readNamespacedPodDisruptionBudget({
            name: "guarded",
            namespace: ns.name,
          });
          return pdb.status?.observedGeneration === pdb.metadata?.generation &&
            pdb.status?.currentHealthy === 2 &&
            pdb.status?.disruptionsAllowed === allowed
            ? pdb
            : undefined;
        },
        { what: `PDB guarded to allow ${allowed} disruption(s) with 2 healthy pods` },
      );
    const computed = await pdbSettled(1);
    expect(computed.status?.expectedPods).toBe(2);

    await kube.policy.patchNamespacedPodDisruptionBudget(
      { name: "guarded", namespace: ns.name, body: { spec: { minAvailable: 2 } } },
      mergePatch,
    );
    await pdbSettled(0);

    const [victim] = await podsWithLabel("app=guarded");
    const name = victim?.metadata?.name ?? "";
    const refused = await kube.core
      .createNamespacedPodEviction({
        name,
        namespace: ns.name,
        body: { apiVersion: "policy/v1", kind: "Eviction", metadata: { name, namespace: ns.name } },
      })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(refused).toBeInstanceOf(ApiException);
    expect((refused as ApiException<unknown>).code).toBe(429);
    // still there
    expect(
      (await kube.core.readNamespacedPod({ name, namespace: ns.name })).metadata?.deletionTimestamp,
    ).toBeFalsy();
  });
});

describe("kwok behaviour stages", () => {
  async function createPod(name: string, behaviour: Behaviour): Promise<void> {
    await kube.core.createNamespacedPod({
      namespace: ns.name,
      body: {
        metadata: { name, labels: { [BEHAVIOUR_LABEL]: behaviour } },
        spec: { restartPolicy: "Always", containers: [{ name: "app", image: "registry.example/app:1" }] },
      },
    });
  }
  const readPod = async (name: string) => await kube.core.readNamespacedPod({ name, namespace: ns.name });

  it("crashloop: Running, waiting in CrashLoopBackOff, restartCount rising, never Ready", async () => {
    await createPod("crasher", BEHAVIOURS.crashloop);
    const first = await waitFor(
      async () => {
        const pod = await readPod("crasher");
        const status = pod.status?.containerStatuses?.[0];
        return pod.status?.phase === "Running" && status?.state?.waiting?.reason === "CrashLoopBackOff"
          ? status.restartCount
          : undefined;
      },
      { what: "pod crasher to be in CrashLoopBackOff" },
    );
    expect(first).toBeGreaterThanOrEqual(1);
    await waitFor(
      async () => ((await readPod("crasher")).status?.containerStatuses?.[0]?.restartCount ?? 0) > first,
      {
        what: `pod crasher's restartCount to rise above ${first}`,
      },
    );
    const pod = await readPod("crasher");
    expect(isReady(pod)).toBe(false);
    expect(pod.status?.containerStatuses?.[0]?.lastState?.terminated?.exitCode).toBe(1);
  });

  it("never-ready: Running with a running container that never becomes Ready", async () => {
    await createPod("sleeper", BEHAVIOURS.neverReady);
    const pod = await waitFor(
      async () => {
        const p = await readPod("sleeper");
        return p.status?.phase === "Running" ? p : undefined;
      },
      { what: "pod sleeper to be Running" },
    );
    expect(pod.status?.containerStatuses?.[0]?.state?.running).toBeDefined();
    expect(pod.status?.containerStatuses?.[0]?.ready).toBe(false);
    expect(pod.status?.conditions?.find((c) => c.type === "Ready")?.status).toBe("False");
    expect(pod.spec?.nodeName).toBeTruthy();
  });

  it("fail: phase Failed with exit code 1", async () => {
    await createPod("failer", BEHAVIOURS.fail);
    const pod = await waitFor(
      async () => {
        const p = await readPod("failer");
        return p.status?.phase === "Failed" ? p : undefined;
      },
      { what: "pod failer to fail" },
    );
    expect(pod.status?.containerStatuses?.[0]?.state?.terminated?.exitCode).toBe(1);
  });

  it("image-pull-backoff: stays Pending with the container waiting in ImagePullBackOff", async () => {
    await createPod("puller", BEHAVIOURS.imagePullBackOff);
    const pod = await waitFor(
      async () => {
        const p = await readPod("puller");
        return p.status?.containerStatuses?.[0]?.state?.waiting?.reason === "ImagePullBackOff"
          ? p
          : undefined;
      },
      { what: "pod puller to be in ImagePullBackOff" },
    );
    expect(pod.status?.phase).toBe("Pending");
    expect(isReady(pod)).toBe(false);
  });

  it("a pod is deleted for real when asked (kwok's pod-delete stage)", async () => {
    await createPod("doomed", BEHAVIOURS.crashloop);
    await kube.core.deleteNamespacedPod({ name: "doomed", namespace: ns.name });
    await waitFor(
      async () =>
        (await podsWithLabel(BEHAVIOUR_LABEL)).every((p) => p.metadata?.name !== "doomed") ? true : undefined,
      { what: "pod doomed to be gone" },
    );
  });
});

describe("node helpers", () => {
  // keeps other tests' pods off these short-lived nodes (the cluster is shared)
  const taints = [{ key: "homeostat.test/dedicated", value: "testenv-cluster", effect: "NoSchedule" }];

  it("add a Ready EKS-like node, make it NotReady and Ready again, and remove it", async () => {
    const node = await addNode(kube, { zone: "us-east-1b", nodegroup: "ng-test", taints });
    try {
      const read = await kube.core.readNode({ name: node.name });
      expect(read.spec?.providerID).toBe(node.providerID);
      expect(read.metadata?.labels?.["eks.amazonaws.com/nodegroup"]).toBe("ng-test");
      await setNodeNotReady(kube, node.name, true);
      await setNodeNotReady(kube, node.name, false);
    } finally {
      await removeNode(kube, node.name);
    }
    await waitFor(
      async () => (await kube.core.listNode()).items.every((n) => n.metadata?.name !== node.name),
      { what: `node ${node.name} to be gone` },
    );
  });

  it("add a node that is NotReady from the start", async () => {
    const node = await addNode(kube, { notReady: true, taints });
    try {
      const read = await kube.core.readNode({ name: node.name });
      expect(read.status?.conditions?.find((c) => c.type === "Ready")?.status).toBe("False");
    } finally {
      await removeNode(kube, node.name);
    }
  });
});
