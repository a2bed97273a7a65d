// The node-events handler end to end: AWS-documented event shapes (from `sampleEvent`) → the real
// handler → the test cluster as the restricted automation identity, DynamoDB, EventBridge Scheduler
// and Auto Scaling on moto.
import { randomBytes, randomUUID } from "node:crypto";
import {
  AutoScalingClient,
  CreateAutoScalingGroupCommand,
  CreateLaunchConfigurationCommand,
  DeleteAutoScalingGroupCommand,
  DeleteLaunchConfigurationCommand,
  PutLifecycleHookCommand,
} from "@aws-sdk/client-auto-scaling";
import { GetScheduleCommand, ListSchedulesCommand, SchedulerClient } from "@aws-sdk/client-scheduler";
import type { V1Pod } from "@kubernetes/client-node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { sampleEvent } from "../packages/core/src/events/index.ts";
import { autoScalingLifecycleHooks } from "../packages/core/src/runtime/index.ts";
import { clientConfig } from "./env/aws.ts";
import {
  type AddedNode,
  addNode,
  createNamespace,
  removeNode,
  type TestNamespace,
  waitFor,
} from "./env/cluster.ts";
import { failLifecycleCalls, lifecycleCalls } from "./env/moto-lifecycle.ts";
import {
  createPooledDeployment,
  DEDICATED_TAINT,
  POOL_LABEL,
  uniqueId,
  waitForPodsOnNode,
} from "./env/node-fixtures.ts";
import { e2eConfig } from "./fixtures/e2e.config.ts";
import { spotWarning } from "./fixtures/e2e-events.ts";
import { type E2e, eventResult, freshEnvelope, startE2e } from "./fixtures/e2e-harness.ts";

let e2e: E2e;
let ns: TestNamespace;
const nodes: string[] = [];

beforeAll(async () => {
  // The disruption budget counts every cordoned node of the shared cluster, other suites' too; the
  // budget itself is tested in pipeline-races.int.ts. Here it must not get in the way.
  e2e = await startE2e("node-events", e2eConfig({ maxUnavailable: 10_000 }));
  ns = await createNamespace(e2e.admin, "e2e-node-events");
});

// a drained node's instance is gone for good: remove it, as the cloud would
afterEach(async () => {
  for (const name of nodes.splice(0)) await removeNode(e2e.admin, name);
});

afterAll(async () => {
  await ns?.cleanup();
  await e2e?.close();
});

const hex = (bytes: number) => randomBytes(bytes).toString("hex");

/**
 * A kwok node of its own pool (tainted: only our pods land there) whose providerID ends in `instanceId`
 * (any EC2 id format, also the 8-digit one `addNode` does not generate), with one Deployment pod on it.
 */
async function nodeWithPod(instanceId = `i-0${hex(8)}`): Promise<AddedNode & { pod: V1Pod; pool: string }> {
  const pool = `p-${uniqueId()}`;
  const zone = "us-east-1a";
  const providerID = `aws:///${zone}/${instanceId}`;
  const added = await addNode(e2e.admin, {
    zone,
    providerID,
    labels: { [POOL_LABEL]: pool },
    taints: [{ key: DEDICATED_TAINT, value: pool, effect: "NoSchedule" }],
  });
  nodes.push(added.name);
  await createPooledDeployment(e2e.admin, ns.name, `app-${pool}`, pool, { replicas: 1, role: "emptydir" });
  const [pod] = await waitForPodsOnNode(e2e.admin, ns.name, added.name, 1);
  if (!pod) throw new Error("no pod on the node");
  return { ...added, instanceId, providerID, pod, pool };
}

async function cordoned(name: string): Promise<boolean> {
  return (await e2e.admin.core.readNode({ name })).spec?.unschedulable === true;
}

/** Pods of the namespace still on the node and not on their way out. */
async function livePodsOn(node: string): Promise<string[]> {
  const list = await e2e.admin.core.listNamespacedPod({
    namespace: ns.name,
    fieldSelector: `spec.nodeName=${node}`,
  });
  return list.items.filter((pod) => !pod.metadata?.deletionTimestamp).map((pod) => pod.metadata?.uid ?? "");
}

function healthEvent(instanceId: string, start: Date) {
  const event = freshEnvelope(sampleEvent("health-scheduled-change"));
  const detail = event.detail as Record<string, unknown>;
  return {
    ...event,
    resources: [instanceId],
    detail: {
      ...detail,
      startTime: start.toUTCString(),
      endTime: new Date(start.getTime() + 2 * 3600_000).toUTCString(),
      affectedEntities: [{ entityValue: instanceId }],
    },
  };
}

describe("spot interruption warning", () => {
  it("drains exactly the node of the instance, not the node whose instance id it prefixes", async () => {
    const shortId = `i-${hex(4)}`; // the 8-digit EC2 id format
    const target = await nodeWithPod(shortId);
    const neighbour = await nodeWithPod(`${shortId}${hex(5).slice(0, 9)}`);
    expect(neighbour.instanceId.startsWith(target.instanceId)).toBe(true);

    const result = eventResult(await e2e.invoke("node-events", spotWarning(shortId)));

    expect(result.records).toHaveLength(1);
    expect(result.records[0]?.rejected).toBeUndefined();
    expect(result.records[0]?.triggers[0]?.ran).toEqual([
      expect.objectContaining({
        policy: "drain-on-spot",
        verb: "drain",
        target: `node/${target.name}`,
        ok: true,
        changed: true,
      }),
    ]);
    expect(await cordoned(target.name)).toBe(true);
    expect(await livePodsOn(target.name)).not.toContain(target.pod.metadata?.uid);
    expect(await cordoned(neighbour.name)).toBe(false);
    expect(await livePodsOn(neighbour.name)).toEqual([neighbour.pod.metadata?.uid]);

    const audit = (await e2e.audit()).filter(
      (record) => record.trigger.id === result.records[0]?.triggers[0]?.trigger,
    );
    expect(audit.map((record) => [record.verb, record.target, record.ok, record.actor])).toEqual([
      ["drain", { kind: "Node", name: target.name, instanceId: shortId }, true, "homeostat"],
    ]);
  });
});

describe("AWS Health scheduled change", () => {
  it("defers the drain with a one-time EventBridge Scheduler schedule and leaves the node alone", async () => {
    const node = await nodeWithPod();
    const start = new Date(Date.now() + 3 * 3600_000);
    start.setUTCMilliseconds(0);
    const result = eventResult(await e2e.invoke("node-events", healthEvent(node.instanceId, start)));

    const ran = result.records[0]?.triggers[0]?.ran ?? [];
    expect(ran).toEqual([
      expect.objectContaining({ verb: "defer", ok: true, changed: true, target: `node/${node.name}` }),
    ]);
    expect(await cordoned(node.name)).toBe(false);
    expect(await livePodsOn(node.name)).toEqual([node.pod.metadata?.uid]);

    const scheduler = new SchedulerClient(clientConfig(e2e.env));
    try {
      const listed = await scheduler.send(new ListSchedulesCommand({ GroupName: e2e.scheduleGroup }));
      const mine = (listed.Schedules ?? []).filter((schedule) => schedule.Name?.includes(node.instanceId));
      expect(mine).toHaveLength(1);
      const schedule = await scheduler.send(
        new GetScheduleCommand({ Name: mine[0]?.Name, GroupName: e2e.scheduleGroup }),
      );
      const at = new Date(start.getTime() - 30 * 60_000).toISOString().replace(/\.\d{3}Z$/, "");
      expect(schedule.ScheduleExpression).toBe(`at(${at})`);
      expect(schedule.ScheduleExpressionTimezone).toBe("UTC");
      expect(schedule.Target?.Arn).toBe(e2e.lambdaEnv.HOMEOSTAT_NODE_EVENTS_FUNCTION_ARN);
      expect(schedule.Target?.RoleArn).toBe(e2e.lambdaEnv.HOMEOSTAT_SCHEDULER_ROLE_ARN);
      const payload = JSON.parse(schedule.Target?.Input ?? "{}");
      expect(payload).toMatchObject({
        homeostat: "deferred",
        trigger: { kind: "instance", instanceId: node.instanceId },
      });

      // The same event again (a redelivery with a new id) finds the schedule there: no second schedule.
      await e2e.invoke("node-events", healthEvent(node.instanceId, start));
      const again = await scheduler.send(new ListSchedulesCommand({ GroupName: e2e.scheduleGroup }));
      expect((again.Schedules ?? []).filter((s) => s.Name?.includes(node.instanceId))).toHaveLength(1);

      // When the schedule fires, its payload reaches the handler inside the lead time: now it drains.
      const fired = eventResult(
        await e2e.invoke("node-events", payload, {
          deps: { now: () => new Date(start.getTime() - 29 * 60_000) },
        }),
      );
      expect(fired.records[0]?.triggers[0]?.ran).toEqual([
        expect.objectContaining({ verb: "drain", ok: true, target: `node/${node.name}` }),
      ]);
      expect(await cordoned(node.name)).toBe(true);
    } finally {
      scheduler.destroy();
    }
  });

  it("drains at once when the change starts within the lead time", async () => {
    const node = await nodeWithPod();
    const result = eventResult(
      await e2e.invoke("node-events", healthEvent(node.instanceId, new Date(Date.now() + 10 * 60_000))),
    );
    expect(result.records[0]?.triggers[0]?.ran).toEqual([
      expect.objectContaining({ verb: "drain", ok: true, changed: true, target: `node/${node.name}` }),
    ]);
    expect(await cordoned(node.name)).toBe(true);
    expect(await livePodsOn(node.name)).not.toContain(node.pod.metadata?.uid);
  });
});

describe("Auto Scaling terminate lifecycle hook", () => {
  const autoscaling = () => new AutoScalingClient(clientConfig(e2e.env));
  const lifecycle = () => autoScalingLifecycleHooks(new AutoScalingClient(clientConfig(e2e.env)));

  async function createGroupWithHook(group = `e2e-ng-${uniqueId()}`): Promise<{
    group: string;
    hook: string;
    cleanup: () => Promise<void>;
  }> {
    const client = autoscaling();
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
        DefaultResult: "ABANDON",
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

  function hookDetail(group: string, hook: string, instanceId: string, token = randomUUID()) {
    return {
      LifecycleActionToken: token,
      AutoScalingGroupName: group,
      LifecycleHookName: hook,
      EC2InstanceId: instanceId,
      LifecycleTransition: "autoscaling:EC2_INSTANCE_TERMINATING",
      NotificationMetadata: '{"cluster":"test"}',
      Origin: "AutoScalingGroup",
      Destination: "EC2",
    };
  }

  /** An SQS record carrying the hook message as Auto Scaling sends it straight to a queue. */
  function sqsRecord(group: string, hook: string, instanceId: string, messageId = randomUUID()) {
    const template = (sampleEvent("asg-terminate-sqs").Records as Array<Record<string, unknown>>)[0] ?? {};
    const body = JSON.parse(String(template.body));
    return {
      ...template,
      messageId,
      body: JSON.stringify({
        ...body,
        ...hookDetail(group, hook, instanceId),
        // Auto Scaling's id of the notification: each hook message has its own
        RequestId: randomUUID(),
        Time: new Date().toISOString(),
      }),
    };
  }

  it("drains the node, then completes the hook with CONTINUE (EventBridge delivery)", async () => {
    const { group, hook, cleanup } = await createGroupWithHook();
    try {
      const node = await nodeWithPod();
      const event = freshEnvelope(sampleEvent("asg-terminate"));
      const detail = hookDetail(group, hook, node.instanceId);
      const result = eventResult(
        await e2e.invoke("node-events", { ...event, detail }, { deps: { lifecycle: lifecycle() } }),
      );

      expect(result.records[0]?.triggers[0]?.ran.map((action) => [action.verb, action.ok])).toEqual([
        ["drain", true],
        ["complete-lifecycle", true],
      ]);
      expect(await cordoned(node.name)).toBe(true);
      expect(await livePodsOn(node.name)).not.toContain(node.pod.metadata?.uid);
      expect((await lifecycleCalls(e2e.env)).filter((call) => call.autoScalingGroupName === group)).toEqual([
        {
          action: "CompleteLifecycleAction",
          autoScalingGroupName: group,
          lifecycleHookName: hook,
          instanceId: node.instanceId,
          lifecycleActionToken: detail.LifecycleActionToken,
          lifecycleActionResult: "CONTINUE",
        },
      ]);
    } finally {
      await cleanup();
    }
  });

  it("keeps the hook alive with heartbeats while a PodDisruptionBudget holds the drain, then completes it", async () => {
    const { group, hook, cleanup } = await createGroupWithHook();
    try {
      const node = await nodeWithPod();
      const pdb = `hold-${node.pool}`;
      // no disruption allowed: the eviction is refused (429) and retried until the budget is lifted
      await e2e.admin.policy.createNamespacedPodDisruptionBudget({
        namespace: ns.name,
        body: {
          metadata: { name: pdb },
          spec: { minAvailable: 1, selector: { matchLabels: { app: `app-${node.pool}` } } },
        },
      });
      await waitFor(
        async () => {
          const read = await e2e.admin.policy.readNamespacedPodDisruptionBudget({
            namespace: ns.name,
            name: pdb,
          });
          return (
            read.status?.observedGeneration === read.metadata?.generation && read.status?.expectedPods === 1
          );
        },
        { what: `PDB ${pdb} observed` },
      );
      const event = freshEnvelope(sampleEvent("asg-terminate"));
      const detail = hookDetail(group, hook, node.instanceId);
      const running = e2e.invoke(
        "node-events",
        { ...event, detail },
        { deps: { lifecycle: lifecycle(), heartbeatIntervalMs: 300 } },
      );
      const ofGroup = async () =>
        (await lifecycleCalls(e2e.env)).filter((call) => call.autoScalingGroupName === group);
      await waitFor(
        async () =>
          (await ofGroup()).filter((call) => call.action === "RecordLifecycleActionHeartbeat").length >= 2,
        { what: "two lifecycle heartbeats while the drain waits" },
      );
      expect((await ofGroup()).some((call) => call.action === "CompleteLifecycleAction")).toBe(false);
      await e2e.admin.policy.deleteNamespacedPodDisruptionBudget({ namespace: ns.name, name: pdb });

      const result = eventResult(await running);
      expect(result.records[0]?.triggers[0]?.ran.map((action) => [action.verb, action.ok])).toEqual([
        ["drain", true],
        ["complete-lifecycle", true],
      ]);
      const calls = await ofGroup();
      expect(calls.at(-1)).toMatchObject({
        action: "CompleteLifecycleAction",
        lifecycleActionResult: "CONTINUE",
      });
      expect(calls.filter((call) => call.action === "CompleteLifecycleAction")).toHaveLength(1);
      expect(await livePodsOn(node.name)).not.toContain(node.pod.metadata?.uid);
    } finally {
      await cleanup();
    }
  });

  it("completes the hook of an instance that is not in the cluster, and retries only the record that failed (SQS)", async () => {
    const { group, hook, cleanup } = await createGroupWithHook();
    const flaky = await createGroupWithHook();
    try {
      const foreignInstance = `i-0${hex(8)}`;
      const good = sqsRecord(group, hook, foreignInstance);
      const failing = sqsRecord(flaky.group, flaky.hook, `i-0${hex(8)}`);
      const gone = sqsRecord(`e2e-ng-missing-${uniqueId()}`, hook, `i-0${hex(8)}`);
      const invoke = e2e.handler("node-events", { deps: { lifecycle: lifecycle() } });

      // Auto Scaling has a transient fault for one group: only that record asks for redelivery. The
      // record whose group does not exist gets a client error (ValidationError) that a retry would only
      // repeat: it is recorded as failed and not redelivered.
      await failLifecycleCalls(e2e.env, flaky.group, 3); // the SDK's own retries use up three; the record fails
      const response = await invoke({ Records: [good, failing, gone] });
      expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: failing.messageId }] });
      expect((await lifecycleCalls(e2e.env)).filter((call) => call.autoScalingGroupName === group)).toEqual([
        expect.objectContaining({
          action: "CompleteLifecycleAction",
          instanceId: foreignInstance,
          lifecycleActionResult: "CONTINUE",
        }),
      ]);
      const audit = await e2e.audit();
      const completion = audit.find(
        (record) =>
          record.verb === "complete-lifecycle" && JSON.stringify(record.target).includes(foreignInstance),
      );
      expect(completion).toMatchObject({ ok: true, changed: true });
      const refused = audit.find(
        (record) =>
          record.verb === "complete-lifecycle" && JSON.stringify(record.target).includes("e2e-ng-missing-"),
      );
      expect(refused).toMatchObject({ ok: false, changed: false });
      expect(refused?.message).toMatch(/No Lifecycle Hook found/);

      // the good record redelivered is a duplicate: skipped, the hook is not completed twice
      expect(await invoke({ Records: [good] })).toEqual({ batchItemFailures: [] });
      expect(
        (await lifecycleCalls(e2e.env)).filter((call) => call.instanceId === foreignInstance),
      ).toHaveLength(1);

      // the failed record's claims were released: once Auto Scaling answers again, its redelivery completes it
      const redelivered = await invoke({ Records: [failing] });
      expect(redelivered).toEqual({ batchItemFailures: [] });
      expect(
        (await lifecycleCalls(e2e.env)).filter((call) => call.autoScalingGroupName === flaky.group),
      ).toEqual([
        expect.objectContaining({ action: "CompleteLifecycleAction", lifecycleActionResult: "CONTINUE" }),
      ]);
    } finally {
      await flaky.cleanup();
      await cleanup();
    }
  });
});
