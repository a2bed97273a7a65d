import { describe, expect, it } from "vitest";
import { normalize } from "../normalize.ts";
import { sampleEvent } from "../samples.ts";
import { now, only, rejected } from "../test-helpers.ts";
import { deferredPayload, scheduleTargetInput } from "./homeostat.ts";

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
