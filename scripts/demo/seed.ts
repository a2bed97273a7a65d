// The demo's cluster objects: an online shop (`shop`) and its staging copy (`staging`) on three
// EKS-looking kwok nodes of their own (one of them Spot), Deployments of pause containers with
// PodDisruptionBudgets. Seeding starts from scratch: what an earlier run left is deleted first.
import { ApiException, type V1Deployment } from "@kubernetes/client-node";
import type { Kube } from "../../packages/core/src/kube/client.ts";
import { type AddedNode, addNode, waitFor } from "../../test/env/cluster.ts";

/** Marks the demo's nodes (and their pods' node selector), so a reset finds exactly them. */
export const DEMO_POOL_LABEL = "homeostat.demo/pool";
const DEMO_POOL = "shop";
/** Only the demo's pods tolerate it: other pods on the shared test cluster stay off its nodes. */
const DEMO_TAINT = { key: "homeostat.demo/dedicated", value: "shop", effect: "NoSchedule" } as const;

export const SHOP = "shop";
export const STAGING = "staging";

/** The shop's services and their replicas; staging runs a smaller copy. */
export const SHOP_SERVICES = { frontend: 3, checkout: 2, cart: 2 } as const;
export const STAGING_SERVICES = { frontend: 2, checkout: 1 } as const;

/** How long the demo waits for the cluster: generous, since the machine may be busy. */
export const DEMO_WAIT_MS = 180_000;

export interface DemoNodes {
  spot: AddedNode;
  onDemand: AddedNode[];
}

function isNotFound(error: unknown): boolean {
  return error instanceof ApiException && error.code === 404;
}

async function deleteNamespaceAndWait(admin: Kube, name: string): Promise<void> {
  try {
    await admin.core.deleteNamespace({ name, propagationPolicy: "Background" });
  } catch (error) {
    if (isNotFound(error)) return;
    throw error;
  }
  await waitFor(
    async () => {
      try {
        await admin.core.readNamespace({ name });
        return false;
      } catch (error) {
        if (isNotFound(error)) return true;
        throw error;
      }
    },
    { what: `namespace ${name} from an earlier demo to be deleted`, timeoutMs: DEMO_WAIT_MS },
  );
}

/** Deletes what an earlier demo left: its namespaces and its nodes. */
export async function resetDemo(admin: Kube): Promise<void> {
  await Promise.all([deleteNamespaceAndWait(admin, SHOP), deleteNamespaceAndWait(admin, STAGING)]);
  const nodes = await admin.core.listNode({ labelSelector: DEMO_POOL_LABEL });
  await Promise.all(
    nodes.items.map((node) => admin.core.deleteNode({ name: node.metadata?.name ?? "" }).catch(() => {})),
  );
}

async function createNamespace(admin: Kube, name: string): Promise<void> {
  await admin.core.createNamespace({
    body: { metadata: { name, labels: { "homeostat.demo/app": "shop" } } },
  });
  // pods are refused until the controller manager has made the namespace's default service account
  await waitFor(
    async () =>
      (await admin.core.readNamespacedServiceAccount({ name: "default", namespace: name })) !== undefined,
    { what: `the default service account of namespace ${name}`, timeoutMs: DEMO_WAIT_MS },
  );
}

function deployment(name: string, replicas: number): V1Deployment {
  return {
    metadata: { name, annotations: { "kubernetes.io/change-cause": `${name} v1` } },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      // a stalled rollout is seen within the demo's minutes, not the controller's default 10
      progressDeadlineSeconds: 120,
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [{ name: name, image: "registry.k8s.io/pause:3.10" }],
          nodeSelector: { [DEMO_POOL_LABEL]: DEMO_POOL },
          tolerations: [{ ...DEMO_TAINT, operator: "Equal" }],
          terminationGracePeriodSeconds: 0,
        },
      },
    },
  };
}

async function createService(admin: Kube, namespace: string, name: string, replicas: number): Promise<void> {
  await admin.apps.createNamespacedDeployment({ namespace, body: deployment(name, replicas) });
  await admin.policy.createNamespacedPodDisruptionBudget({
    namespace,
    body: { metadata: { name }, spec: { selector: { matchLabels: { app: name } }, maxUnavailable: 1 } },
  });
}

/** Every Deployment of the namespace rolled out: updated, available, and nothing old left. */
export async function waitForRolledOut(admin: Kube, namespace: string, what: string): Promise<void> {
  await waitFor(
    async () => {
      const list = await admin.apps.listNamespacedDeployment({ namespace });
      return list.items.every((item) => {
        const want = item.spec?.replicas ?? 1;
        const status = item.status ?? {};
        return (
          (status.observedGeneration ?? 0) >= (item.metadata?.generation ?? 0) &&
          (status.updatedReplicas ?? 0) === want &&
          (status.availableReplicas ?? 0) === want &&
          (status.replicas ?? 0) === want
        );
      });
    },
    { what, timeoutMs: DEMO_WAIT_MS },
  );
}

/** Seeds the demo from scratch and waits until every Deployment runs. */
export async function seedDemo(admin: Kube): Promise<DemoNodes> {
  await resetDemo(admin);
  const node = (zone: "us-east-1a" | "us-east-1b" | "us-east-1c", spot: boolean) =>
    addNode(admin, {
      zone,
      nodegroup: spot ? "shop-spot" : "shop-on-demand",
      instanceType: spot ? "m5.xlarge" : "m5.large",
      labels: { [DEMO_POOL_LABEL]: DEMO_POOL, "eks.amazonaws.com/capacityType": spot ? "SPOT" : "ON_DEMAND" },
      taints: [DEMO_TAINT],
      timeoutMs: DEMO_WAIT_MS,
    });
  const [spot, a, b] = await Promise.all([
    node("us-east-1a", true),
    node("us-east-1b", false),
    node("us-east-1c", false),
  ]);
  await Promise.all([createNamespace(admin, SHOP), createNamespace(admin, STAGING)]);
  for (const [name, replicas] of Object.entries(SHOP_SERVICES))
    await createService(admin, SHOP, name, replicas);
  for (const [name, replicas] of Object.entries(STAGING_SERVICES)) {
    await createService(admin, STAGING, name, replicas);
  }
  await waitForRolledOut(admin, SHOP, "the shop's Deployments to run");
  await waitForRolledOut(admin, STAGING, "staging's Deployments to run");
  return { spot, onDemand: [a, b] };
}
