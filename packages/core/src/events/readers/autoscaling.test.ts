import { describe, expect, it } from "vitest";
import { type JsonObject, sampleEvent, sampleInstanceIds } from "../samples.ts";
import { detailOf, editRecordMessage, only, rejected, sqsEventOf } from "../test-helpers.ts";
import type { InstanceTrigger } from "../trigger.ts";

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
