import { describe, expect, it } from "vitest";
import { type JsonObject, sampleEvent } from "../samples.ts";
import { detailOf, editRecordMessage, only, rejected } from "../test-helpers.ts";
import type { AlarmTrigger } from "../trigger.ts";

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

  it("previousState: only its value is read; without reason or timestamp the alarm is still read", () => {
    const event = sampleEvent("alarm");
    detailOf(event).previousState = { value: "OK" };
    expect(only<AlarmTrigger>(event)).toEqual(only<AlarmTrigger>(sampleEvent("alarm")));
    const bad = sampleEvent("alarm");
    detailOf(bad).previousState = { value: "GREEN" };
    expect(rejected(bad).field).toBe("detail.previousState.value");
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
});
