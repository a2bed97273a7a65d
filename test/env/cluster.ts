// Helpers for integration tests on the local cluster: EKS-like kwok nodes, throwaway namespaces,
// a polling wait, and the names that select kwok's misbehaviour stages (test/env/kwok/).
import { randomBytes, randomInt } from "node:crypto";
import {
  ApiException,
  PatchStrategy,
  setHeaderOptions,
  type V1DeploymentSpec,
  type V1Node,
  type V1Taint,
} from "@kubernetes/client-node";
import type { Kube } from "../../packages/core/src/kube/client.ts";
import { KWOK_NODE_ANNOTATION } from "./controlplane.ts";

/** Pod label that picks a lifecycle from test/env/kwok/homeostat-behaviours.yaml. */
export const BEHAVIOUR_LABEL = "homeostat.test/behaviour";
export const BEHAVIOURS = {
  /** Running; container waiting in CrashLoopBackOff; restartCount rises every few seconds; never Ready */
  crashloop: "crashloop",
  /** Running; container running but never Ready (a failing readiness probe) */
  neverReady: "never-ready",
  /** phase Failed, container terminated with exit code 1 (for bare pods and Jobs) */
  fail: "fail",
  /** stays Pending; container waiting in ImagePullBackOff */
  imagePullBackOff: "image-pull-backoff",
} as const;
export type Behaviour = (typeof BEHAVIOURS)[keyof typeof BEHAVIOURS];

/** Node label that makes kwok report the node Ready=False while it is present. */
export const NODE_BEHAVIOUR_LABEL = "homeostat.test/node-behaviour";
export const NODE_NOT_READY = "not-ready";

export const REGION = "us-east-1";
export const ZONES = ["us-east-1a", "us-east-1b", "us-east-1c"] as const;
export type Zone = (typeof ZONES)[number];
export const DEFAULT_NODEGROUP = "ng-default";
export const DEFAULT_INSTANCE_TYPE = "m5.large";

// ---------------------------------------------------------------------------------------------
// waiting

export interface WaitForOptions {
  readonly timeoutMs?: number;
  readonly intervalMs?: number;
  /** what is awaited, for the timeout message: "deployment web to have 3 ready replicas" */
  readonly what: string;
}

/**
 * Polls `probe` until it returns something other than undefined/false/null and returns that.
 * Errors thrown by the probe count as "not yet" (the last one is reported on timeout).
 */
export async function waitFor<T>(
  probe: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  options: WaitForOptions,
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const intervalMs = options.intervalMs ?? 250;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== null && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const detail =
        lastError === undefined
          ? ""
          : ` (last error: ${lastError instanceof Error ? lastError.message : String(lastError)})`;
      throw new Error(
        `timed out after ${Math.round(timeoutMs / 1000)}s waiting for ${options.what}${detail}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

function isNotFound(error: unknown): boolean {
  return error instanceof ApiException && error.code === 404;
}

// ---------------------------------------------------------------------------------------------
// namespaces

export interface TestNamespace {
  readonly name: string;
  /** Deletes the namespace (and everything in it); safe to call twice. */
  cleanup(): Promise<void>;
}

/** A namespace with a unique name (`<prefix>-<random>`), so tests sharing the cluster never collide. */
export async function createNamespace(kube: Kube, prefix: string): Promise<TestNamespace> {
  const name = `${prefix
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, "-")
    .slice(0, 50)}-${randomBytes(3).toString("hex")}`;
  await kube.core.createNamespace({
    body: { metadata: { name, labels: { "homeostat.test/namespace": "true" } } },
  });
  // pods are refused until the controller manager has created the namespace's default service account
  await waitFor(
    async () =>
      (await kube.core.readNamespacedServiceAccount({ name: "default", namespace: name })) !== undefined,
    {
      what: `service account default in namespace ${name} (is kube-controller-manager running?)`,
      timeoutMs: 30_000,
    },
  );
  return {
    name,
    cleanup: async () => {
      try {
        await kube.core.deleteNamespace({ name, propagationPolicy: "Background" });
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------
// nodes

export interface AddNodeOptions {
  readonly zone?: Zone;
  /** EC2 instance id `i-0` + 16 hex digits; random when omitted */
  readonly instanceId?: string;
  readonly nodegroup?: string;
  readonly instanceType?: string;
  /** node name; EKS-style `ip-10-x-y-z.ec2.internal` when omitted (a fresh one if that name is taken) */
  readonly name?: string;
  /** the node's providerID; `aws:///<zone>/<instanceId>` when omitted (set it for ids eksNode refuses) */
  readonly providerID?: string;
  /** report Ready=False (kwok stage); remove with setNodeNotReady(kube, name, false) */
  readonly notReady?: boolean;
  readonly unschedulable?: boolean;
  readonly labels?: Readonly<Record<string, string>>;
  readonly taints?: V1Taint[];
  /** wait until the node reports the readiness asked for (default true) */
  readonly wait?: boolean;
  readonly timeoutMs?: number;
}

export interface AddedNode {
  readonly name: string;
  readonly instanceId: string;
  readonly providerID: string;
  readonly zone: Zone;
  readonly internalIP: string;
}

export function randomInstanceId(): string {
  return `i-0${randomBytes(8).toString("hex")}`;
}

/** The V1Node an EKS managed node group would register, for kwok to manage. Pure; exported for tests. */
export function eksNode(options: AddNodeOptions = {}): { node: V1Node; added: AddedNode } {
  const zone: Zone = options.zone ?? ZONES[randomInt(ZONES.length)] ?? "us-east-1a";
  const instanceId = options.instanceId ?? randomInstanceId();
  if (!/^i-0[0-9a-f]{16}$/.test(instanceId)) {
    throw new Error(`instanceId ${instanceId} is not an EC2 instance id (i-0 followed by 16 hex digits)`);
  }
  const subnet = ZONES.indexOf(zone);
  // a 10.0.0.0/8 VPC with one /10 per zone: four million addresses each, so the few hundred nodes the
  // test files register side by side rarely draw the same name (a /19 per zone, eksctl's layout, made
  // collisions likely enough to fail a CI run); addNode draws again on the rare collision
  const internalIP = `10.${subnet * 64 + randomInt(64)}.${randomInt(256)}.${randomInt(2, 255)}`;
  const name = options.name ?? `ip-${internalIP.replaceAll(".", "-")}.ec2.internal`;
  const providerID = options.providerID ?? `aws:///${zone}/${instanceId}`;
  const labels: Record<string, string> = {
    "kubernetes.io/hostname": name,
    "kubernetes.io/os": "linux",
    "kubernetes.io/arch": "amd64",
    "topology.kubernetes.io/region": REGION,
    "topology.kubernetes.io/zone": zone,
    "node.kubernetes.io/instance-type": options.instanceType ?? DEFAULT_INSTANCE_TYPE,
    "eks.amazonaws.com/nodegroup": options.nodegroup ?? DEFAULT_NODEGROUP,
    "eks.amazonaws.com/capacityType": "ON_DEMAND",
    type: "kwok",
    ...(options.notReady ? { [NODE_BEHAVIOUR_LABEL]: NODE_NOT_READY } : {}),
    ...options.labels,
  };
  // m5.large-like cpu and memory; pods raised from EKS's 29 so test suites are not capacity-bound
  const resources = { cpu: "2", memory: "7901Mi", pods: "110", "ephemeral-storage": "20Gi" };
  const node: V1Node = {
    metadata: {
      name,
      labels,
      annotations: {
        [KWOK_NODE_ANNOTATION.key]: KWOK_NODE_ANNOTATION.value,
        "node.alpha.kubernetes.io/ttl": "0",
      },
    },
    spec: {
      providerID,
      ...(options.unschedulable ? { unschedulable: true } : {}),
      ...(options.taints ? { taints: options.taints } : {}),
    },
    status: {
      capacity: resources,
      allocatable: { ...resources, cpu: "1930m", memory: "7220Mi" },
      addresses: [
        { type: "InternalIP", address: internalIP },
        { type: "Hostname", address: name },
        { type: "InternalDNS", address: name },
      ],
      nodeInfo: {
        architecture: "amd64",
        operatingSystem: "linux",
        osImage: "Amazon Linux 2023",
        kernelVersion: "6.1.0-kwok",
        containerRuntimeVersion: "containerd://1.7.0-kwok",
        kubeletVersion: "v1.34.4-eks-kwok",
        kubeProxyVersion: "",
        bootID: "",
        machineID: instanceId,
        systemUUID: instanceId,
      },
    },
  };
  return { node, added: { name, instanceId, providerID, zone, internalIP } };
}

/** Creates the node; a drawn name (no `name` given) that another test holds is drawn again. */
async function createUniqueNode(kube: Kube, options: AddNodeOptions): Promise<AddedNode> {
  for (let attempt = 1; ; attempt++) {
    const { node, added } = eksNode(options);
    try {
      await kube.core.createNode({ body: node });
      return added;
    } catch (error) {
      const taken = error instanceof ApiException && error.code === 409;
      if (!taken || options.name !== undefined || attempt === 5) throw error;
    }
  }
}

function readyStatus(node: V1Node): string | undefined {
  return node.status?.conditions?.find((c) => c.type === "Ready")?.status;
}

/** Registers an EKS-like node that kwok manages, and (by default) waits until it is Ready (or NotReady). */
export async function addNode(kube: Kube, options: AddNodeOptions = {}): Promise<AddedNode> {
  const added = await createUniqueNode(kube, options);
  if (options.wait ?? true) {
    const want = options.notReady ? "False" : "True";
    await waitFor(async () => readyStatus(await kube.core.readNode({ name: added.name })) === want, {
      what: `node ${added.name} to report Ready=${want} (is kwok running? npm run testenv -- status)`,
      timeoutMs: options.timeoutMs ?? 60_000,
    });
  }
  return added;
}

/** Deletes a node (its pods are left to the pod garbage collector, as when an instance vanishes). */
export async function removeNode(kube: Kube, name: string): Promise<void> {
  try {
    await kube.core.deleteNode({ name });
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}

/** Makes kwok report a node NotReady (true) or Ready again (false), and waits for it. */
export async function setNodeNotReady(
  kube: Kube,
  name: string,
  notReady: boolean,
  timeoutMs = 60_000,
): Promise<void> {
  await kube.core.patchNode(
    { name, body: { metadata: { labels: { [NODE_BEHAVIOUR_LABEL]: notReady ? NODE_NOT_READY : null } } } },
    setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
  );
  const want = notReady ? "False" : "True";
  await waitFor(async () => readyStatus(await kube.core.readNode({ name })) === want, {
    what: `node ${name} to report Ready=${want}`,
    timeoutMs,
  });
}

/**
 * A Deployment of `replicas` pause containers labelled `app: <name>` (pods become Ready on kwok nodes
 * at once; `spec` adds fields such as progressDeadlineSeconds).
 */
export async function createPauseDeployment(
  kube: Kube,
  namespace: string,
  name: string,
  replicas: number,
  spec: Partial<V1DeploymentSpec> = {},
): Promise<void> {
  await kube.apps.createNamespacedDeployment({
    namespace,
    body: {
      metadata: { name },
      spec: {
        replicas,
        selector: { matchLabels: { app: name } },
        template: {
          metadata: { labels: { app: name } },
          spec: {
            containers: [{ name: "app", image: "registry.k8s.io/pause:3.10" }],
            terminationGracePeriodSeconds: 0,
          },
        },
        ...spec,
      },
    },
  });
}
