import { describe, expect, it } from "vitest";
import type { VerbResult } from "../domain/verb.ts";
import type { AlarmTrigger } from "../events/trigger.ts";
import { auditRecordFromResult, skippedAuditRecord } from "./audit-record.ts";
import { resultDetailTypes, resultEventEntry } from "./event-bus.ts";

const trigger: AlarmTrigger = {
  kind: "alarm",
  id: "evt-1",
  time: "2025-03-01T12:00:00Z",
  origin: "aws.cloudwatch via EventBridge",
  alarmName: "HighCPU",
  alarmType: "metric",
  state: "ALARM",
  reason: "threshold crossed",
  dimensions: {},
};
const target = { kind: "Deployment", namespace: "shop", name: "checkout" } as const;
const result: VerbResult = {
  verb: "scale",
  target,
  ok: true,
  changed: true,
  dryRun: false,
  before: { replicas: 2 },
  after: { replicas: 4 },
  message: "scaled",
  warnings: ["hpa present"],
  apiRequests: 2,
  durationMs: 15,
};
const context = { trigger, policy: "scale-out", actor: "homeostat", time: new Date("2025-03-01T12:00:01Z") };

describe("audit records", () => {
  it("carries the verb result, trigger and policy, with an id stable across redeliveries", () => {
    const record = auditRecordFromResult(result, context);
    expect(record).toMatchObject({
      id: "evt-1#scale-out#scale#deployment/shop/checkout",
      time: "2025-03-01T12:00:01.000Z",
      trigger: { id: "evt-1", kind: "alarm", summary: "alarm HighCPU → ALARM" },
      before: { replicas: 2 },
      after: { replicas: 4 },
      warnings: ["hpa present"],
      apiRequests: 2,
    });
    expect(auditRecordFromResult(result, { ...context, time: new Date() }).id).toBe(record.id);
  });

  it("records a skip with its reason and no change", () => {
    const record = skippedAuditRecord({ verb: "scale", target }, "cooldown until 12:05", context);
    expect(record).toMatchObject({
      ok: true,
      changed: false,
      skippedReason: "cooldown until 12:05",
      apiRequests: 0,
    });
  });
});

describe("resultEventEntry", () => {
  it("publishes results and skips under their own detail types", () => {
    const done = resultEventEntry("bus", auditRecordFromResult(result, context));
    expect(done).toMatchObject({
      EventBusName: "bus",
      Source: "homeostat",
      DetailType: resultDetailTypes.result,
    });
    expect(JSON.parse(done.Detail ?? "")).toMatchObject({ verb: "scale", before: { replicas: 2 } });
    const skipped = resultEventEntry("bus", skippedAuditRecord({ verb: "scale", target }, "frozen", context));
    expect(skipped.DetailType).toBe(resultDetailTypes.skipped);
  });

  it("drops before/after, and says so, when the record would not fit in an event", () => {
    const huge = auditRecordFromResult({ ...result, before: { blob: "x".repeat(300_000) } }, context);
    const detail = JSON.parse(resultEventEntry("bus", huge).Detail ?? "");
    expect(detail.truncated).toBe(true);
    expect(detail.before).toBeUndefined();
    expect(detail.message).toBe("scaled");
  });
});
