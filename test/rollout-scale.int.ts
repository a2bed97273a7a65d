// The rollout guard at scale: 2,000 Deployments in 50 namespaces (200 of them rolling out, 5 stalled
// for real on kwok), scanned as the automation identity. The scan finds exactly the stalled ones with
// at most its pool's requests in flight, every list paginated; what the API server sees is counted by
// a wrapper around the Kube handle, not by the scan. Figures: npm run bench:rollout-scan.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Kube } from "../packages/core/src/kube/client.ts";
import { SCAN_CONCURRENCY } from "../packages/core/src/rollout/requests.ts";
import { type ScanOptions, scanForStalledRollouts } from "../packages/core/src/rollout/scan.ts";
import { adminKube, loadTestEnv } from "./env/env.ts";
import { automationKube } from "./env/identity.ts";
import { applyAutomationRbac } from "./env/rbac.ts";
import {
  countingKube,
  SCALE,
  SCALE_THRESHOLDS,
  type ScaleFixture,
  seedRolloutScale,
  untilStalled,
} from "./fixtures/rollout-scale.ts";

let automation: Kube;
let fixture: ScaleFixture | undefined;
const thresholds = SCALE_THRESHOLDS;

const ids = async (kube: Kube, namespaces: readonly string[], options: ScanOptions = {}) =>
  (await scanForStalledRollouts(kube, namespaces, { thresholds, ...options })).map((t) => t.id).sort();

beforeAll(async () => {
  const env = loadTestEnv();
  const admin = adminKube(env);
  await applyAutomationRbac(admin);
  automation = await automationKube(env);
  fixture = await seedRolloutScale(admin, SCALE, (line) => process.stderr.write(`[rollout-scale] ${line}\n`));
  await untilStalled(automation, fixture);
});

afterAll(async () => {
  await fixture?.cleanup();
});

const seeded = (): ScaleFixture => {
  if (!fixture) throw new Error("the scale fixture was not seeded");
  return fixture;
};

describe("rollout guard at scale", () => {
  it("finds exactly the stalled rollouts of 2,000 Deployments with at most the pool in flight", async () => {
    const { namespaces, stalledIds, deployments } = seeded();
    expect(deployments).toBe(2000);
    const { kube, stats } = countingKube(automation);
    const closely: string[] = [];
    const triggers = await scanForStalledRollouts(kube, namespaces, {
      thresholds,
      onVerdict: (deployment) => closely.push(`${deployment.namespace}/${deployment.name}`),
    });

    expect(triggers.map((trigger) => trigger.id).sort()).toEqual(stalledIds);
    // only the rollouts in flight are read closely: 4 per namespace and the stalled ones
    const rolling = SCALE.namespaces * SCALE.rollingPerNamespace + stalledIds.length;
    expect(new Set(closely).size).toBe(rolling);
    // one page of Deployments per namespace, then each rollout's ReplicaSets and pods
    expect(stats.requests).toBe(namespaces.length + 2 * rolling);
    expect(stats.peakInFlight).toBeLessThanOrEqual(SCAN_CONCURRENCY);
    expect(stats.peakInFlight).toBeGreaterThan(1);
    expect(stats.inFlight).toBe(0);
  });

  it("pages every list it reads when the page is small, within a smaller pool", async () => {
    const { namespaces, stalledIds } = seeded();
    const { kube, stats } = countingKube(automation);
    expect(await ids(kube, namespaces, { pageSize: 10, concurrency: 3 })).toEqual(stalledIds);
    // 40 Deployments a namespace in pages of 10
    expect(stats.byMethod.listNamespacedDeployment).toEqual({ requests: 4 * 50, continued: 3 * 50 });
    expect(stats.peakInFlight).toBeLessThanOrEqual(3);

    // a page of one: the stalled Deployments' two ReplicaSets and two pods (revisions 1 and 2) take two pages each
    const stalledNamespaces = stalledIds.map((id) => id.replace(/^rollout-stalled:([^/]+)\/.*$/, "$1"));
    const single = countingKube(automation);
    expect(await ids(single.kube, stalledNamespaces, { pageSize: 1 })).toEqual(stalledIds);
    expect(single.stats.byMethod.listNamespacedReplicaSet?.continued).toBeGreaterThanOrEqual(
      stalledIds.length,
    );
    expect(single.stats.byMethod.listNamespacedPod?.continued).toBeGreaterThanOrEqual(stalledIds.length);
    expect(single.stats.peakInFlight).toBeLessThanOrEqual(SCAN_CONCURRENCY);
  });

  it("pages through the cluster-wide list for a namespace glob", async () => {
    const { glob, stalledIds } = seeded();
    const { kube, stats } = countingKube(automation);
    expect(await ids(kube, [glob], { pageSize: 500 })).toEqual(stalledIds);
    // 2,000 of ours (and whatever other tests have) in pages of 500
    expect(stats.byMethod.listDeploymentForAllNamespaces?.continued).toBeGreaterThanOrEqual(3);
    expect(stats.peakInFlight).toBeLessThanOrEqual(SCAN_CONCURRENCY);
  });
});
