// Fixtures for the node verbs' tests and benchmark: dedicated kwok nodes (tainted, so other tests'
// pods never land on them) and the pod set kubectl's drain filters care about, pinned to one node.
import { randomBytes } from "node:crypto";
import type { V1Container, V1Pod, V1PodSpec, V1Toleration } from "@kubernetes/client-node";
import type { Kube } from "../../packages/core/src/kube/client.ts";
import { jsonPatch } from "../../packages/core/src/kube/result.ts";
import { type AddedNode, addNode, BEHAVIOUR_LABEL, BEHAVIOURS, waitFor } from "./cluster.ts";

export const DEDICATED_TAINT = "homeostat.test/dedicated";
/** Pods of a fixture schedule onto nodes carrying this label (the node itself, later a spare). */
export const POOL_LABEL = "homeostat.test/pool";
/** The DaemonSet of a fixture runs on nodes carrying this label. */
export const TWIN_LABEL = "homeostat.test/twin";
/** Every fixture pod says what it is for, so tests compare twins by role rather than by name. */
export const ROLE_LABEL = "homeostat.test/role";

export type Role = "daemonset" | "bare" | "completed" | "emptydir" | "pdb";

export function uniqueId(): string {
  return randomBytes(4).toString("hex");
}

const CONTAINER: V1Container = { name: "app", image: "registry.k8s.io/pause:3.10" };

export function tolerateDedicated(): V1Toleration[] {
  return [{ key: DEDICATED_TAINT, operator: "Exists", effect: "NoSchedule" }];
}

/** A kwok node only our pods tolerate, in pool `pool`. */
export function addDedicatedNode(
  admin: Kube,
  pool: string,
  labels: Record<string, string> = {},
  extra: { instanceId?: string } = {},
): Promise<AddedNode> {
  return addNode(admin, {
    labels: { [POOL_LABEL]: pool, ...labels },
    taints: [{ key: DEDICATED_TAINT, value: pool, effect: "NoSchedule" }],
    ...extra,
  });
}

function podSpec(extra: Partial<V1PodSpec>): V1PodSpec {
  return {
    containers: [CONTAINER],
    tolerations: tolerateDedicated(),
    terminationGracePeriodSeconds: 0,
    ...extra,
  };
}

/** A pod with no controller, bound to `node` directly. */
export async function createBarePod(
  admin: Kube,
  namespace: string,
  name: string,
  node: string,
  options: {
    role?: Role;
    labels?: Record<string, string>;
    finalizers?: string[];
    spec?: Partial<V1PodSpec>;
  } = {},
): Promise<V1Pod> {
  return admin.core.createNamespacedPod({
    namespace,
    body: {
      metadata: {
        name,
        labels: { [ROLE_LABEL]: options.role ?? "bare", ...options.labels },
        ...(options.finalizers ? { finalizers: options.finalizers } : {}),
      },
      spec: podSpec({ nodeName: node, ...options.spec }),
    },
  });
}

/** A Deployment whose pods schedule into `pool`; with `pdb`, a PodDisruptionBudget over them. */
export async function createPooledDeployment(
  admin: Kube,
  namespace: string,
  name: string,
  pool: string,
  options: {
    replicas: number;
    role: Role;
    emptyDir?: boolean;
    pdb?: { maxUnavailable?: number; minAvailable?: number }[];
  },
): Promise<void> {
  const labels = { app: name, [ROLE_LABEL]: options.role };
  await admin.apps.createNamespacedDeployment({
    namespace,
    body: {
      metadata: { name },
      spec: {
        replicas: options.replicas,
        selector: { matchLabels: { app: name } },
        template: {
          metadata: { labels },
          spec: podSpec({
            nodeSelector: { [POOL_LABEL]: pool },
            ...(options.emptyDir ? { volumes: [{ name: "scratch", emptyDir: {} }] } : {}),
          }),
        },
      },
    },
  });
  let index = 0;
  for (const budget of options.pdb ?? []) {
    await admin.policy.createNamespacedPodDisruptionBudget({
      namespace,
      body: {
        metadata: { name: index === 0 ? name : `${name}-${index}` },
        spec: { selector: { matchLabels: { app: name } }, ...budget },
      },
    });
    index++;
  }
}

/**
 * Waits until the PDBs in the namespace (or only those named) have been observed by the disruption
 * controller, their healthy pods counted. A pod under two PDBs gets only one of them re-synced when it
 * becomes ready (the controller picks one), so such PDBs may never count it: leave them out.
 */
export async function waitForBudgets(admin: Kube, namespace: string, only?: string[]): Promise<void> {
  await waitFor(
    async () => {
      const list = await admin.policy.listNamespacedPodDisruptionBudget({ namespace });
      const budgets = only ? list.items.filter((pdb) => only.includes(pdb.metadata?.name ?? "")) : list.items;
      return budgets.every(
        (pdb) =>
          pdb.status?.observedGeneration !== undefined &&
          pdb.status.observedGeneration >= (pdb.metadata?.generation ?? 0) &&
          pdb.status.currentHealthy === pdb.status.expectedPods,
      );
    },
    { what: `the PodDisruptionBudgets in ${namespace} to be observed`, timeoutMs: 60_000 },
  );
}

export async function podsOnNode(admin: Kube, namespace: string, node: string): Promise<V1Pod[]> {
  const list = await admin.core.listNamespacedPod({ namespace, fieldSelector: `spec.nodeName=${node}` });
  return list.items;
}

function isReady(pod: V1Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") === true;
}

/** Waits until `node` carries `count` pods of the namespace, each Ready or finished. */
export async function waitForPodsOnNode(
  admin: Kube,
  namespace: string,
  node: string,
  count: number,
): Promise<V1Pod[]> {
  return waitFor(
    async () => {
      const pods = (await podsOnNode(admin, namespace, node)).filter(
        (pod) => !pod.metadata?.deletionTimestamp,
      );
      const settled = pods.filter(
        (pod) => isReady(pod) || pod.status?.phase === "Failed" || pod.status?.phase === "Succeeded",
      );
      return pods.length === count && settled.length === count ? pods : undefined;
    },
    { what: `${count} settled pods of ${namespace} on node ${node}`, timeoutMs: 60_000 },
  );
}

export interface DrainFixture {
  node: AddedNode;
  pool: string;
  /** The pods of every role the drain filters distinguish, as they were before the drain. */
  pods: V1Pod[];
}

/**
 * One node carrying a DaemonSet pod, a bare pod, an emptyDir pod (Deployment), a completed bare pod
 * and two PDB-protected replicas (maxUnavailable 1). The DaemonSet (shared by the twins of `twinId`)
 * must exist already: see {@link createTwinDaemonSet}. With `withSpare`, a second node joins the pool
 * afterwards, so the evicted replicas have somewhere to go (the drained node is cordoned).
 */
export async function createDrainFixture(
  admin: Kube,
  namespace: string,
  twinId: string,
  side: string,
  options: { withSpare?: boolean; pdbReplicas?: number } = {},
): Promise<DrainFixture> {
  const pool = `${twinId}-${side}`;
  const node = await addDedicatedNode(admin, pool, { [TWIN_LABEL]: twinId });
  const pdbReplicas = options.pdbReplicas ?? 2;
  await createBarePod(admin, namespace, `bare-${side}`, node.name, { role: "bare" });
  await createBarePod(admin, namespace, `completed-${side}`, node.name, {
    role: "completed",
    labels: { [BEHAVIOUR_LABEL]: BEHAVIOURS.fail },
    spec: { restartPolicy: "Never" },
  });
  await createPooledDeployment(admin, namespace, `emptydir-${side}`, pool, {
    replicas: 1,
    role: "emptydir",
    emptyDir: true,
  });
  await createPooledDeployment(admin, namespace, `pdb-${side}`, pool, {
    replicas: pdbReplicas,
    role: "pdb",
    pdb: [{ maxUnavailable: 1 }],
  });
  // bare, completed, emptydir, the DaemonSet's pod and the PDB replicas
  const pods = await waitForPodsOnNode(admin, namespace, node.name, 4 + pdbReplicas);
  await waitForBudgets(admin, namespace);
  if (options.withSpare) await addDedicatedNode(admin, pool);
  return { node, pool, pods };
}

/** A DaemonSet that runs one pod on every node labelled with the twin id (not on the spares). */
export async function createTwinDaemonSet(admin: Kube, namespace: string, twinId: string): Promise<void> {
  const labels = { app: `ds-${twinId}`, [ROLE_LABEL]: "daemonset" };
  await admin.apps.createNamespacedDaemonSet({
    namespace,
    body: {
      metadata: { name: `ds-${twinId}` },
      spec: {
        selector: { matchLabels: { app: `ds-${twinId}` } },
        template: { metadata: { labels }, spec: podSpec({ nodeSelector: { [TWIN_LABEL]: twinId } }) },
      },
    },
  });
}

/** Roles of the pods of the namespace on a node (sorted), ignoring pods on their way out. */
export async function rolesOnNode(admin: Kube, namespace: string, node: string): Promise<string[]> {
  return (await podsOnNode(admin, namespace, node))
    .filter((pod) => !pod.metadata?.deletionTimestamp)
    .map((pod) => pod.metadata?.labels?.[ROLE_LABEL] ?? "?")
    .sort();
}

/** Removes a finalizer a test put on a pod, so the namespace can go. */
export async function clearFinalizers(admin: Kube, namespace: string, name: string): Promise<void> {
  try {
    await admin.core.patchNamespacedPod(
      { namespace, name, body: [{ op: "remove", path: "/metadata/finalizers" }] },
      jsonPatch(),
    );
  } catch {
    // already gone
  }
}
