import { randomUUID } from "node:crypto";
import { Sha256 } from "@aws-crypto/sha256-js";
import {
  CreateEventBusCommand,
  DeleteEventBusCommand,
  DeleteRuleCommand,
  EventBridgeClient,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
} from "@aws-sdk/client-eventbridge";
import { HttpRequest } from "@smithy/protocol-http";
import { SignatureV4 } from "@smithy/signature-v4";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AuditPublishError,
  publishResult,
  resultDetailTypes,
  skippedAuditRecord,
} from "../packages/core/src/record/index.ts";
import type { AuditRecord } from "../packages/core/src/state/index.ts";
import { loadTestEnv } from "./env/env.ts";

// publishResult against moto's EventBridge: a rule on our bus forwards Homeostat events to an SQS
// queue, and the test reads them back from the queue — what any consumer of the bus would see.
const env = loadTestEnv();
const credentials = { accessKeyId: "testing", secretAccessKey: "testing" };
const events = new EventBridgeClient({ endpoint: env.motoUrl, region: env.region, credentials });
const run = randomUUID().slice(0, 8);
const busName = `homeostat-results-${run}`;
const ruleName = `homeostat-to-sqs-${run}`;
const queueName = `homeostat-results-${run}`;

// @aws-sdk/client-sqs is not a dependency: these few SQS calls go over its JSON protocol, signed.
const signer = new SignatureV4({ service: "sqs", region: env.region, credentials, sha256: Sha256 });
async function sqs<T>(action: string, body: Record<string, unknown>): Promise<T> {
  const url = new URL(env.motoUrl);
  const request = new HttpRequest({
    method: "POST",
    protocol: url.protocol,
    hostname: url.hostname,
    port: Number(url.port),
    path: "/",
    headers: {
      host: url.host,
      "content-type": "application/x-amz-json-1.0",
      "x-amz-target": `AmazonSQS.${action}`,
    },
    body: JSON.stringify(body),
  });
  const signed = await signer.sign(request);
  const response = await fetch(env.motoUrl, { method: "POST", headers: signed.headers, body: signed.body });
  const text = await response.text();
  if (!response.ok) throw new Error(`SQS ${action} failed with ${response.status}: ${text}`);
  return (text ? JSON.parse(text) : {}) as T;
}

let queueUrl = "";

beforeAll(async () => {
  queueUrl = (await sqs<{ QueueUrl: string }>("CreateQueue", { QueueName: queueName })).QueueUrl;
  await events.send(new CreateEventBusCommand({ Name: busName }));
  await events.send(
    new PutRuleCommand({
      Name: ruleName,
      EventBusName: busName,
      EventPattern: JSON.stringify({ source: ["homeostat"] }),
    }),
  );
  await events.send(
    new PutTargetsCommand({
      Rule: ruleName,
      EventBusName: busName,
      Targets: [{ Id: "queue", Arn: `arn:aws:sqs:${env.region}:${env.accountId}:${queueName}` }],
    }),
  );
});

afterAll(async () => {
  await events.send(new RemoveTargetsCommand({ Rule: ruleName, EventBusName: busName, Ids: ["queue"] }));
  await events.send(new DeleteRuleCommand({ Name: ruleName, EventBusName: busName }));
  await events.send(new DeleteEventBusCommand({ Name: busName }));
  await sqs("DeleteQueue", { QueueUrl: queueUrl });
  events.destroy();
});

interface ForwardedEvent {
  id: string;
  source: string;
  "detail-type": string;
  detail: AuditRecord;
}

async function receiveAll(expected: number): Promise<ForwardedEvent[]> {
  const received: ForwardedEvent[] = [];
  for (let polls = 0; polls < 20 && received.length < expected; polls++) {
    const { Messages = [] } = await sqs<{ Messages?: { Body: string; ReceiptHandle: string }[] }>(
      "ReceiveMessage",
      {
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
      },
    );
    for (const message of Messages) {
      received.push(JSON.parse(message.Body) as ForwardedEvent);
      await sqs("DeleteMessage", { QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle });
    }
  }
  return received;
}

const trigger = {
  kind: "alarm" as const,
  id: `evt-${run}`,
  time: "2025-03-01T12:00:00Z",
  origin: "test",
  alarmName: "HighCPU",
  alarmType: "metric" as const,
  state: "ALARM" as const,
  reason: "test",
  dimensions: {},
};
const target = { kind: "Deployment" as const, namespace: "shop", name: "checkout" };

describe("publishResult", () => {
  it("puts results and skips on the bus, where a rule delivers them to consumers", async () => {
    const done: AuditRecord = {
      id: `done-${run}`,
      time: "2025-03-01T12:00:01.000Z",
      trigger: { id: trigger.id, kind: "alarm", summary: "alarm HighCPU → ALARM" },
      policy: "scale-out",
      actor: "homeostat",
      verb: "scale",
      target,
      dryRun: false,
      ok: true,
      changed: true,
      before: { replicas: 2 },
      after: { replicas: 4 },
      message: "scaled shop/checkout from 2 to 4",
      warnings: [],
      durationMs: 12,
      apiRequests: 2,
    };
    const skipped = skippedAuditRecord({ verb: "scale", target }, "cooldown until 12:05", {
      trigger,
      policy: "scale-out",
      actor: "homeostat",
      id: `skip-${run}`,
      time: new Date("2025-03-01T12:00:02Z"),
    });
    const first = await publishResult(events, busName, done);
    const second = await publishResult(events, busName, skipped);
    expect(first.eventId).not.toBe(second.eventId);

    const received = await receiveAll(2);
    const byId = new Map(received.map((event) => [event.detail.id, event]));
    expect(byId.get(done.id)).toMatchObject({
      source: "homeostat",
      "detail-type": resultDetailTypes.result,
      detail: done,
    });
    expect(byId.get(skipped.id)).toMatchObject({
      source: "homeostat",
      "detail-type": resultDetailTypes.skipped,
      detail: { skippedReason: "cooldown until 12:05", changed: false },
    });
  });

  it("throws an AuditPublishError naming the bus when EventBridge refuses", async () => {
    const record = skippedAuditRecord({ verb: "scale", target }, "x", {
      trigger,
      policy: "p",
      actor: "homeostat",
    });
    const error = await publishResult(events, `no-such-bus-${run}`, record).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(AuditPublishError);
    expect(error).toMatchObject({
      busName: `no-such-bus-${run}`,
      errorCode: "ResourceNotFoundException",
      retryable: false,
    });
    expect((error as AuditPublishError).message).toMatch(/no-such-bus.*events:PutEvents/);
  });
});
