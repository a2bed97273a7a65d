import { describe, expect, it } from "vitest";
import { sampleEvent, sampleKinds } from "../events/samples.ts";
import { handlerForEvent } from "./http.ts";

describe("handlerForEvent", () => {
  it("routes every sample as the deployment's rules and subscriptions do", () => {
    const routed = Object.fromEntries(sampleKinds.map((kind) => [kind, handlerForEvent(sampleEvent(kind))]));
    expect(routed).toEqual({
      alarm: "alarm",
      "alarm-metric-math": "alarm",
      "alarm-composite": "alarm",
      "alarm-sns": "alarm",
      "spot-interruption": "node-events",
      "rebalance-recommendation": "node-events",
      "instance-state-change": "node-events",
      "health-scheduled-change": "node-events",
      "asg-terminate": "node-events",
      "asg-terminate-sqs": "node-events",
      "asg-terminate-sns": "node-events",
      "asg-test-notification": "node-events",
      schedule: "schedule",
    });
  });

  it("hands anything else to node-events, whose normalize says why it is not acted on", () => {
    expect(handlerForEvent("text")).toBe("node-events");
    expect(handlerForEvent({ homeostat: "deferred" })).toBe("node-events");
    expect(handlerForEvent({ source: "aws.s3" })).toBe("node-events");
  });
});
