import type { V1Pod } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import {
  DAEMONSET_FATAL,
  DAEMONSET_WARNING,
  type DaemonSetLookup,
  type DrainFilterOptions,
  daemonSetsToLookUp,
  describeErrors,
  LOCAL_STORAGE_FATAL,
  LOCAL_STORAGE_WARNING,
  planDrain,
  UNMANAGED_FATAL,
  UNMANAGED_WARNING,
} from "./drain-filters.ts";

const now = new Date("2025-01-01T12:00:00Z");

interface PodShape {
  name: string;
  namespace?: string;
  owner?: { kind: string; name: string; controller?: boolean };
  phase?: string;
  emptyDir?: boolean;
  hostPath?: boolean;
  mirror?: boolean;
  deletingSince?: Date;
}

function pod(shape: PodShape): V1Pod {
  return {
    metadata: {
      name: shape.name,
      namespace: shape.namespace ?? "shop",
      uid: `uid-${shape.name}`,
      ...(shape.owner
        ? {
            ownerReferences: [
              {
                apiVersion: "apps/v1",
                kind: shape.owner.kind,
                name: shape.owner.name,
                uid: "owner",
                controller: shape.owner.controller ?? true,
              },
            ],
          }
        : {}),
      ...(shape.mirror ? { annotations: { "kubernetes.io/config.mirror": "abc" } } : {}),
      ...(shape.deletingSince ? { deletionTimestamp: shape.deletingSince } : {}),
    },
    spec: {
      containers: [{ name: "c" }],
      volumes: [
        ...(shape.emptyDir ? [{ name: "scratch", emptyDir: {} }] : []),
        ...(shape.hostPath ? [{ name: "logs", hostPath: { path: "/var/log" } }] : []),
      ],
    },
    status: { phase: shape.phase ?? "Running" },
  };
}

const kubectlFlags: DrainFilterOptions = { force: false, ignoreDaemonSets: true, deleteEmptyDirData: false };
const noDaemonSets = new Map<string, DaemonSetLookup>();

function plan(pods: V1Pod[], options: Partial<DrainFilterOptions> = {}, daemonSets = noDaemonSets) {
  return planDrain(pods, { ...kubectlFlags, ...options }, { now, daemonSets });
}

const replicated = { kind: "ReplicaSet", name: "web-123" };
const daemonSet = { kind: "DaemonSet", name: "agent" };

describe("planDrain (kubectl's filter chain)", () => {
  it("evicts replicated pods and completed pods of any kind", () => {
    const result = plan([
      pod({ name: "web", owner: replicated }),
      pod({ name: "done", phase: "Succeeded", emptyDir: true }),
      pod({ name: "crashed", phase: "Failed" }),
    ]);
    expect(result.errors).toEqual([]);
    expect(result.evict.map((p) => p.metadata?.name)).toEqual(["web", "done", "crashed"]);
  });

  it("skips DaemonSet pods with a warning when ignoring DaemonSets (the default)", () => {
    const daemonSets = new Map<string, DaemonSetLookup>([["kube-system/agent", { found: true }]]);
    const result = plan(
      [pod({ name: "agent-x", namespace: "kube-system", owner: daemonSet })],
      {},
      daemonSets,
    );
    expect(result.evict).toEqual([]);
    expect(result.skipped).toEqual([
      { pod: "kube-system/agent-x", reason: "DaemonSet-managed (left in place)" },
    ]);
    expect(result.warnings).toEqual([`${DAEMONSET_WARNING}: kube-system/agent-x`]);
  });

  it("refuses DaemonSet pods when not ignoring DaemonSets", () => {
    const daemonSets = new Map<string, DaemonSetLookup>([["shop/agent", { found: true }]]);
    const result = plan(
      [pod({ name: "agent-x", owner: daemonSet })],
      { ignoreDaemonSets: false },
      daemonSets,
    );
    expect(result.errors).toEqual([{ pod: "shop/agent-x", reason: DAEMONSET_FATAL }]);
  });

  it("deletes an orphaned DaemonSet pod only with force", () => {
    const daemonSets = new Map<string, DaemonSetLookup>([["shop/agent", { found: false }]]);
    const orphan = pod({ name: "agent-x", owner: daemonSet });
    expect(plan([orphan], {}, daemonSets).errors).toEqual([
      { pod: "shop/agent-x", reason: 'daemonsets.apps "agent" not found' },
    ]);
    const forced = plan([orphan], { force: true }, daemonSets);
    expect(forced.errors).toEqual([]);
    expect(forced.evict).toHaveLength(1);
    expect(forced.warnings).toEqual(['daemonsets.apps "agent" not found: shop/agent-x']);
  });

  it("reports a DaemonSet lookup error as a blocking error", () => {
    const daemonSets = new Map<string, DaemonSetLookup>([["shop/agent", { error: "forbidden" }]]);
    expect(plan([pod({ name: "agent-x", owner: daemonSet })], {}, daemonSets).errors).toEqual([
      { pod: "shop/agent-x", reason: "forbidden" },
    ]);
  });

  it("evicts finished DaemonSet pods without looking the DaemonSet up", () => {
    const finished = pod({ name: "agent-x", owner: daemonSet, phase: "Succeeded" });
    expect(daemonSetsToLookUp([finished], kubectlFlags, now)).toEqual([]);
    expect(plan([finished]).evict).toHaveLength(1);
  });

  it("skips mirror pods silently", () => {
    const result = plan([pod({ name: "etcd", mirror: true })]);
    expect(result.skipped).toEqual([{ pod: "shop/etcd", reason: expect.stringContaining("mirror") }]);
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([]);
  });

  it("needs deleteEmptyDirData for running pods with emptyDir, but not for hostPath", () => {
    const pods = [
      pod({ name: "cache", owner: replicated, emptyDir: true }),
      pod({ name: "logs", owner: replicated, hostPath: true }),
    ];
    expect(plan(pods).errors).toEqual([{ pod: "shop/cache", reason: LOCAL_STORAGE_FATAL }]);
    const allowed = plan(pods, { deleteEmptyDirData: true });
    expect(allowed.errors).toEqual([]);
    expect(allowed.evict).toHaveLength(2);
    expect(allowed.warnings).toEqual([`${LOCAL_STORAGE_WARNING}: shop/cache`]);
  });

  it("needs force for pods without a controller (an owner that is not the controller does not count)", () => {
    const pods = [
      pod({ name: "bare" }),
      pod({ name: "adopted", owner: { ...replicated, controller: false } }),
    ];
    expect(plan(pods).errors).toEqual([
      { pod: "shop/bare", reason: UNMANAGED_FATAL },
      { pod: "shop/adopted", reason: UNMANAGED_FATAL },
    ]);
    const forced = plan(pods, { force: true });
    expect(forced.evict).toHaveLength(2);
    expect(forced.warnings).toEqual([`${UNMANAGED_WARNING}: shop/bare, shop/adopted`]);
  });

  it("keeps every warning of a pod that several filters warn about", () => {
    const result = plan([pod({ name: "bare-cache", emptyDir: true })], {
      force: true,
      deleteEmptyDirData: true,
    });
    expect(result.warnings).toEqual([`${LOCAL_STORAGE_WARNING}; ${UNMANAGED_WARNING}: shop/bare-cache`]);
  });

  it("skips pods deleting for longer than the skip-wait threshold, before any other filter", () => {
    const longAgo = new Date(now.getTime() - 120_000);
    const recently = new Date(now.getTime() - 10_000);
    const pods = [
      pod({ name: "stuck", deletingSince: longAgo }),
      pod({ name: "leaving", owner: replicated, deletingSince: recently }),
    ];
    const result = plan(pods, { skipWaitForDeleteTimeoutSeconds: 60 });
    expect(result.errors).toEqual([]);
    expect(result.skipped.map((s) => s.pod)).toEqual(["shop/stuck"]);
    expect(result.evict.map((p) => p.metadata?.name)).toEqual(["leaving"]);
    // Without a threshold the stuck bare pod is just a bare pod.
    expect(plan(pods).errors).toEqual([{ pod: "shop/stuck", reason: UNMANAGED_FATAL }]);
  });

  it("the first blocking filter wins: a DaemonSet pod with emptyDir is skipped, not an error", () => {
    const daemonSets = new Map<string, DaemonSetLookup>([["shop/agent", { found: true }]]);
    const result = plan([pod({ name: "agent-x", owner: daemonSet, emptyDir: true })], {}, daemonSets);
    expect(result.errors).toEqual([]);
    expect(result.skipped).toHaveLength(1);
  });
});

describe("daemonSetsToLookUp", () => {
  it("asks once per DaemonSet, not once per pod", () => {
    const pods = [
      pod({ name: "a", owner: daemonSet }),
      pod({ name: "b", owner: daemonSet }),
      pod({ name: "c", namespace: "kube-system", owner: daemonSet }),
      pod({ name: "d", owner: replicated }),
    ];
    expect(daemonSetsToLookUp(pods, kubectlFlags, now)).toEqual([
      { namespace: "shop", name: "agent" },
      { namespace: "kube-system", name: "agent" },
    ]);
  });
});

describe("describeErrors", () => {
  it("groups pods by reason, as kubectl prints them", () => {
    expect(
      describeErrors([
        { pod: "shop/a", reason: LOCAL_STORAGE_FATAL },
        { pod: "shop/b", reason: UNMANAGED_FATAL },
        { pod: "shop/c", reason: LOCAL_STORAGE_FATAL },
      ]),
    ).toBe(`${LOCAL_STORAGE_FATAL}: shop/a, shop/c; ${UNMANAGED_FATAL}: shop/b`);
  });
});
