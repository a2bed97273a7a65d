// Exactly once under faults: the real handlers act on the cluster through the HTTP fault proxy
// (test/env/fault-proxy.ts) and each event is delivered again after every failed try, as Lambda does,
// until it converges. A write that lands but whose answer is lost must not be applied twice; an eviction
// answered 503 must leave the drain to a retry, not block the node, nor let its Auto Scaling hook go.
import { randomUUID } from "node:crypto";
import {
  AutoScalingClient,
  CreateAutoScalingGroupCommand,
  CreateLaunchConfigurationCommand,
  DeleteAutoScalingGroupCommand,
  DeleteLaunchConfigurationCommand,
  PutLifecycleHookCommand,
} from "@aws-sdk/client-auto-scaling";
import { PatchStrategy, setHeaderOptions, type V1PodTemplateSpec } from "@kubernetes/client-node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { sampleEvent } from "../packages/core/src/events/index.ts";
import type { Kube } from "../packages/core/src/kube/client.ts";
import { restart } from "../packages/core/src/kube/restart.ts";
import { scale } from "../packages/core/src/kube/scale.ts";
import { autoScalingLifecycleHooks } from "../packages/core/src/runtime/index.ts";
import { clientConfig } from "./env/aws.ts";
import {
  BEHAVIOUR_LABEL,
  BEHAVIOURS,
  createNamespace,
  createPauseDeployment,
  removeNode,
  type TestNamespace,
  waitFor,
} from "./env/cluster.ts";
import { type FaultProxy, startFaultProxy } from "./env/fault-proxy.ts";
import { automationKube } from "./env/identity.ts";
import { lifecycleCalls } from "./env/moto-lifecycle.ts";
import {
  addDedicatedNode,
  createPooledDeployment,
  uniqueId,
  waitForPodsOnNode,
} from "./env/node-fixtures.ts";
import { e2eConfig } from "./fixtures/e2e.config.ts";
import { cpuAlarm, spotWarning } from "./fixtures/e2e-events.ts";
import { type E2e, eventResult, freshEnvelope, rolloutResult, startE2e } from "./fixtures/e2e-harness.ts";

let e2e: E2e;
let ns: TestNamespace;
let proxy: FaultProxy;
let viaProxy: Kube;
const nodes: string[] = [];

/** Lambda's asynchronous retries, unbounded only up to `tries`: delivers until the handler returns. */
async function deliverUntilDone(
  handler: (event: unknown) => Promise<unknown>,
  event: unknown,
  tries = 5,
): Promise<{ result: unknown; failures: string[] }> {
  const failures: string[] = [];
  for (let attempt = 1; attempt <= tries; attempt++) {
    try {
      return { result: await handler(event), failures };
    } catch (error) {
      failures.push(error instanceof Error ? error.message : String(error));
    }
  }
  throw new Error(`still failing after ${tries} deliveries: ${failures.join(" | ")}`);
}

/**
 * A new Deployment rewrites its status (and resourceVersion) until its pods are ready; a scale written
 * meanwhile gets a 409 upstream, and a lost-ack test would see a write that did not land.
 */
async function settled(name: string): Promise<void> {
  await waitFor(
    async () => {
      const d = await e2e.admin.apps.readNamespacedDeployment({ namespace: ns.name, name });
      return (
        (d.status?.observedGeneration ?? 0) >= (d.metadata?.generation ?? 1) &&
        d.status?.readyReplicas === d.spec?.replicas
      );
    },
    { what: `deployment ${name} settled` },
  );
}

async function replicas(name: string): Promise<number | undefined> {
  return (await e2e.admin.apps.readNamespacedDeployment({ namespace: ns.name, name })).spec?.replicas;
}

beforeAll(async () => {
  // a budget that other test files' cordoned nodes cannot fill: these tests are about faults, not budgets
  e2e = await startE2e("faults", e2eConfig({ maxUnavailable: 1000 }));
  ns = await createNamespace(e2e.admin, "e2e-faults");
  proxy = await startFaultProxy({ upstream: e2e.env.server, caFile: e2e.env.caFile, seed: 8 });
  viaProxy = await automationKube(proxy.through(e2e.env));
});

afterEach(() => proxy.clear());

afterAll(async () => {
  await proxy?.close();
  for (const name of nodes) await removeNode(e2e.admin, name).catch(() => undefined);
  await ns?.cleanup();
  await e2e?.close();
});

describe("a lost acknowledgement", () => {
  it("applies a relative scale once, however often the event is delivered again", async () => {
    await createPauseDeployment(e2e.admin, ns.name, "web", 3);
    await settled("web");
    const scalePath = new RegExp(`/namespaces/${ns.name}/deployments/web/scale$`);
    proxy.setRules([
      { name: "lost scale ack", methods: ["PUT"], path: scalePath, action: "after", reply: 504, times: 1 },
      // the verb reads the count back after the lost answer: make that fail too (four tries, as
      // retrying-http.ts sends a read), so only the redelivery can finish the change
      {
        name: "read back fails",
        methods: ["GET"],
        path: scalePath,
        action: "before",
        reply: 503,
        skip: 1,
        times: 4,
      },
    ]);
    const handler = e2e.handler("alarm", { deps: { connect: async () => viaProxy } });
    const { result, failures } = await deliverUntilDone(handler, cpuAlarm(ns.name, "web"));

    // the write landed on the first delivery, its answer was lost, and the event came back once
    expect(proxy.stats().injected).toEqual([
      expect.objectContaining({ rule: "lost scale ack", reply: "504", upstreamStatus: 200 }),
      ...Array.from({ length: 4 }, () => expect.objectContaining({ rule: "read back fails" })),
    ]);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatch(
      /^retrying the event: test: scale-on-cpu scale: the answer to scaling deployment .*\/web from 3 to 5 replicas was lost \(HTTP 504\) and reading .* back failed \(HTTP 503.*\): whether the change is in place is unknown; safe to run again: homeostat scale .*\/web \+2 .*--current-replicas 3/,
    );
    // +2 from 3, once: the redelivery completed the recorded intent instead of adding 2 to 5
    expect(await replicas("web")).toBe(5);
    const [ran] = eventResult(result as never).records[0]?.triggers[0]?.ran ?? [];
    expect(ran).toMatchObject({ verb: "scale", ok: true, changed: false });
    expect(ran?.message).toMatch(/already has 5 replicas/);
    const audit = (await e2e.audit()).filter((record) => record.target && "name" in record.target);
    expect(audit.filter((record) => record.verb === "scale").map((record) => record.ok)).toEqual([
      true,
      false,
    ]);
  });

  it("finishes a relative scale whose answer was lost in one delivery: the count read back is the target (finding 7)", async () => {
    await createPauseDeployment(e2e.admin, ns.name, "basket", 3);
    await settled("basket");
    proxy.setRules([
      {
        name: "lost scale ack",
        methods: ["PUT"],
        path: new RegExp(`/namespaces/${ns.name}/deployments/basket/scale$`),
        action: "after",
        reply: 504,
        times: 1,
      },
    ]);
    const handler = e2e.handler("alarm", { deps: { connect: async () => viaProxy } });
    const { result, failures } = await deliverUntilDone(handler, cpuAlarm(ns.name, "basket"));
    expect(failures).toEqual([]);
    expect(proxy.stats().injected).toHaveLength(1);
    const [ran] = eventResult(result as never).records[0]?.triggers[0]?.ran ?? [];
    expect(ran).toMatchObject({ verb: "scale", ok: true, changed: true });
    expect(ran?.message).toMatch(
      /from 3 to 5 replicas \(\+2\) \(the answer was lost; the change is in place\)$/,
    );
    expect(await replicas("basket")).toBe(5);
  });

  it("writes a restart's stamp once: a lost answer is read back, and the same stamp again is nothing to do", async () => {
    await createPauseDeployment(e2e.admin, ns.name, "api", 1);
    const target = { kind: "Deployment", namespace: ns.name, name: "api" } as const;
    proxy.setRules([
      {
        name: "lost restart ack",
        methods: ["PATCH"],
        path: new RegExp(`/namespaces/${ns.name}/deployments/api$`),
        action: "after",
        reply: 504,
        times: 1,
      },
    ]);
    const restartedAt = "2026-12-01T09:14:00Z";
    const first = await restart(viaProxy, target, { restartedAt });
    expect(first).toMatchObject({ ok: true, changed: true, after: { restartedAt } });
    expect(first.message).toMatch(/\(the answer was lost; the change is in place\)$/);
    const retry = await restart(viaProxy, target, { restartedAt });
    expect(retry).toMatchObject({ ok: true, changed: false });
    const generation = (await e2e.admin.apps.readNamespacedDeployment({ namespace: ns.name, name: "api" }))
      .metadata?.generation;
    // created (1) and restarted once (2)
    expect(generation).toBe(2);
  });
});

describe("throttling and resets", () => {
  it("sends a throttled write again after its Retry-After, and applies it once", async () => {
    await createPauseDeployment(e2e.admin, ns.name, "cart", 2);
    proxy.setRules([
      {
        name: "APF 429",
        methods: ["PUT"],
        path: new RegExp(`/namespaces/${ns.name}/deployments/cart/scale$`),
        action: "before",
        reply: 429,
        retryAfterSeconds: 1,
        times: 2,
      },
    ]);
    const result = await scale(
      viaProxy,
      { kind: "Deployment", namespace: ns.name, name: "cart" },
      { change: "+1" },
    );
    expect(result).toMatchObject({ ok: true, changed: true, after: { replicas: 3 } });
    expect(proxy.stats().injected).toHaveLength(2);
    expect(await replicas("cart")).toBe(3);
  });

  it("says an HPA list that kept failing failed, rather than that it is not allowed", async () => {
    await createPauseDeployment(e2e.admin, ns.name, "search", 1);
    proxy.setRules([
      {
        name: "hpa 503",
        methods: ["GET"],
        path: /\/horizontalpodautoscalers$/,
        action: "before",
        reply: 503,
      },
    ]);
    const target = { kind: "Deployment", namespace: ns.name, name: "search" } as const;
    const result = await scale(viaProxy, target, { change: "2" });
    expect(result).toMatchObject({ ok: true, changed: true });
    expect(result.warnings).toContain(
      "could not check for a HorizontalPodAutoscaler on this workload (listing HPAs failed: HTTP 503)",
    );
    // the read was asked again before giving up (kube/retrying-http.ts)
    expect(proxy.stats().injected.length).toBeGreaterThan(1);
  });

  it("reads again after a reset connection", async () => {
    proxy.setRules([
      { name: "reset read", methods: ["GET"], path: /\/nodes$/, action: "before", reply: "reset", times: 2 },
    ]);
    const list = await viaProxy.core.listNode({});
    expect(list.items.length).toBeGreaterThan(0);
    expect(proxy.stats().injected).toHaveLength(2);
  });
});

async function nodeWithOnePod(): Promise<{ name: string; instanceId: string }> {
  const pool = `faults-${uniqueId()}`;
  const node = await addDedicatedNode(e2e.admin, pool);
  nodes.push(node.name);
  await createPooledDeployment(e2e.admin, ns.name, `app-${pool}`, pool, { replicas: 1, role: "emptydir" });
  await waitForPodsOnNode(e2e.admin, ns.name, node.name, 1);
  return node;
}

async function livePodsOn(node: string): Promise<string[]> {
  const list = await e2e.admin.core.listNamespacedPod({
    namespace: ns.name,
    fieldSelector: `spec.nodeName=${node}`,
  });
  return list.items.filter((pod) => !pod.metadata?.deletionTimestamp).map((pod) => pod.metadata?.name ?? "");
}

describe("evictions under faults", () => {
  it("a lost eviction answer: the pod is read again and counts as evicted, not as refused", async () => {
    const node = await nodeWithOnePod();
    proxy.setRules([
      {
        name: "lost eviction ack",
        methods: ["POST"],
        path: /\/eviction$/,
        action: "after",
        reply: 504,
        times: 1,
      },
    ]);
    const handler = e2e.handler("node-events", { deps: { connect: async () => viaProxy } });
    const { result, failures } = await deliverUntilDone(handler, spotWarning(node.instanceId));
    expect(proxy.stats().injected).toEqual([expect.objectContaining({ upstreamStatus: 201 })]);
    expect(failures).toEqual([]);
    const [ran] = eventResult(result as never).records[0]?.triggers[0]?.ran ?? [];
    expect(ran).toMatchObject({ verb: "drain", ok: true });
    expect(ran?.message).toMatch(/1 evicted, 0 skipped, 0 failed/);
    expect(await livePodsOn(node.name)).toEqual([]);
    // a drained node counts against the disruption budget of the next test: it goes
    await removeNode(e2e.admin, node.name);
  });

  it("evictions that keep failing are retried by redelivery until the drain converges, instead of blocking the node", async () => {
    const node = await nodeWithOnePod();
    // more 503s than one drain asks again for: the first delivery gives up, the next one drains
    proxy.setRules([
      {
        name: "eviction 503",
        methods: ["POST"],
        path: /\/eviction$/,
        action: "before",
        reply: 503,
        times: 4,
      },
    ]);
    const handler = e2e.handler("node-events", { deps: { connect: async () => viaProxy } });
    const { result, failures } = await deliverUntilDone(handler, spotWarning(node.instanceId));

    expect(proxy.stats().injected).toHaveLength(4);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatch(/drain-on-spot drain: .*only in part/);
    const [ran] = eventResult(result as never).records[0]?.triggers[0]?.ran ?? [];
    expect(ran).toMatchObject({ verb: "drain", ok: true });
    expect(await livePodsOn(node.name)).toEqual([]);
    await removeNode(e2e.admin, node.name);
  });
});

describe("an Auto Scaling terminate hook under faults", () => {
  async function groupWithHook(): Promise<{ group: string; hook: string; cleanup: () => Promise<void> }> {
    const client = new AutoScalingClient(clientConfig(e2e.env));
    const group = `faults-ng-${uniqueId()}`;
    const hook = "homeostat-drain";
    await client.send(
      new CreateLaunchConfigurationCommand({
        LaunchConfigurationName: group,
        ImageId: "ami-12c6146b",
        InstanceType: "m5.large",
      }),
    );
    await client.send(
      new CreateAutoScalingGroupCommand({
        AutoScalingGroupName: group,
        LaunchConfigurationName: group,
        MinSize: 0,
        MaxSize: 2,
        DesiredCapacity: 0,
        AvailabilityZones: ["us-east-1a"],
      }),
    );
    await client.send(
      new PutLifecycleHookCommand({
        AutoScalingGroupName: group,
        LifecycleHookName: hook,
        LifecycleTransition: "autoscaling:EC2_INSTANCE_TERMINATING",
        HeartbeatTimeout: 300,
        DefaultResult: "CONTINUE",
      }),
    );
    return {
      group,
      hook,
      cleanup: async () => {
        await client.send(
          new DeleteAutoScalingGroupCommand({ AutoScalingGroupName: group, ForceDelete: true }),
        );
        await client.send(new DeleteLaunchConfigurationCommand({ LaunchConfigurationName: group }));
        client.destroy();
      },
    };
  }

  it("holds the hook while a failed drain is retried, drains once, then completes it once with CONTINUE", async () => {
    const { group, hook, cleanup } = await groupWithHook();
    const lifecycle = autoScalingLifecycleHooks(new AutoScalingClient(clientConfig(e2e.env)));
    try {
      const node = await nodeWithOnePod();
      const [pod] = await livePodsOn(node.name);
      const token = randomUUID();
      const event = {
        ...freshEnvelope(sampleEvent("asg-terminate")),
        detail: {
          LifecycleActionToken: token,
          AutoScalingGroupName: group,
          LifecycleHookName: hook,
          EC2InstanceId: node.instanceId,
          LifecycleTransition: "autoscaling:EC2_INSTANCE_TERMINATING",
          Origin: "AutoScalingGroup",
          Destination: "EC2",
        },
      };
      // the first drain's evictions all fail (more than one drain asks again for), then a seeded 30 % of
      // the evictions and of the pod reads fail for as long as the test runs
      proxy.setRules(
        [
          {
            name: "eviction burst",
            methods: ["POST"],
            path: /\/eviction$/,
            action: "before",
            reply: 503,
            times: 4,
          },
          {
            name: "flaky evictions",
            methods: ["POST"],
            path: /\/eviction$/,
            action: "before",
            reply: 503,
            rate: 0.3,
          },
          {
            name: "flaky pod reads",
            methods: ["GET"],
            path: /\/pods(\/[^/]+)?$/,
            action: "before",
            reply: 503,
            rate: 0.3,
          },
        ],
        { seed: 8 },
      );
      const completions = async () =>
        (await lifecycleCalls(e2e.env)).filter(
          (call) => call.autoScalingGroupName === group && call.action === "CompleteLifecycleAction",
        );
      // what Auto Scaling had been told when each failed delivery ended
      const completedAtFailure: number[] = [];
      const handler = e2e.handler("node-events", { deps: { connect: async () => viaProxy, lifecycle } });
      const { result, failures } = await deliverUntilDone(async (input) => {
        try {
          return await handler(input);
        } catch (error) {
          completedAtFailure.push((await completions()).length);
          throw error;
        }
      }, event);

      expect(failures.length).toBeGreaterThanOrEqual(1);
      expect(failures[0]).toMatch(/drain-before-termination drain: .*only in part/);
      // the instance was not let go while its drain was still to be retried
      expect(completedAtFailure).toEqual(failures.map(() => 0));
      const ran = eventResult(result as never).records[0]?.triggers[0]?.ran ?? [];
      expect(ran.map((action) => [action.verb, action.ok])).toEqual([
        ["drain", true],
        ["complete-lifecycle", true],
      ]);
      expect(await completions()).toEqual([
        expect.objectContaining({
          instanceId: node.instanceId,
          lifecycleActionToken: token,
          lifecycleActionResult: "CONTINUE",
        }),
      ]);
      expect(await livePodsOn(node.name)).toEqual([]);
      // the pod was evicted once: one eviction the API server accepted, across every delivery
      const evictions = proxy
        .requestLog()
        .filter((request) => request.method === "POST" && request.path.endsWith(`/pods/${pod}/eviction`));
      expect(evictions.filter((request) => request.upstreamStatus === 201)).toHaveLength(1);
      expect(proxy.stats().rules.find((rule) => rule.name === "eviction burst")?.injected).toBe(4);

      // the audit tells each delivery: the drain failed and the hook was held, then both went through
      const audit = (await e2e.audit())
        .filter((record) => JSON.stringify(record.target).includes(node.instanceId))
        .reverse();
      // records of one delivery share their time: compare each verb's in order
      const byVerb = (verb: string) => audit.filter((record) => record.verb === verb);
      expect(byVerb("drain").map((record) => record.ok)).toEqual([...failures.map(() => false), true]);
      const completes = byVerb("complete-lifecycle");
      expect(completes.map((record) => [record.ok, record.changed])).toEqual([
        ...failures.map(() => [false, false]),
        [true, true],
      ]);
      expect(completes[0]?.message).toMatch(/not completed yet: the drain is retried/);
      await removeNode(e2e.admin, node.name);
    } finally {
      await cleanup();
    }
  });
});

describe("the rollout guard under faults", () => {
  /** A Deployment healthy at revision 1 whose revision 2 kwok makes crash loop: revision 1's template. */
  async function stalledRollout(namespace: string, name: string): Promise<V1PodTemplateSpec | undefined> {
    await createPauseDeployment(e2e.admin, namespace, name, 2, { progressDeadlineSeconds: 600 });
    const good = await waitFor(
      async () => {
        const d = await e2e.admin.apps.readNamespacedDeployment({ namespace, name });
        return d.status?.availableReplicas === 2 &&
          d.metadata?.annotations?.["deployment.kubernetes.io/revision"] === "1"
          ? d.spec?.template
          : undefined;
      },
      { what: `deployment ${name} available at revision 1` },
    );
    await e2e.admin.apps.patchNamespacedDeployment(
      {
        namespace,
        name,
        body: { spec: { template: { metadata: { labels: { [BEHAVIOUR_LABEL]: BEHAVIOURS.crashloop } } } } },
      },
      setHeaderOptions("Content-Type", PatchStrategy.StrategicMergePatch),
    );
    return good;
  }

  const scanner = () =>
    e2e.handler("rollout-guard", {
      deps: { connect: async () => viaProxy },
      rolloutThresholds: { crashLoopRestarts: 2, notReadySeconds: 3600 },
    });

  async function rollbacksOf(namespace: string) {
    return (await e2e.audit())
      .filter(
        (record) =>
          record.verb === "rollback" &&
          JSON.stringify(record.target).includes(`"${namespace}"`) &&
          !record.skippedReason,
      )
      .reverse();
  }

  it("rolls a stalled rollout back once to the good template, the later scans acting after each failed one", async () => {
    // the rollback policy's namespaces are e2e-rollout-*
    const rolloutNs = await createNamespace(e2e.admin, "e2e-rollout-faults");
    try {
      const name = "shaky";
      const good = await stalledRollout(rolloutNs.name, name);
      const deployment = new RegExp(`/namespaces/${rolloutNs.name}/deployments/${name}$`);
      proxy.setRules(
        [
          // the first reads of the Deployment fail as long as a read is asked again, so the first try
          // fails before it writes; the later rollback lands and its answer is lost
          {
            name: "lost rollback answer",
            methods: ["PATCH", "PUT"],
            path: deployment,
            action: "after",
            reply: 504,
            times: 1,
          },
          {
            name: "deployment reads fail",
            methods: ["GET"],
            path: deployment,
            action: "before",
            reply: 503,
            times: 4,
          },
          {
            name: "flaky lists",
            methods: ["GET"],
            path: /\/(deployments|replicasets|pods)$/,
            action: "before",
            reply: 503,
            rate: 0.3,
          },
          {
            name: "reset lists",
            methods: ["GET"],
            path: /\/(deployments|replicasets|pods)$/,
            action: "before",
            reply: "reset",
            rate: 0.1,
          },
        ],
        { seed: 8 },
      );
      const scan = scanner();
      const mine = `${rolloutNs.name}/${name}`;
      // each scan is a delivery: one that failed for this rollout is followed by the next, as the
      // minute schedule would, until one rolls it back
      const scans: Array<{ error?: string; ran: Array<{ ok: boolean; changed: boolean; message: string }> }> =
        [];
      await waitFor(
        async () => {
          const result = rolloutResult(
            await scan({ "detail-type": "Scheduled Event", source: "aws.events" }),
          );
          const cluster = result.clusters[0];
          const trigger = result.triggers.find((t) => t.trigger.includes(mine));
          if (cluster?.error || trigger) {
            scans.push({
              ...(cluster?.error ? { error: cluster.error } : {}),
              ran: (trigger?.ran ?? []).map(({ ok, changed, message }) => ({ ok, changed, message })),
            });
          }
          return trigger?.ran.some((action) => action.ok);
        },
        { what: `the rollout guard to roll back ${mine}`, timeoutMs: 90_000, intervalMs: 2_000 },
      );
      // the rollback landed once, and its answer was lost
      expect(proxy.stats().injected.filter((fault) => fault.rule === "lost rollback answer")).toEqual([
        expect.objectContaining({ method: "PATCH", reply: "504", upstreamStatus: 200 }),
      ]);
      const rollbacks = scans.flatMap((s) => s.ran);
      expect(rollbacks.at(-1)).toMatchObject({ ok: true });
      expect(rollbacks.slice(0, -1).every((r) => !r.ok)).toBe(true);
      expect(rollbacks.length).toBeGreaterThanOrEqual(2);

      // back to revision 1's template, as revision 3, once: no second rollback (to the bad template)
      const now = await e2e.admin.apps.readNamespacedDeployment({ namespace: rolloutNs.name, name });
      expect(now.spec?.template).toEqual(good);
      expect(now.metadata?.annotations?.["deployment.kubernetes.io/revision"]).toBe("3");
      // the next scan finds nothing to do
      proxy.clear();
      const after = rolloutResult(await scan({}));
      expect(after.triggers.filter((t) => t.trigger.includes(mine))).toEqual([]);

      const audit = await rollbacksOf(rolloutNs.name);
      expect(audit.map((record) => record.ok)).toEqual(rollbacks.map((r) => r.ok));
      // the first try could not read the Deployment and changed nothing; the last one rolled it back
      expect(audit[0]).toMatchObject({ ok: false, changed: false });
      expect(audit[0]?.message).toMatch(/HTTP 503.*deployment reads fail/);
      expect(audit.at(-1)).toMatchObject({ ok: true, changed: true });
      expect(audit.at(-1)?.message).toMatch(
        /rolled back deployment .*\/shaky to revision 1 \(the answer was lost; the change is in place\)/,
      );
    } finally {
      await rolloutNs.cleanup();
    }
  });

  it("does not roll back again after a rollback whose answer was lost and could not be read back", async () => {
    const rolloutNs = await createNamespace(e2e.admin, "e2e-rollout-faults");
    try {
      const name = "unsure";
      const good = await stalledRollout(rolloutNs.name, name);
      const deployment = new RegExp(`/namespaces/${rolloutNs.name}/deployments/${name}$`);
      proxy.setRules([
        {
          name: "lost rollback answer",
          methods: ["PATCH", "PUT"],
          path: deployment,
          action: "after",
          reply: 504,
          times: 1,
        },
        // the scan's read and the rollback's own read before it writes go through; every read after it fails
        {
          name: "read back fails",
          methods: ["GET"],
          path: deployment,
          action: "before",
          reply: 503,
          skip: 2,
          times: 4,
        },
      ]);
      const scan = scanner();
      const mine = `${rolloutNs.name}/${name}`;
      const first = await waitFor(
        async () => rolloutResult(await scan({})).triggers.find((trigger) => trigger.trigger.includes(mine)),
        { what: `the rollout guard to act on ${mine}`, timeoutMs: 90_000, intervalMs: 2_000 },
      );
      const [lost, ...readBack] = proxy.stats().injected;
      expect(lost).toMatchObject({ rule: "lost rollback answer", method: "PATCH", upstreamStatus: 200 });
      expect(readBack.map((fault) => fault.rule)).toEqual(Array.from({ length: 4 }, () => "read back fails"));
      expect(first.ran).toEqual([expect.objectContaining({ verb: "rollback", ok: false, changed: false })]);
      expect(first.ran[0]?.message).toMatch(/unknown/);

      // the rollback is in place all the same: revision 1's template as revision 3
      const now = await e2e.admin.apps.readNamespacedDeployment({ namespace: rolloutNs.name, name });
      expect(now.spec?.template).toEqual(good);
      expect(now.metadata?.annotations?.["deployment.kubernetes.io/revision"]).toBe("3");
      // the claims went back for a retry, and the next scan finds nothing stalled: no second rollback
      proxy.clear();
      await waitFor(
        async () => {
          const d = await e2e.admin.apps.readNamespacedDeployment({ namespace: rolloutNs.name, name });
          return d.status?.observedGeneration === d.metadata?.generation && d.status?.availableReplicas === 2;
        },
        { what: `${mine} available again` },
      );
      const after = rolloutResult(await scan({}));
      expect(after.triggers.filter((trigger) => trigger.trigger.includes(mine))).toEqual([]);
      expect((await rollbacksOf(rolloutNs.name)).map((record) => record.ok)).toEqual([false]);
      expect(
        (await e2e.admin.apps.readNamespacedDeployment({ namespace: rolloutNs.name, name })).metadata
          ?.annotations?.["deployment.kubernetes.io/revision"],
      ).toBe("3");
    } finally {
      await rolloutNs.cleanup();
    }
  });
});
