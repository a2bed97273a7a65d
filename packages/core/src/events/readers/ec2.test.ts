import { describe, expect, it } from "vitest";
import { sampleEvent, sampleInstanceIds } from "../samples.ts";
import { detailOf, only, rejected } from "../test-helpers.ts";
import type { InstanceTrigger } from "../trigger.ts";

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
});
