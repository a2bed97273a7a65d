// The rollout guard end to end: a Deployment whose new template makes kwok's pods crash loop (or never
// become ready) stalls for real; the rollout-guard handler's scan finds it and the rollback policy puts
// revision 1's template back, as `kubectl rollout undo` would. Scans after that do nothing.
import { PatchStrategy, setHeaderOptions, type V1PodTemplateSpec } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BEHAVIOUR_LABEL,
  BEHAVIOURS,
  createNamespace,
  createPauseDeployment,
  type TestNamespace,
  waitFor,
} from "./env/cluster.ts";
import { type E2e, rolloutResult, startE2e } from "./fixtures/e2e-harness.ts";

let e2e: E2e;
let ns: TestNamespace;

beforeAll(async () => {
  e2e = await startE2e("rollout");
  // matches the rollback policy's namespace glob e2e-rollout-*
  ns = await createNamespace(e2e.admin, "e2e-rollout");
});

afterAll(async () => {
  await ns?.cleanup();
  await e2e?.close();
});

async function healthyDeployment(name: string, progressDeadlineSeconds: number): Promise<V1PodTemplateSpec> {
  await createPauseDeployment(e2e.admin, ns.name, name, 2, { progressDeadlineSeconds });
  const ready = await waitFor(
    async () => {
      const deployment = await e2e.admin.apps.readNamespacedDeployment({ namespace: ns.name, name });
      return deployment.status?.availableReplicas === 2 &&
        deployment.metadata?.annotations?.["deployment.kubernetes.io/revision"] === "1"
        ? deployment
        : undefined;
    },
    { what: `deployment ${name} available at revision 1` },
  );
  if (!ready.spec?.template) throw new Error("no template");
  return ready.spec.template;
}

/** A new template whose pods misbehave (kwok stage picked by label): revision 2. */
async function breakTemplate(name: string, behaviour: string): Promise<void> {
  await e2e.admin.apps.patchNamespacedDeployment(
    {
      namespace: ns.name,
      name,
      body: {
        spec: {
          template: {
            metadata: { labels: { [BEHAVIOUR_LABEL]: behaviour } },
            spec: { containers: [{ name: "app", image: "registry.k8s.io/pause:3.9" }] },
          },
        },
      },
    },
    setHeaderOptions("Content-Type", PatchStrategy.StrategicMergePatch),
  );
}

async function template(name: string): Promise<V1PodTemplateSpec | undefined> {
  return (await e2e.admin.apps.readNamespacedDeployment({ namespace: ns.name, name })).spec?.template;
}

describe("rollout guard", () => {
  it("rolls back a rollout whose new pods crash loop while the old ones are healthy", async () => {
    const original = await healthyDeployment("crashy", 600);
    await breakTemplate("crashy", BEHAVIOURS.crashloop);
    // a warm container scanning every few seconds instead of every minute
    const scan = e2e.handler("rollout-guard", {
      rolloutThresholds: { crashLoopRestarts: 2, notReadySeconds: 3600 },
    });

    const acted = await waitFor(
      async () => {
        const result = rolloutResult(await scan({ "detail-type": "Scheduled Event", source: "aws.events" }));
        return result.triggers.find((trigger) => trigger.trigger.includes(`${ns.name}/crashy`));
      },
      { what: "the rollout guard to roll back crashy", timeoutMs: 90_000, intervalMs: 2_000 },
    );
    expect(acted.trigger).toBe(`rollout-stalled:${ns.name}/crashy@2`);
    expect(acted.ran).toEqual([
      expect.objectContaining({ policy: "rollback-stalled", verb: "rollback", ok: true, changed: true }),
    ]);
    expect(await template("crashy")).toEqual(original);

    // the next scans find nothing to do: the stalled revision was handled, revision 3 is revision 1 again
    const after = rolloutResult(await scan({}));
    expect(after.triggers.filter((trigger) => trigger.trigger.includes("crashy"))).toEqual([]);
    const audit = (await e2e.audit()).filter((record) => record.verb === "rollback" && !record.skippedReason);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      policy: "rollback-stalled",
      target: { kind: "Deployment", namespace: ns.name, name: "crashy" },
    });
  });

  it("rolls back on ProgressDeadlineExceeded (pods that never become ready)", async () => {
    const original = await healthyDeployment("stuck", 5);
    await breakTemplate("stuck", BEHAVIOURS.neverReady);
    const scan = e2e.handler("rollout-guard", {
      rolloutThresholds: { crashLoopRestarts: 1000, notReadySeconds: 3600 },
    });

    let stalled: string | undefined;
    const acted = await waitFor(
      async () => {
        const result = rolloutResult(await scan({}));
        stalled = result.clusters[0]?.stalled.find(
          (entry) => entry.deployment === `${ns.name}/stuck`,
        )?.reason;
        return result.triggers.find((trigger) => trigger.trigger.includes(`${ns.name}/stuck`));
      },
      { what: "the rollout guard to roll back stuck", timeoutMs: 90_000, intervalMs: 2_000 },
    );
    expect(acted.ran).toEqual([expect.objectContaining({ verb: "rollback", ok: true, changed: true })]);
    expect(await template("stuck")).toEqual(original);
    expect(stalled).toMatch(
      /^Progressing=False: ProgressDeadlineExceeded: ReplicaSet "stuck-[a-z0-9]+" has timed out/,
    );
  });
});
