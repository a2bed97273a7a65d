import { describe, expect, it } from "vitest";
import { normalize, normalizeBatch } from "./normalize.ts";
import { type JsonObject, sampleEvent, sampleKinds } from "./samples.ts";
import { now, rejected, sqsEventOf, triggersOf } from "./test-helpers.ts";
import { TriggerSchema } from "./trigger-schema.ts";

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
describe("batches", () => {
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
});
