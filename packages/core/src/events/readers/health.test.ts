import { describe, expect, it } from "vitest";
import { normalize } from "../normalize.ts";
import { sampleEvent, sampleInstanceIds } from "../samples.ts";
import { detailOf, rejected, triggersOf } from "../test-helpers.ts";
import type { InstanceTrigger } from "../trigger.ts";

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
