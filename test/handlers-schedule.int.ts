// Scheduled scaling end to end: the schedule handler gets the payload EventBridge Scheduler delivers
// (scheduleTargetInput, placeholders filled as Scheduler fills them), scales a namespace's workloads to
// zero at night remembering each count in the state store (DynamoDB on moto), and brings back exactly
// those counts in the morning — also when someone changed a count during the night.
import { randomUUID } from "node:crypto";
import { PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defineConfig } from "../packages/core/src/config/index.ts";
import { scheduleTargetInput } from "../packages/core/src/events/index.ts";
import { priorReplicas } from "../packages/core/src/state/index.ts";
import { createNamespace, createPauseDeployment, type TestNamespace, waitFor } from "./env/cluster.ts";
import { adminKube, loadTestEnv } from "./env/env.ts";
import { E2E_CLUSTER } from "./fixtures/e2e.config.ts";
import { type E2e, eventResult, startE2e } from "./fixtures/e2e-harness.ts";

const POLICY = "office-hours";
let e2e: E2e;
let ns: TestNamespace;

function officeHours(namespace: string) {
  return defineConfig({
    clusters: { [E2E_CLUSTER]: { kubeconfig: {} } },
    defaults: { protectedNamespaces: ["kube-system"], cooldown: "0s" },
    policies: [
      {
        name: POLICY,
        match: {
          schedule: {
            entries: [
              {
                name: "night",
                cron: "cron(0 20 ? * MON-FRI *)",
                timezone: "Europe/Berlin",
                action: { verb: "scale", target: `${namespace}/*`, change: 0, remember: true },
              },
              {
                name: "morning",
                cron: "cron(30 7 ? * MON-FRI *)",
                timezone: "Europe/Berlin",
                action: { verb: "scale", target: `${namespace}/*`, restore: true },
              },
            ],
          },
        },
      },
    ],
  });
}

/** What EventBridge Scheduler delivers for one firing of `entry`. */
function firing(entry: string, scheduledTime: string): unknown {
  return JSON.parse(
    scheduleTargetInput(POLICY, entry)
      .replace("<aws.scheduler.scheduled-time>", scheduledTime)
      .replace("<aws.scheduler.execution-id>", randomUUID()),
  );
}

async function createDeployment(name: string, replicas: number): Promise<void> {
  await createPauseDeployment(e2e.admin, ns.name, name, replicas);
}

async function replicas(): Promise<Record<string, number | undefined>> {
  const list = await e2e.admin.apps.listNamespacedDeployment({ namespace: ns.name });
  return Object.fromEntries(list.items.map((item) => [item.metadata?.name ?? "", item.spec?.replicas]));
}

async function remembered(name: string): Promise<number | undefined> {
  const prior = await priorReplicas(e2e.store, {
    cluster: E2E_CLUSTER,
    namespace: ns.name,
    kind: "Deployment",
    name,
  });
  return prior?.replicas;
}

beforeAll(async () => {
  ns = await createNamespace(adminKube(loadTestEnv()), "e2e-schedule");
  e2e = await startE2e("schedule", officeHours(ns.name));
  await createDeployment("web", 3);
  await createDeployment("api", 2);
});

afterAll(async () => {
  await ns?.cleanup();
  await e2e?.close();
});

describe("scheduled scaling with a remembered count", () => {
  it("scales to zero at night, keeps the day's count through a second night, and restores exactly it", async () => {
    const invoke = e2e.handler("schedule");

    const night = eventResult(await invoke(firing("night", "2026-11-23T19:00:00Z")));
    expect(night.records[0]?.rejected).toBeUndefined();
    expect(await replicas()).toEqual({ api: 0, web: 0 });
    expect(await remembered("web")).toBe(3);
    expect(await remembered("api")).toBe(2);

    // someone scales web up during the night; the next night's scale-down must not remember that 1 (or 0)
    await e2e.admin.apps.patchNamespacedDeploymentScale(
      { namespace: ns.name, name: "web", body: { spec: { replicas: 1 } } },
      setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
    );
    await invoke(firing("night", "2026-11-24T19:00:00Z"));
    expect(await replicas()).toEqual({ api: 0, web: 0 });
    expect(await remembered("web")).toBe(3);

    const morning = eventResult(await invoke(firing("morning", "2026-11-25T06:30:00Z")));
    expect(morning.records[0]?.rejected).toBeUndefined();
    expect(await replicas()).toEqual({ api: 2, web: 3 });
    // a restore that ran forgets the count, so the next night remembers afresh
    expect(await remembered("web")).toBeUndefined();
    expect(await remembered("api")).toBeUndefined();

    // a second morning firing has nothing to restore: it says so and changes nothing
    await invoke(firing("morning", "2026-11-26T06:30:00Z"));
    expect(await replicas()).toEqual({ api: 2, web: 3 });
    const audit = await e2e.audit();
    const restores = audit.filter((record) => record.trigger.summary === `schedule ${POLICY}/morning`);
    expect(restores.filter((record) => record.changed)).toHaveLength(2);

    // the pods follow: the restored Deployments become available again
    await waitFor(
      async () => {
        const list = await e2e.admin.apps.listNamespacedDeployment({ namespace: ns.name });
        return (
          list.items.every((item) => item.status?.availableReplicas === item.spec?.replicas) || undefined
        );
      },
      { what: "restored deployments available" },
    );
  });
});
