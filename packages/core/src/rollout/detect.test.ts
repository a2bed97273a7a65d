import type { V1Deployment, V1Pod, V1ReplicaSet } from "@kubernetes/client-node";
import { describe, expect, test } from "vitest";
import { detectStall, type StallThresholds } from "./detect.ts";

const NOW = new Date("2026-03-14T12:00:00Z");
const thresholds: StallThresholds = { crashLoopRestarts: 3, notReadySeconds: 300 };
const secondsAgo = (seconds: number) => new Date(NOW.getTime() - seconds * 1000);

function deployment(
  overrides: {
    revision?: number;
    replicas?: number;
    generation?: number;
    observedGeneration?: number;
    paused?: boolean;
    progressing?: { status: string; reason: string; message?: string };
  } = {},
): V1Deployment {
  const generation = overrides.generation ?? 2;
  return {
    metadata: {
      name: "web",
      namespace: "shop",
      uid: "dep-uid",
      generation,
      annotations: { "deployment.kubernetes.io/revision": String(overrides.revision ?? 2) },
    },
    spec: {
      replicas: overrides.replicas ?? 3,
      selector: { matchLabels: { app: "web" } },
      template: { spec: { containers: [{ name: "app", image: "web:2" }] } },
      ...(overrides.paused ? { paused: true } : {}),
    },
    status: {
      observedGeneration: overrides.observedGeneration ?? generation,
      conditions: overrides.progressing
        ? [{ type: "Progressing", ...overrides.progressing }]
        : [{ type: "Progressing", status: "True", reason: "ReplicaSetUpdated" }],
    },
  };
}

function replicaSet(
  name: string,
  revision: number,
  status: { ready?: number; available?: number },
): V1ReplicaSet {
  return {
    metadata: {
      name,
      namespace: "shop",
      uid: `${name}-uid`,
      annotations: { "deployment.kubernetes.io/revision": String(revision) },
      ownerReferences: [
        { apiVersion: "apps/v1", kind: "Deployment", name: "web", uid: "dep-uid", controller: true },
      ],
    },
    spec: { selector: { matchLabels: { app: "web" } } },
    status: { replicas: 3, readyReplicas: status.ready ?? 0, availableReplicas: status.available ?? 0 },
  };
}

const oldHealthy = () => replicaSet("web-old", 1, { ready: 2, available: 2 });
const newRs = (available = 0) => replicaSet("web-new", 2, { ready: available, available });

function pod(
  name: string,
  owner: string,
  state: {
    crashLoop?: number;
    readySince?: Date;
    notReadySince?: Date;
    created?: Date;
  },
): V1Pod {
  const waiting = state.crashLoop !== undefined;
  return {
    metadata: {
      name,
      namespace: "shop",
      creationTimestamp: state.created ?? secondsAgo(30),
      ownerReferences: [
        { apiVersion: "apps/v1", kind: "ReplicaSet", name: owner, uid: `${owner}-uid`, controller: true },
      ],
    },
    status: {
      phase: "Running",
      conditions: [
        state.readySince
          ? { type: "Ready", status: "True", lastTransitionTime: state.readySince }
          : {
              type: "Ready",
              status: "False",
              ...(state.notReadySince ? { lastTransitionTime: state.notReadySince } : {}),
            },
      ],
      containerStatuses: [
        {
          name: "app",
          image: "web:2",
          imageID: "",
          ready: state.readySince !== undefined,
          restartCount: state.crashLoop ?? 0,
          state: waiting
            ? { waiting: { reason: "CrashLoopBackOff", message: "back-off 40s restarting failed container" } }
            : { running: { startedAt: secondsAgo(30) } },
        },
      ],
    },
  };
}

describe("detectStall", () => {
  test("ProgressDeadlineExceeded on the new ReplicaSet is a stall, with the previous revision", () => {
    const verdict = detectStall(
      deployment({
        progressing: {
          status: "False",
          reason: "ProgressDeadlineExceeded",
          message: 'ReplicaSet "web-new" has timed out progressing.',
        },
      }),
      [oldHealthy(), newRs()],
      [],
      NOW,
      thresholds,
    );
    expect(verdict).toEqual({
      stalled: true,
      signal: "progress-deadline",
      revision: 2,
      previousRevision: 1,
      reason: 'Progressing=False: ProgressDeadlineExceeded: ReplicaSet "web-new" has timed out progressing.',
    });
  });

  test("a ProgressDeadlineExceeded left over from an older ReplicaSet is not a stall (no second rollback)", () => {
    const verdict = detectStall(
      deployment({
        revision: 3,
        progressing: {
          status: "False",
          reason: "ProgressDeadlineExceeded",
          message: 'ReplicaSet "web-new" has timed out progressing.',
        },
      }),
      // after a rollback, revision 1's ReplicaSet became revision 3; the bad one (2) has nothing ready
      [replicaSet("web-old", 3, { ready: 1, available: 1 }), newRs()],
      [],
      NOW,
      thresholds,
    );
    expect(verdict.stalled).toBe(false);
  });

  test("new pods crash looping past the restart threshold while the old revision is ready", () => {
    const verdict = detectStall(
      deployment(),
      [oldHealthy(), newRs()],
      [
        pod("web-new-a", "web-new", { crashLoop: 4 }),
        pod("web-old-a", "web-old", { readySince: secondsAgo(900) }),
      ],
      NOW,
      thresholds,
    );
    expect(verdict).toMatchObject({ stalled: true, signal: "crash-loop", revision: 2, previousRevision: 1 });
    expect(verdict.reason).toContain("web-new-a");
    expect(verdict.reason).toContain("CrashLoopBackOff after 4 restarts");
  });

  test("crash looping below the restart threshold is not yet a stall", () => {
    const verdict = detectStall(
      deployment(),
      [oldHealthy(), newRs()],
      [pod("web-new-a", "web-new", { crashLoop: 2 })],
      NOW,
      thresholds,
    );
    expect(verdict).toEqual({ stalled: false, reason: "revision 2 is still rolling out" });
  });

  test("a new pod not ready for longer than the threshold is a stall; a younger one is not", () => {
    const stale = detectStall(
      deployment(),
      [oldHealthy(), newRs()],
      [pod("web-new-a", "web-new", { notReadySince: secondsAgo(301) })],
      NOW,
      thresholds,
    );
    expect(stale).toMatchObject({ stalled: true, signal: "not-ready", revision: 2 });

    const young = detectStall(
      deployment(),
      [oldHealthy(), newRs()],
      [pod("web-new-a", "web-new", { notReadySince: secondsAgo(299) })],
      NOW,
      thresholds,
    );
    expect(young.stalled).toBe(false);
  });

  test("without a Ready transition time the pod's age counts", () => {
    const verdict = detectStall(
      deployment(),
      [oldHealthy(), newRs()],
      [pod("web-new-a", "web-new", { created: secondsAgo(400) })],
      NOW,
      thresholds,
    );
    expect(verdict).toMatchObject({ stalled: true, signal: "not-ready" });
  });

  test("failing new pods are not a stall when the previous revision has nothing ready either", () => {
    const verdict = detectStall(
      deployment(),
      [replicaSet("web-old", 1, { ready: 0 }), newRs()],
      [pod("web-new-a", "web-new", { crashLoop: 10 })],
      NOW,
      thresholds,
    );
    expect(verdict.stalled).toBe(false);
    expect(verdict.reason).toContain("a rollback would not help");
  });

  test("only pods of the new ReplicaSet count (a crash looping old pod is not the rollout's fault)", () => {
    const verdict = detectStall(
      deployment(),
      [oldHealthy(), newRs()],
      [pod("web-old-a", "web-old", { crashLoop: 10 })],
      NOW,
      thresholds,
    );
    expect(verdict.stalled).toBe(false);
  });

  test("a complete, paused, scaled-to-zero or not yet observed rollout is never stalled", () => {
    const crashing = [pod("web-new-a", "web-new", { crashLoop: 10 })];
    const sets = [oldHealthy(), newRs()];
    expect(detectStall(deployment(), [oldHealthy(), newRs(3)], crashing, NOW, thresholds).reason).toContain(
      "is available",
    );
    expect(detectStall(deployment({ paused: true }), sets, crashing, NOW, thresholds).reason).toBe(
      "the rollout is paused",
    );
    expect(detectStall(deployment({ replicas: 0 }), sets, crashing, NOW, thresholds).stalled).toBe(false);
    expect(
      detectStall(deployment({ generation: 3, observedGeneration: 2 }), sets, crashing, NOW, thresholds)
        .reason,
    ).toBe("the controller has not observed the latest spec yet");
  });

  test("the first revision stalls with no previous revision to name", () => {
    const verdict = detectStall(
      deployment({
        revision: 1,
        progressing: {
          status: "False",
          reason: "ProgressDeadlineExceeded",
          message: 'ReplicaSet "web-first" has timed out progressing.',
        },
      }),
      [replicaSet("web-first", 1, {})],
      [],
      NOW,
      thresholds,
    );
    expect(verdict).toMatchObject({ stalled: true, revision: 1 });
    expect(verdict.stalled && verdict.previousRevision).toBeUndefined();
  });

  test("ReplicaSets of another Deployment (same labels, other owner) are ignored", () => {
    const foreign = replicaSet("other-new", 2, {});
    foreign.metadata = {
      ...foreign.metadata,
      ownerReferences: [
        { apiVersion: "apps/v1", kind: "Deployment", name: "other", uid: "other-uid", controller: true },
      ],
    };
    const verdict = detectStall(deployment(), [oldHealthy(), foreign], [], NOW, thresholds);
    expect(verdict).toEqual({ stalled: false, reason: "the ReplicaSet of revision 2 does not exist yet" });
  });
});
