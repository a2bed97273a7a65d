// The alarm handler end to end: CloudWatch alarm state changes (EventBridge and SNS shapes) scale exactly
// the workload their Container Insights dimensions name; malformed and unknown input is rejected with a
// reason and causes no cluster request at all.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sampleEvent } from "../packages/core/src/events/index.ts";
import { createNamespace, createPauseDeployment, type TestNamespace } from "./env/cluster.ts";
import { E2E_CLUSTER_DIMENSION } from "./fixtures/e2e.config.ts";
import { cpuAlarm } from "./fixtures/e2e-events.ts";
import { type E2e, eventResult, freshEnvelope, startE2e } from "./fixtures/e2e-harness.ts";

let e2e: E2e;
let ns: TestNamespace;
let other: TestNamespace;

async function deployment(namespace: string, name: string, replicas = 1): Promise<void> {
  await createPauseDeployment(e2e.admin, namespace, name, replicas);
}

async function replicas(namespace: string, name: string): Promise<number | undefined> {
  return (await e2e.admin.apps.readNamespacedDeployment({ namespace, name })).spec?.replicas;
}

/**
 * What a write of ours would change on each Deployment in our namespaces: the spec (with its
 * `metadata.generation`), labels and annotations. Not the resourceVersion: the Deployment controller
 * moves it with every status update, and keeps the revision annotation itself.
 */
async function workloadsAsWeWrite(): Promise<Record<string, unknown>> {
  const workloads: Record<string, unknown> = {};
  for (const namespace of [ns.name, other.name]) {
    const list = await e2e.admin.apps.listNamespacedDeployment({ namespace });
    for (const { metadata, spec } of list.items) {
      const { "deployment.kubernetes.io/revision": _controllers, ...annotations } =
        metadata?.annotations ?? {};
      workloads[`${namespace}/${metadata?.name}`] = {
        generation: metadata?.generation,
        labels: metadata?.labels,
        annotations,
        spec,
      };
    }
  }
  return workloads;
}

beforeAll(async () => {
  e2e = await startE2e("alarm");
  ns = await createNamespace(e2e.admin, "e2e-alarm");
  other = await createNamespace(e2e.admin, "e2e-alarm-other");
  await deployment(ns.name, "web");
  await deployment(ns.name, "web-api");
  await deployment(other.name, "web");
});

afterAll(async () => {
  await ns?.cleanup();
  await other?.cleanup();
  await e2e?.close();
});

describe("CloudWatch alarm", () => {
  it("scales exactly the Deployment its Namespace and Service dimensions name (EventBridge)", async () => {
    const result = eventResult(await e2e.invoke("alarm", cpuAlarm(ns.name, "web")));

    expect(result.records[0]?.triggers[0]?.ran).toEqual([
      expect.objectContaining({
        policy: "scale-on-cpu",
        verb: "scale",
        target: `deployment/${ns.name}/web`,
        ok: true,
        changed: true,
      }),
    ]);
    expect(await replicas(ns.name, "web")).toBe(3);
    expect(await replicas(ns.name, "web-api")).toBe(1);
    expect(await replicas(other.name, "web")).toBe(1);
    const audit = (await e2e.audit()).filter((record) => record.verb === "scale");
    expect(audit).toEqual([
      expect.objectContaining({
        policy: "scale-on-cpu",
        actor: "homeostat",
        target: { kind: "Deployment", namespace: ns.name, name: "web" },
        ok: true,
      }),
    ]);
  });

  it("reads the dimensions of the same alarm delivered through SNS", async () => {
    const event = sampleEvent("alarm-sns");
    const [record] = event.Records as Array<{ Sns: Record<string, unknown> }>;
    if (!record) throw new Error("sample has no record");
    const message = JSON.parse(String(record.Sns.Message));
    message.AlarmName = "e2e-web-api-cpu-high";
    message.Trigger.Dimensions = [
      { value: E2E_CLUSTER_DIMENSION, name: "ClusterName" },
      { value: ns.name, name: "Namespace" },
      { value: "web-api", name: "Service" },
    ];
    record.Sns = { ...record.Sns, MessageId: randomUUID(), Message: JSON.stringify(message) };

    const result = eventResult(await e2e.invoke("alarm", event));
    expect(result.records[0]?.triggers[0]?.ran.map((action) => [action.target, action.ok])).toEqual([
      [`deployment/${ns.name}/web-api`, true],
    ]);
    expect(await replicas(ns.name, "web-api")).toBe(3);
    expect(await replicas(ns.name, "web")).toBe(3);
    expect(await replicas(other.name, "web")).toBe(1);
  });
});

describe("malformed and unknown input", () => {
  const malformedAlarm = () => {
    const event = cpuAlarm("shop", "web");
    const { state: _dropped, ...detail } = event.detail as Record<string, unknown>;
    return { ...event, detail };
  };
  const badSpot = () => {
    const event = freshEnvelope(sampleEvent("spot-interruption"));
    return { ...event, detail: { "instance-id": "i-0abc", "instance-action": "terminate" } };
  };
  const unknownDetailType = () => ({
    ...freshEnvelope(sampleEvent("spot-interruption")),
    "detail-type": "EC2 Fleet Instance Change",
  });
  const sqsGarbage = () => {
    const template = (sampleEvent("asg-terminate-sqs").Records as Array<Record<string, unknown>>)[0] ?? {};
    return { Records: [{ ...template, messageId: randomUUID(), body: "{not json" }] };
  };

  it.each([
    ["an unrelated object", () => ({ hello: "world" }), "unsupported"],
    ["a JSON array", () => [1, 2, 3], "malformed"],
    ["an alarm without its state", malformedAlarm, "malformed"],
    ["a spot warning with an invalid instance id", badSpot, "malformed"],
    ["an EC2 event of a kind Homeostat does not handle", unknownDetailType, "unsupported"],
  ])("rejects %s with a reason and writes nothing", async (_name, event, kind) => {
    const workloads = await workloadsAsWeWrite();
    const auditBefore = (await e2e.audit()).length;
    const requestsBefore = e2e.kube.requests.count;

    const result = eventResult(await e2e.invoke("alarm", event()));

    expect(result.records).toHaveLength(1);
    expect(result.records[0]?.rejected).toMatchObject({ kind, retryable: false });
    expect(result.records[0]?.rejected?.reason.length).toBeGreaterThan(10);
    expect(result.records[0]?.triggers).toEqual([]);
    expect(result.records[0]?.retry).toBe(false);
    expect(e2e.kube.requests.count).toBe(requestsBefore);
    expect((await e2e.audit()).length).toBe(auditBefore);
    expect(await workloadsAsWeWrite()).toEqual(workloads);
  });

  it("rejects an unreadable SQS record without asking for redelivery", async () => {
    const workloads = await workloadsAsWeWrite();
    const requestsBefore = e2e.kube.requests.count;
    const response = await e2e.invoke("node-events", sqsGarbage());
    // deleting it is right: the same bytes would fail the same way forever
    expect(response).toEqual({ batchItemFailures: [] });
    expect(e2e.kube.requests.count).toBe(requestsBefore);
    expect(await workloadsAsWeWrite()).toEqual(workloads);
  });
});
