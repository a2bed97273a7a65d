import { describe, expect, it } from "vitest";
import { commandTrigger, rolloutStalledTrigger, TriggerInputError } from "./constructors.ts";
import { type NormalizeResult, normalize, normalizeBatch } from "./normalize.ts";
import { type JsonObject, sampleEvent, sampleInstanceIds, sampleKinds } from "./samples.ts";
import { deferredPayload, scheduleTargetInput, TriggerSchema } from "./schemas.ts";
import { isoToRfc3339, rfc1123ToRfc3339 } from "./time.ts";
import type { AlarmTrigger, InstanceTrigger, Trigger } from "./trigger.ts";

const now = new Date("2024-06-01T12:00:00.000Z");

function triggersOf(result: NormalizeResult): Trigger[] {
  if (!result.ok) throw new Error(`expected ok, got ${result.error.kind}: ${result.error.reason}`);
  return result.triggers;
}

function only<T extends Trigger>(input: unknown): T {
  const triggers = triggersOf(normalize(input, { now }));
  expect(triggers).toHaveLength(1);
  return triggers[0] as T;
}

function rejected(input: unknown) {
  const result = normalize(input, { now });
  if (result.ok) throw new Error(`expected a rejection, got ${JSON.stringify(result.triggers)}`);
  expect(result.error.retryable).toBe(false);
  return result.error;
}

function detailOf(event: JsonObject): JsonObject {
  return event.detail as JsonObject;
}

/** The parsed JSON string at `Records[0].body` / `Records[0].Sns.Message`, edited and put back. */
function editRecordMessage(event: JsonObject, edit: (message: JsonObject) => void): JsonObject {
  const record = (event.Records as JsonObject[])[0] as JsonObject;
  if (typeof record.body === "string") {
    const body = JSON.parse(record.body) as JsonObject;
    edit(body);
    record.body = JSON.stringify(body);
  } else {
    const sns = record.Sns as JsonObject;
    const message = JSON.parse(sns.Message as string) as JsonObject;
    edit(message);
    sns.Message = JSON.stringify(message);
  }
  return event;
}

function sqsEventOf(bodies: { messageId: string; body: string }[]): JsonObject {
  const template = (sampleEvent("asg-terminate-sqs").Records as JsonObject[])[0] as JsonObject;
  return { Records: bodies.map(({ messageId, body }) => ({ ...template, messageId, body })) };
}

describe("every sample normalizes to a valid trigger", () => {
  it.each(sampleKinds.filter((k) => k !== "asg-test-notification"))("%s", (kind) => {
    const triggers = triggersOf(normalize(sampleEvent(kind), { now }));
    expect(triggers.length).toBeGreaterThan(0);
    for (const trigger of triggers) expect(TriggerSchema.safeParse(trigger).success).toBe(true);
  });

  it("asg-test-notification is recognised and ignored", () => {
    const error = rejected(sampleEvent("asg-test-notification"));
    expect(error.kind).toBe("ignored");
    expect(error.reason).toContain("test notification");
    expect(error.reason).toContain("Records[0] (messageId 2e1424d4-f796-459a-8184-9c92662be6da)");
  });
});

describe("CloudWatch alarms via EventBridge", () => {
  it("single-metric alarm: dimensions map, metric, state and RFC 3339 time", () => {
    expect(only<AlarmTrigger>(sampleEvent("alarm"))).toEqual({
      id: "c4c1c1c9-6542-e61b-6ef0-8c4d36933a92",
      time: "2019-10-02T17:04:40.989Z",
      origin: "aws.cloudwatch via EventBridge",
      region: "us-east-1",
      account: "123456789012",
      kind: "alarm",
      alarmName: "checkout-cpu-high",
      alarmArn: "arn:aws:cloudwatch:us-east-1:123456789012:alarm:checkout-cpu-high",
      alarmType: "metric",
      state: "ALARM",
      previousState: "OK",
      reason: expect.stringContaining("Threshold Crossed"),
      reasonData: expect.stringContaining('"recentDatapoints":[91.5]'),
      dimensions: { ClusterName: "prod", Namespace: "shop", Service: "checkout" },
      metric: { namespace: "ContainerInsights", name: "pod_cpu_utilization" },
      metrics: [
        {
          id: "30b6c6b2-a864-43a2-4877-c09a1afc3b87",
          namespace: "ContainerInsights",
          name: "pod_cpu_utilization",
          dimensions: { ClusterName: "prod", Namespace: "shop", Service: "checkout" },
          returnData: true,
        },
      ],
    });
  });

  it("metric-math alarm: no metricStat assumed, shared dimensions kept, expression listed", () => {
    const trigger = only<AlarmTrigger>(sampleEvent("alarm-metric-math"));
    expect(trigger.alarmType).toBe("metric-math");
    expect(trigger.metric).toBeUndefined();
    expect(trigger.dimensions).toEqual({ ClusterName: "prod", Namespace: "shop", Service: "checkout" });
    expect(trigger.metrics?.[0]).toEqual({ id: "e1", expression: "100 * m1 / m2", returnData: true });
    expect(trigger.time).toBe("2019-10-02T17:20:48.554Z");
  });

  it("metric-math alarm: only dimensions every metric shares with the same value", () => {
    const event = sampleEvent("alarm-metric-math");
    const metrics = (detailOf(event).configuration as JsonObject).metrics as JsonObject[];
    const m2 = ((metrics[2] as JsonObject).metricStat as JsonObject).metric as JsonObject;
    m2.dimensions = { ClusterName: "prod", Namespace: "payments" };
    expect(only<AlarmTrigger>(event).dimensions).toEqual({ ClusterName: "prod" });
  });

  it("metric-math alarm made only of expressions (Metrics Insights) has no dimensions", () => {
    const event = sampleEvent("alarm-metric-math");
    (detailOf(event).configuration as JsonObject).metrics = [
      { id: "q1", expression: 'SELECT AVG(CPUUtilization) FROM "AWS/EC2"', returnData: true, period: 60 },
    ];
    const trigger = only<AlarmTrigger>(event);
    expect(trigger.alarmType).toBe("metric-math");
    expect(trigger.dimensions).toEqual({});
  });

  it("composite alarm: alarm rule, no metrics, no dimensions", () => {
    const trigger = only<AlarmTrigger>(sampleEvent("alarm-composite"));
    expect(trigger.alarmType).toBe("composite");
    expect(trigger.alarmRule).toBe("ALARM(checkout-cpu-high) AND ALARM(checkout-latency-high)");
    expect(trigger.dimensions).toEqual({});
    expect(trigger.metrics).toBeUndefined();
    expect(trigger.reasonData).toContain("triggeringAlarms");
  });

  it("a bad state value names the field and the allowed values", () => {
    const event = sampleEvent("alarm");
    (detailOf(event).state as JsonObject).value = "FIRING";
    const error = rejected(event);
    expect(error.kind).toBe("malformed");
    expect(error.reason).toContain("detail.state.value");
    expect(error.reason).toContain('"INSUFFICIENT_DATA"');
    expect(error.reason).toContain('"FIRING"');
  });

  it("a timestamp that is not one is rejected, with the expected format", () => {
    const event = sampleEvent("alarm");
    (detailOf(event).state as JsonObject).timestamp = "2019-02-30T13:56:40.987+0000";
    const error = rejected(event);
    expect(error.reason).toContain("detail.state.timestamp");
    expect(error.reason).toContain("2019-10-01T13:56:40.987+0000");
  });

  it("an alarm with neither metrics nor alarmRule is malformed", () => {
    const event = sampleEvent("alarm");
    detailOf(event).configuration = { description: "nothing" };
    const error = rejected(event);
    expect(error.kind).toBe("malformed");
    expect(error.reason).toContain("alarmRule");
  });

  it("a metrics entry with neither metricStat nor expression is malformed", () => {
    const event = sampleEvent("alarm");
    (detailOf(event).configuration as JsonObject).metrics = [{ id: "m1", returnData: true }];
    expect(rejected(event).reason).toContain("detail.configuration.metrics[0]");
  });

  it("a missing alarmName is named", () => {
    const event = sampleEvent("alarm");
    delete detailOf(event).alarmName;
    expect(rejected(event).reason).toContain("detail.alarmName");
  });
});

describe("CloudWatch alarms via SNS", () => {
  it("single-metric alarm: Dimensions array becomes the map; id is the SNS MessageId", () => {
    const trigger = only<AlarmTrigger>(sampleEvent("alarm-sns"));
    expect(trigger).toMatchObject({
      id: "4d3a8c1e-2f5b-5c6d-9e7f-0a1b2c3d4e5f",
      time: "2023-05-08T09:20:33.166Z",
      origin: "aws.cloudwatch via SNS",
      region: "us-east-1",
      account: "123456789012",
      alarmName: "checkout-cpu-high",
      alarmType: "metric",
      state: "ALARM",
      previousState: "OK",
      dimensions: { ClusterName: "prod", Namespace: "shop", Service: "checkout" },
      metric: { namespace: "ContainerInsights", name: "pod_cpu_utilization" },
    });
  });

  it("composite alarm via SNS (AlarmRule, no Trigger)", () => {
    const event = editRecordMessage(sampleEvent("alarm-sns"), (message) => {
      delete message.Trigger;
      message.AlarmRule = "ALARM(a) OR ALARM(b)";
    });
    const trigger = only<AlarmTrigger>(event);
    expect(trigger.alarmType).toBe("composite");
    expect(trigger.alarmRule).toBe("ALARM(a) OR ALARM(b)");
    expect(trigger.dimensions).toEqual({});
  });

  it("metric-math alarm via SNS (Trigger.Metrics)", () => {
    const event = editRecordMessage(sampleEvent("alarm-sns"), (message) => {
      const dims = [
        { value: "prod", name: "ClusterName" },
        { value: "shop", name: "Namespace" },
      ];
      message.Trigger = {
        Metrics: [
          { Expression: "m1 / m2", Id: "e1", Label: "ratio", ReturnData: true },
          {
            Id: "m1",
            MetricStat: {
              Metric: { Dimensions: dims, MetricName: "a", Namespace: "ContainerInsights" },
              Period: 60,
            },
            ReturnData: false,
          },
          {
            Id: "m2",
            MetricStat: {
              Metric: { Dimensions: dims, MetricName: "b", Namespace: "ContainerInsights" },
              Period: 60,
            },
            ReturnData: false,
          },
        ],
      };
    });
    const trigger = only<AlarmTrigger>(event);
    expect(trigger.alarmType).toBe("metric-math");
    expect(trigger.dimensions).toEqual({ ClusterName: "prod", Namespace: "shop" });
    expect(trigger.metrics?.map((m) => m.id)).toEqual(["e1", "m1", "m2"]);
  });

  it("bad NewStateValue and missing Trigger/AlarmRule are malformed with the field named", () => {
    const badState = editRecordMessage(sampleEvent("alarm-sns"), (m) => {
      m.NewStateValue = "RED";
    });
    expect(rejected(badState).reason).toContain("Sns.Message: CloudWatch alarm SNS message: NewStateValue");
    const noTrigger = editRecordMessage(sampleEvent("alarm-sns"), (m) => {
      delete m.Trigger;
    });
    expect(rejected(noTrigger).reason).toContain("AlarmRule");
  });

  it("an SNS Message that is not JSON says so", () => {
    const event = sampleEvent("alarm-sns");
    ((event.Records as JsonObject[])[0]?.Sns as JsonObject).Message = "ALARM checkout-cpu-high";
    const error = rejected(event);
    expect(error.kind).toBe("malformed");
    expect(error.reason).toContain("Sns.Message: expected a JSON document");
  });

  it("the bare SNS notification (HTTP or SNS→SQS form) is unwrapped too", () => {
    const record = (sampleEvent("alarm-sns").Records as JsonObject[])[0] as JsonObject;
    const { UnsubscribeUrl, SigningCertUrl, ...notification } = record.Sns as JsonObject;
    const trigger = only<AlarmTrigger>({
      ...notification,
      UnsubscribeURL: UnsubscribeUrl,
      SigningCertURL: SigningCertUrl,
    });
    expect(trigger.id).toBe("4d3a8c1e-2f5b-5c6d-9e7f-0a1b2c3d4e5f");
    expect(trigger.origin).toBe("aws.cloudwatch via SNS");
  });
});

describe("EC2 events", () => {
  it("spot interruption: instance id from detail, not the zone-scoped ARN", () => {
    expect(only<InstanceTrigger>(sampleEvent("spot-interruption"))).toEqual({
      id: "12345678-1234-1234-1234-123456789012",
      time: "2024-03-14T09:26:53.000Z",
      origin: "aws.ec2 via EventBridge",
      region: "us-east-1",
      account: "123456789012",
      kind: "instance",
      event: "spot-interruption",
      instanceId: sampleInstanceIds.spot,
      instanceAction: "terminate",
    });
  });

  it("rebalance recommendation", () => {
    const trigger = only<InstanceTrigger>(sampleEvent("rebalance-recommendation"));
    expect(trigger.event).toBe("rebalance-recommendation");
    expect(trigger.instanceId).toBe(sampleInstanceIds.rebalance);
  });

  it.each(["pending", "running", "stopping", "stopped", "shutting-down", "terminated"])(
    "state-change to %s is accepted",
    (state) => {
      const event = sampleEvent("instance-state-change");
      detailOf(event).state = state;
      const trigger = only<InstanceTrigger>(event);
      expect(trigger.state).toBe(state);
      expect(trigger.instanceId).toBe(sampleInstanceIds.stateChange);
    },
  );

  it.each(["Running", "stop", "running ", "terminated-ish", "shutting_down"])(
    "state-change to %j is rejected (exact set, no substring match)",
    (state) => {
      const event = sampleEvent("instance-state-change");
      detailOf(event).state = state;
      const error = rejected(event);
      expect(error.kind).toBe("malformed");
      expect(error.reason).toContain("detail.state");
    },
  );

  it.each(["i-0abc", "i-0a1b2c3d4e5f6071", "I-0A1B2C3D4E5F60718", "garbage", "", "i-0a1b2c3d4e5f60718 "])(
    "instance id %j is not an instance id",
    (id) => {
      const event = sampleEvent("spot-interruption");
      detailOf(event)["instance-id"] = id;
      const error = rejected(event);
      expect(error.kind).toBe("malformed");
      expect(error.reason).toContain("detail.instance-id");
      expect(error.reason).toContain("i-1234567890abcdef0");
    },
  );

  it("8-hex-digit instance ids (older instances) are accepted", () => {
    const event = sampleEvent("spot-interruption");
    detailOf(event)["instance-id"] = "i-1234abcd";
    expect(only<InstanceTrigger>(event).instanceId).toBe("i-1234abcd");
  });

  it("a missing instance id or bad instance-action names the field", () => {
    const missing = sampleEvent("spot-interruption");
    delete detailOf(missing)["instance-id"];
    expect(rejected(missing).reason).toContain("detail.instance-id");
    const action = sampleEvent("spot-interruption");
    detailOf(action)["instance-action"] = "reboot";
    const error = rejected(action);
    expect(error.reason).toContain("detail.instance-action");
    expect(error.reason).toContain('"hibernate"');
  });

  it("unknown detail-types are unsupported, with the supported list", () => {
    const event = sampleEvent("spot-interruption");
    event["detail-type"] = "EC2 Fleet Spot Instance Request Change";
    const error = rejected(event);
    expect(error.kind).toBe("unsupported");
    expect(error.reason).toContain('"EC2 Fleet Spot Instance Request Change"');
    expect(error.reason).toContain('"EC2 Spot Instance Interruption Warning"');
  });

  it("an AWS detail-type from a custom source is not trusted", () => {
    const event = sampleEvent("spot-interruption");
    event.source = "my.app";
    const error = rejected(event);
    expect(error.kind).toBe("unsupported");
    expect(error.reason).toContain('accepted only from source "aws.ec2", got "my.app"');
  });

  it("a broken EventBridge envelope names the field", () => {
    const event = sampleEvent("spot-interruption");
    delete event.id;
    const noId = rejected(event);
    expect(noId.kind).toBe("malformed");
    expect(noId.reason).toMatch(/^EventBridge event: id: /);
    const badTime = sampleEvent("spot-interruption");
    badTime.time = "yesterday";
    expect(rejected(badTime).reason).toContain("time:");
  });
});

describe("AWS Health", () => {
  it("one trigger per instance, id suffixed, window in RFC 3339", () => {
    const triggers = triggersOf(normalize(sampleEvent("health-scheduled-change"))) as InstanceTrigger[];
    expect(triggers.map((t) => t.id)).toEqual([
      `f9d1ba6c-9a7e-4c6b-a2ef-6c2fbd4b7a11#${sampleInstanceIds.healthA}`,
      `f9d1ba6c-9a7e-4c6b-a2ef-6c2fbd4b7a11#${sampleInstanceIds.healthB}`,
    ]);
    expect(triggers[0]).toMatchObject({
      kind: "instance",
      event: "scheduled-maintenance",
      instanceId: sampleInstanceIds.healthA,
      origin: "aws.health via EventBridge",
      window: {
        start: "2024-03-15T14:00:00.000Z",
        end: "2024-03-15T16:00:00.000Z",
        eventTypeCode: "AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED",
        healthEventArn: expect.stringContaining("arn:aws:health:us-east-1::event/EC2/"),
      },
    });
  });

  it.each([
    ["RDS", "scheduledChange"],
    ["EC2", "issue"],
    ["EC2", "accountNotification"],
  ])("service %s category %s is ignored", (service, category) => {
    const event = sampleEvent("health-scheduled-change");
    detailOf(event).service = service;
    detailOf(event).eventTypeCategory = category;
    const error = rejected(event);
    expect(error.kind).toBe("ignored");
    expect(error.reason).toContain('only service "EC2" with eventTypeCategory "scheduledChange"');
  });

  it("entities that are not instances are skipped with a warning; duplicates collapse", () => {
    const event = sampleEvent("health-scheduled-change");
    detailOf(event).affectedEntities = [
      { entityValue: "vol-0123456789abcdef0" },
      { entityValue: sampleInstanceIds.healthA },
      { entityValue: sampleInstanceIds.healthA },
    ];
    const result = normalize(event);
    expect(triggersOf(result).map((t) => (t as InstanceTrigger).instanceId)).toEqual([
      sampleInstanceIds.healthA,
    ]);
    expect(result.ok && result.warnings?.[0]).toContain('"vol-0123456789abcdef0"');
  });

  it("an event naming no instance is ignored; one naming nothing is malformed", () => {
    const hosts = sampleEvent("health-scheduled-change");
    detailOf(hosts).affectedEntities = [{ entityValue: "h-0123456789abcdef0" }];
    expect(rejected(hosts).kind).toBe("ignored");
    const none = sampleEvent("health-scheduled-change");
    detailOf(none).affectedEntities = [];
    const error = rejected(none);
    expect(error.kind).toBe("malformed");
    expect(error.reason).toContain("detail.affectedEntities");
  });

  it("startTime must be a time; endTime may be absent", () => {
    const bad = sampleEvent("health-scheduled-change");
    detailOf(bad).startTime = "next Friday";
    const error = rejected(bad);
    expect(error.reason).toContain("detail.startTime");
    expect(error.reason).toContain("Sat, 05 Jun 2016 15:10:09 GMT");
    const open = sampleEvent("health-scheduled-change");
    delete detailOf(open).endTime;
    const [first] = triggersOf(normalize(open)) as InstanceTrigger[];
    expect(first?.window).toEqual({
      start: "2024-03-15T14:00:00.000Z",
      healthEventArn: expect.any(String),
      eventTypeCode: "AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED",
    });
  });
});

describe("Auto Scaling terminate lifecycle action", () => {
  const lifecycle = {
    autoScalingGroupName: "eks-prod-ng-general-20240101",
    lifecycleHookName: "homeostat-drain",
    lifecycleActionToken: "87654321-4321-4321-4321-210987654321",
    destination: "EC2",
    origin: "AutoScalingGroup",
    notificationMetadata: '{"cluster":"prod"}',
  };

  it("via EventBridge", () => {
    expect(only<InstanceTrigger>(sampleEvent("asg-terminate"))).toEqual({
      id: "468fb8ba-2c5b-4b2b-9a8e-1c0ea6cf7df6",
      time: "2024-03-14T19:16:56.000Z",
      origin: "aws.autoscaling via EventBridge",
      region: "us-east-1",
      account: "123456789012",
      kind: "instance",
      event: "asg-terminate",
      instanceId: sampleInstanceIds.asg,
      lifecycle,
    });
  });

  it("straight from SQS: fields at the top level of the body", () => {
    expect(only<InstanceTrigger>(sampleEvent("asg-terminate-sqs"))).toEqual({
      id: "63f5b5c2-58b3-0574-b7d5-b3162d0268f0",
      time: "2024-03-14T19:16:56.533Z",
      origin: "aws.autoscaling via SQS",
      region: "us-east-1",
      account: "123456789012",
      kind: "instance",
      event: "asg-terminate",
      instanceId: sampleInstanceIds.asg,
      lifecycle,
    });
  });

  it("wrapped in SNS, and SNS delivered through SQS", () => {
    const viaSns = only<InstanceTrigger>(sampleEvent("asg-terminate-sns"));
    expect(viaSns.origin).toBe("aws.autoscaling via SNS");
    expect(viaSns.lifecycle).toEqual(lifecycle);

    const sns = ((sampleEvent("asg-terminate-sns").Records as JsonObject[])[0] as JsonObject)
      .Sns as JsonObject;
    const { UnsubscribeUrl, SigningCertUrl, ...rest } = sns;
    const body = JSON.stringify({ ...rest, UnsubscribeURL: UnsubscribeUrl, SigningCertURL: SigningCertUrl });
    const viaSnsSqs = only<InstanceTrigger>(sqsEventOf([{ messageId: "m-1", body }]));
    expect(viaSnsSqs.origin).toBe("aws.autoscaling via SNS via SQS");
    expect(viaSnsSqs.instanceId).toBe(sampleInstanceIds.asg);
  });

  it("WarmPool destination is kept for decide", () => {
    const event = editRecordMessage(sampleEvent("asg-terminate-sqs"), (m) => {
      m.Destination = "WarmPool";
    });
    expect(only<InstanceTrigger>(event).lifecycle?.destination).toBe("WarmPool");
  });

  it("test notifications and launch hooks are ignored; other ASG notifications are unsupported", () => {
    const test = JSON.parse(
      (sampleEvent("asg-test-notification").Records as JsonObject[])[0]?.body as string,
    );
    expect(rejected(test).kind).toBe("ignored");
    const launching = editRecordMessage(sampleEvent("asg-terminate-sqs"), (m) => {
      m.LifecycleTransition = "autoscaling:EC2_INSTANCE_LAUNCHING";
    });
    expect(rejected(launching).kind).toBe("ignored");
    const launchEvent = sampleEvent("asg-terminate");
    launchEvent["detail-type"] = "EC2 Instance-launch Lifecycle Action";
    expect(rejected(launchEvent).kind).toBe("ignored");
    const notification = rejected({ Event: "autoscaling:EC2_INSTANCE_TERMINATE", AutoScalingGroupName: "a" });
    expect(notification.kind).toBe("unsupported");
    expect(notification.reason).toContain("not a lifecycle hook");
  });

  it("a missing token or bad instance id names the field", () => {
    const noToken = editRecordMessage(sampleEvent("asg-terminate-sqs"), (m) => {
      delete m.LifecycleActionToken;
    });
    expect(rejected(noToken).reason).toContain("LifecycleActionToken");
    const badId = sampleEvent("asg-terminate");
    detailOf(badId).EC2InstanceId = "i-0abc";
    const error = rejected(badId);
    expect(error.reason).toContain("detail.EC2InstanceId");
    expect(error.reason).toContain('"i-0abc"');
  });
});

describe("schedule payloads", () => {
  it("executionId is the id; scheduledTime the time", () => {
    expect(only(sampleEvent("schedule"))).toEqual({
      id: "a2c1f9e6-3b9d-4e1a-9a7c-2d6f1c0e8b44",
      time: "2024-03-14T19:00:00.000Z",
      origin: "aws.scheduler",
      kind: "schedule",
      policy: "dev-office-hours",
      entry: "scale-down",
      scheduledTime: "2024-03-14T19:00:00.000Z",
    });
  });

  it("without executionId the id is policy, entry and scheduled time; without either, now", () => {
    const { executionId: _, ...noExecution } = sampleEvent("schedule");
    expect(only(noExecution).id).toBe("schedule:dev-office-hours:scale-down:2024-03-14T19:00:00.000Z");
    const { scheduledTime: __, ...bare } = noExecution;
    const trigger = only(bare);
    expect(trigger.id).toBe(`schedule:dev-office-hours:scale-down:${now.toISOString()}`);
    expect(trigger.time).toBe(now.toISOString());
  });

  it("scheduleTargetInput, once Scheduler fills the placeholders, normalizes", () => {
    const input = scheduleTargetInput("nightly", "restore")
      .replace("<aws.scheduler.scheduled-time>", "2024-03-15T07:30:00Z")
      .replace("<aws.scheduler.execution-id>", "exec-1");
    expect(only(JSON.parse(input))).toMatchObject({ id: "exec-1", policy: "nightly", entry: "restore" });
    // unfilled placeholders are not a time
    expect(rejected(JSON.parse(scheduleTargetInput("nightly", "restore"))).reason).toContain("scheduledTime");
  });

  it("wrong version or missing policy is malformed", () => {
    expect(rejected({ ...sampleEvent("schedule"), version: 2 }).reason).toContain("version");
    const { policy: _, ...noPolicy } = sampleEvent("schedule");
    expect(rejected(noPolicy).reason).toContain("policy");
  });
});

describe("envelopes and batches", () => {
  it("an EventBridge event delivered through SQS keeps its own id", () => {
    const body = JSON.stringify(sampleEvent("spot-interruption"));
    const trigger = only<InstanceTrigger>(sqsEventOf([{ messageId: "sqs-1", body }]));
    expect(trigger.id).toBe("12345678-1234-1234-1234-123456789012");
    expect(trigger.origin).toBe("aws.ec2 via EventBridge via SQS");
  });

  it("a bad record is reported by messageId; the others still normalize", () => {
    const event = sqsEventOf([
      { messageId: "good", body: JSON.stringify(sampleEvent("spot-interruption")) },
      { messageId: "bad", body: "{not json" },
      {
        messageId: "test",
        body: (sampleEvent("asg-test-notification").Records as JsonObject[])[0]?.body as string,
      },
    ]);
    const records = normalizeBatch(event);
    expect(records.map((r) => [r.index, r.messageId, r.result.ok || r.result.error.kind])).toEqual([
      [0, "good", true],
      [1, "bad", "malformed"],
      [2, "test", "ignored"],
    ]);
    const whole = rejected(event);
    expect(whole.kind).toBe("malformed");
    expect(whole.reason).toBe('Records[1] (messageId bad): body: expected a JSON document, got "{not json"');
  });

  it("a batch with good records and ignored ones is ok, with the ignored ones as warnings", () => {
    const event = sqsEventOf([
      { messageId: "a", body: JSON.stringify(sampleEvent("rebalance-recommendation")) },
      {
        messageId: "b",
        body: (sampleEvent("asg-test-notification").Records as JsonObject[])[0]?.body as string,
      },
    ]);
    const result = normalize(event);
    expect(triggersOf(result)).toHaveLength(1);
    expect(result.ok && result.warnings?.[0]).toMatch(/^Records\[1\] \(messageId b\): ignored: /);
  });

  it("a record that is not a valid SQS record names the field", () => {
    const event = sampleEvent("asg-terminate-sqs");
    delete ((event.Records as JsonObject[])[0] as JsonObject).receiptHandle;
    const [record] = normalizeBatch(event);
    expect(record?.messageId).toBe("059f36b4-87a3-44ab-83d2-661975830a7d");
    expect(record?.result).toMatchObject({
      ok: false,
      error: { kind: "malformed", reason: "SQS record: receiptHandle: missing (expected string)" },
    });
  });

  it.each([
    [{ Records: "x" }, "Records: expected an array"],
    [{ Records: [] }, "expected at least one record"],
    [{ Records: [{ eventSource: "aws:kinesis" }] }, 'got eventSource "aws:kinesis"'],
    [{ Records: [42] }, "expected a record object"],
  ])("batch shape %j", (input, reason) => {
    expect(rejected(input).reason).toContain(reason);
  });

  it.each([null, 42, "text", [], true])("non-object input %j is malformed", (input) => {
    const error = rejected(input);
    expect(error.kind).toBe("malformed");
    expect(error.reason).toContain("expected a JSON object");
  });

  it("an unknown object is unsupported and its keys are listed", () => {
    const error = rejected({ hello: "world", foo: 1 });
    expect(error.kind).toBe("unsupported");
    expect(error.reason).toContain('keys "hello", "foo"');
    expect(error.reason).toContain("EventBridge event");
  });

  it("envelopes nested deeper than AWS ever sends stop", () => {
    let value: JsonObject = sampleEvent("spot-interruption");
    for (let i = 0; i < 8; i++) {
      value = {
        Type: "Notification",
        MessageId: `m${i}`,
        TopicArn: "arn:aws:sns:us-east-1:123456789012:t",
        Message: JSON.stringify(value),
        Timestamp: "2024-03-14T09:26:53.000Z",
      };
    }
    const error = rejected(value);
    expect(error.kind).toBe("unsupported");
    expect(error.reason).toContain("nested more than");
  });
});

describe("in-process triggers", () => {
  it("rolloutStalledTrigger: a stable id per deployment revision", () => {
    const input = {
      namespace: "shop",
      deployment: "checkout",
      revision: 7,
      reason: "ProgressDeadlineExceeded",
      now,
    };
    const trigger = rolloutStalledTrigger(input);
    expect(trigger).toEqual({
      id: "rollout-stalled:shop/checkout@7",
      time: now.toISOString(),
      origin: "rollout-guard",
      kind: "rollout-stalled",
      namespace: "shop",
      deployment: "checkout",
      reason: "ProgressDeadlineExceeded",
      revision: 7,
    });
    expect(rolloutStalledTrigger({ ...input, now: new Date() }).id).toBe(trigger.id);
    expect(TriggerSchema.safeParse(trigger).success).toBe(true);
    expect(() => rolloutStalledTrigger({ ...input, revision: -1 })).toThrow(TriggerInputError);
  });

  it("commandTrigger: given or fresh ids; empty actor or text is refused", () => {
    const a = commandTrigger({ actor: "alice", text: "scale shop/checkout +3", now });
    const b = commandTrigger({ actor: "alice", text: "scale shop/checkout +3", now });
    expect(a.id).not.toBe(b.id);
    expect(a).toMatchObject({ kind: "command", actor: "alice", origin: "cli", time: now.toISOString() });
    expect(commandTrigger({ actor: "U123", text: "restart shop/cart", id: "t-1", origin: "slack" }).id).toBe(
      "t-1",
    );
    expect(() => commandTrigger({ actor: " ", text: "x" })).toThrow(/actor is empty/);
    expect(() => commandTrigger({ actor: "a", text: "" })).toThrow(TriggerInputError);
  });
});

describe("time formats", () => {
  it.each([
    ["2019-10-01T13:56:40.987+0000", "2019-10-01T13:56:40.987Z"],
    ["2019-10-01T13:56:40Z", "2019-10-01T13:56:40.000Z"],
    ["2019-10-01T15:56:40.1+02:00", "2019-10-01T13:56:40.100Z"],
    ["2019-10-01T13:56:40.123456789-0130", "2019-10-01T15:26:40.123Z"],
  ])("ISO %s → %s", (text, expected) => {
    expect(isoToRfc3339(text)).toBe(expected);
  });

  it.each([
    "2019-02-29T00:00:00Z",
    "2019-10-01T24:00:00Z",
    "2019-10-01 13:56:40Z",
    "2019-10-01T13:56:40",
    "",
  ])("ISO %j is rejected", (text) => {
    expect(isoToRfc3339(text)).toBeUndefined();
  });

  it.each([
    ["Sat, 05 Jun 2016 15:10:09 GMT", "2016-06-05T15:10:09.000Z"],
    ["Fri, 15 Mar 2024 14:00:00 GMT", "2024-03-15T14:00:00.000Z"],
    ["Mon, 1 Jan 2024 00:00:00 GMT", "2024-01-01T00:00:00.000Z"],
  ])("RFC 1123 %s → %s", (text, expected) => {
    expect(rfc1123ToRfc3339(text)).toBe(expected);
  });

  it.each([
    "Fri, 30 Feb 2024 14:00:00 GMT",
    "15 Mar 2024 14:00:00 GMT",
    "Fri, 15 Mar 2024 14:00:00 PST",
    "soon",
  ])("RFC 1123 %j is rejected", (text) => {
    expect(rfc1123ToRfc3339(text)).toBeUndefined();
  });
});

describe("deferred runs", () => {
  it("turn back into the original trigger with a #deferred id, so the first delivery's claim does not block them", () => {
    const first = normalize(sampleEvent("health-scheduled-change"));
    if (!first.ok) throw new Error(first.error.reason);
    const original = first.triggers[0];
    if (!original) throw new Error("no trigger");
    const again = normalize(JSON.parse(JSON.stringify(deferredPayload(original, "2024-06-01T11:30:00Z"))));
    if (!again.ok) throw new Error(again.error.reason);
    expect(again.triggers).toHaveLength(1);
    const deferred = again.triggers[0];
    expect(deferred).toEqual({
      ...original,
      id: `${original.id}#deferred@2024-06-01T11:30:00Z`,
      origin: `${original.origin}, deferred by aws.scheduler`,
    });
    // deferred again (a policy with a shorter lead time): a new id, not the first deferral's
    if (!deferred) throw new Error("no trigger");
    const twice = normalize(JSON.parse(JSON.stringify(deferredPayload(deferred, "2024-06-01T12:00:00Z"))));
    if (!twice.ok) throw new Error(twice.error.reason);
    expect(twice.triggers[0]?.id).toBe(`${original.id}#deferred@2024-06-01T12:00:00Z`);
  });

  it("reject a deferred payload whose trigger is not a trigger", () => {
    const result = normalize({ homeostat: "deferred", version: 1, trigger: { kind: "instance", id: "x" } });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.kind).toBe("malformed");
      expect(result.error.reason).toMatch(/deferred run/);
    }
  });
});
