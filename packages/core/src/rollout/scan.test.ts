import { ApiException, type V1Deployment, type V1Pod, type V1ReplicaSet } from "@kubernetes/client-node";
import { describe, expect, test } from "vitest";
import { KubeVerbError } from "../domain/errors.ts";
import type { Kube } from "../kube/client.ts";
import type { PageRequest } from "./requests.ts";
import { scanForStalledRollouts } from "./scan.ts";

const NOW = new Date("2026-03-14T12:00:00Z");
const REVISION = "deployment.kubernetes.io/revision";

type Shape = "done" | "rolling" | "stalled";

/** A Deployment in one of three shapes, with the ReplicaSets its rollout reads. */
function deployment(
  namespace: string,
  name: string,
  shape: Shape,
): { deployment: V1Deployment; replicaSets: V1ReplicaSet[] } {
  const uid = `${namespace}-${name}`;
  const replicaSet = (revision: number, available: number): V1ReplicaSet => ({
    metadata: {
      name: `${name}-r${revision}`,
      namespace,
      labels: { app: name },
      annotations: { [REVISION]: String(revision) },
      ownerReferences: [{ apiVersion: "apps/v1", kind: "Deployment", name, uid, controller: true }],
    },
    status: { replicas: 1, readyReplicas: available, availableReplicas: available },
  });
  const progressing =
    shape === "stalled"
      ? {
          status: "False",
          reason: "ProgressDeadlineExceeded",
          message: `ReplicaSet "${name}-r2" has timed out progressing.`,
        }
      : { status: "True", reason: "ReplicaSetUpdated" };
  return {
    deployment: {
      metadata: { name, namespace, uid, generation: 2, annotations: { [REVISION]: "2" } },
      spec: { replicas: 1, selector: { matchLabels: { app: name } }, template: {} },
      status: {
        // a finished rollout: everything updated and available; otherwise the new ReplicaSet is not
        observedGeneration: 2,
        replicas: 1,
        updatedReplicas: 1,
        availableReplicas: shape === "done" ? 1 : 0,
        conditions: [{ type: "Progressing", ...progressing }],
      },
    },
    replicaSets: [replicaSet(1, 1), replicaSet(2, shape === "done" ? 1 : 0)],
  };
}

interface World {
  deployments: V1Deployment[];
  replicaSets: V1ReplicaSet[];
  pods: V1Pod[];
}

/** `namespaces` × `perNamespace` Deployments; the shape of each from its position. */
function world(namespaces: number, perNamespace: number, shapeOf: (ns: number, i: number) => Shape): World {
  const built: World = { deployments: [], replicaSets: [], pods: [] };
  for (let ns = 0; ns < namespaces; ns++) {
    for (let i = 0; i < perNamespace; i++) {
      const made = deployment(`team-${ns}`, `app-${i}`, shapeOf(ns, i));
      built.deployments.push(made.deployment);
      built.replicaSets.push(...made.replicaSets);
    }
  }
  return built;
}

type ListRequest = PageRequest & { namespace?: string; labelSelector?: string };

/**
 * A Kube whose list calls serve `world` the way the API server pages (`limit`, `continue` = the next
 * offset), each answering after a few event-loop turns, counting requests and the most in flight.
 */
function fakeKube(world: World, fail?: (call: string, request: ListRequest) => Error | undefined) {
  const stats = { requests: 0, continued: 0, inFlight: 0, peakInFlight: 0 };
  const serve = async <T extends { metadata?: { namespace?: string; labels?: Record<string, string> } }>(
    call: string,
    all: readonly T[],
    request: ListRequest,
  ) => {
    stats.requests++;
    if (request._continue) stats.continued++;
    stats.inFlight++;
    stats.peakInFlight = Math.max(stats.peakInFlight, stats.inFlight);
    try {
      for (let turn = 0; turn < 3; turn++) await new Promise<void>((resolve) => setImmediate(resolve));
      const error = fail?.(call, request);
      if (error) throw error;
      const [key, value] = (request.labelSelector ?? "=").split("=");
      const items = all.filter(
        (item) =>
          (request.namespace === undefined || item.metadata?.namespace === request.namespace) &&
          (!key || item.metadata?.labels?.[key] === value),
      );
      const start = Number(request._continue ?? 0);
      const end = request.limit ? start + request.limit : items.length;
      return {
        items: items.slice(start, end),
        metadata: end < items.length ? { _continue: String(end) } : {},
      };
    } finally {
      stats.inFlight--;
    }
  };
  const kube = {
    apps: {
      listNamespacedDeployment: (request: PageRequest) => serve("deployments", world.deployments, request),
      listDeploymentForAllNamespaces: (request: PageRequest) =>
        serve("all deployments", world.deployments, request),
      listNamespacedReplicaSet: (request: PageRequest) => serve("replicasets", world.replicaSets, request),
    },
    core: { listNamespacedPod: (request: PageRequest) => serve("pods", world.pods, request) },
  } as unknown as Kube;
  return { kube, stats };
}

const namespaces = (count: number) => Array.from({ length: count }, (_, ns) => `team-${ns}`);
// 20 namespaces × 30: every 7th rolling out, a stalled one in every 4th namespace (5 in all)
const shapes = (ns: number, i: number): Shape =>
  i === 3 && ns % 4 === 0 ? "stalled" : i % 7 === 0 ? "rolling" : "done";
const expectedIds = [0, 4, 8, 12, 16].map((ns) => `rollout-stalled:team-${ns}/app-3@2`);

describe("scanForStalledRollouts at scale", () => {
  test("finds exactly the stalled rollouts with paginated lists and at most `concurrency` requests in flight", async () => {
    const { kube, stats } = fakeKube(world(20, 30, shapes));
    const triggers = await scanForStalledRollouts(kube, namespaces(20), {
      now: NOW,
      concurrency: 4,
      pageSize: 7,
    });
    expect(triggers.map((trigger) => trigger.id)).toEqual(expectedIds);
    expect(stats.peakInFlight).toBe(4);
    // 5 pages of Deployments per namespace; the 5 + 20 × 5 rolling out read ReplicaSets and pods (one page each)
    expect(stats.requests).toBe(20 * 5 + 2 * (5 + 20 * 5));
    expect(stats.continued).toBe(20 * 4);
  });

  test("gives the same triggers, in the same order, as the unbounded unpaginated reads", async () => {
    const bounded = fakeKube(world(20, 30, shapes));
    const unbounded = fakeKube(world(20, 30, shapes));
    const options = { now: NOW, region: "eu-west-1", account: "123456789012" };
    const a = await scanForStalledRollouts(bounded.kube, namespaces(20), options);
    const b = await scanForStalledRollouts(unbounded.kube, namespaces(20), {
      ...options,
      concurrency: 10_000,
      pageSize: 0,
    });
    expect(a).toEqual(b);
    expect(bounded.stats.peakInFlight).toBe(8);
    expect(unbounded.stats.peakInFlight).toBe(2 * (5 + 20 * 5));
  });

  test("pages through the cluster-wide list for globs, keeping only the matching namespaces", async () => {
    const { kube, stats } = fakeKube(world(20, 30, shapes));
    const triggers = await scanForStalledRollouts(kube, ["team-1*", "team-4"], { now: NOW, pageSize: 100 });
    // team-1, team-10…team-19 and team-4: of the stalled ones, team-12, team-16 and team-4
    expect(triggers.map((trigger) => trigger.id).sort()).toEqual(
      ["team-12", "team-16", "team-4"].map((ns) => `rollout-stalled:${ns}/app-3@2`),
    );
    expect(stats.continued).toBe(5);
    expect(stats.peakInFlight).toBeLessThanOrEqual(8);
  });

  test("a failed request fails the scan and the requests still waiting are never sent", async () => {
    const forbidden = new ApiException(403, "Forbidden", { message: "forbidden" }, {});
    const { kube, stats } = fakeKube(world(20, 30, shapes), (call, request) =>
      call === "pods" && request.namespace === "team-2" ? forbidden : undefined,
    );
    const scan = scanForStalledRollouts(kube, namespaces(20), { now: NOW, concurrency: 2 });
    await expect(scan).rejects.toBeInstanceOf(KubeVerbError);
    await expect(scan).rejects.toThrow(/team-2\/app-\d+/);
    // let anything still running settle: nothing more is sent
    for (let turn = 0; turn < 50; turn++) await new Promise<void>((resolve) => setImmediate(resolve));
    expect(stats.requests).toBeLessThan(20 + 2 * (5 + 20 * 5));
    expect(stats.inFlight).toBe(0);
  });
});
