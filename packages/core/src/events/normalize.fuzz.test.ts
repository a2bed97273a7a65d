/**
 * Property tests: normalize never throws, and every answer is either valid triggers or a rejection
 * that names its field — for arbitrary JSON, arbitrary JS values, lookalikes of each shape, and every
 * sample in every envelope mutated at any depth (including inside SQS bodies and SNS Messages).
 * 5,000 cases here in `npm test`, and 10,000 more through the pipeline; `npm run fuzz` runs each property with HOMEOSTAT_FUZZ_RUNS cases.
 * runtime/pipeline.fuzz.test.ts runs the same inputs through the pipeline: rejected input writes nothing.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { INSTANCE_ID_PATTERN } from "../domain/instance-id.ts";
import { FUZZ_TIMEOUT_MS, fuzz } from "../testing/fuzz.ts";
import { assertNamesField, eventBases, lookalikeArb, mutatedEventArb } from "./inputs.fuzz.ts";
import { type NormalizeResult, normalize, normalizeBatch } from "./normalize.ts";
import { type JsonObject, sampleEvent } from "./samples.ts";
import { isoToRfc3339, rfc1123ToRfc3339 } from "./time.ts";
import { TriggerSchema } from "./trigger-schema.ts";

const now = new Date("2024-06-01T12:00:00.000Z");

// Plain checks rather than expect(): this runs tens of thousands of times per test.
function assertWellFormed(result: NormalizeResult): void {
  if (result.ok) {
    if (result.triggers.length === 0) throw new Error("ok with no triggers");
    for (const trigger of result.triggers) {
      const parsed = TriggerSchema.safeParse(trigger);
      if (!parsed.success)
        throw new Error(`invalid trigger ${JSON.stringify(trigger)}: ${parsed.error.message}`);
    }
    return;
  }
  const { kind, reason, retryable } = result.error;
  if (kind !== "malformed" && kind !== "unsupported" && kind !== "ignored")
    throw new Error(`bad kind ${kind}`);
  if (retryable !== false) throw new Error("a normalize rejection must not be retryable");
  if (typeof reason !== "string" || reason.trim() === "") throw new Error("empty reason");
  // the catch-all is for the unforeseen: reaching it means a parser bug, not bad input
  if (reason.includes("internal error")) throw new Error(reason);
  assertNamesField(result.error);
}

function check(input: unknown): void {
  assertWellFormed(normalize(input, { now }));
  for (const record of normalizeBatch(input, { now })) assertWellFormed(record.result);
}

describe("normalize never throws, and every rejection names its field", { timeout: FUZZ_TIMEOUT_MS }, () => {
  it("on arbitrary JSON", () => {
    fuzz(fc.property(fc.jsonValue(), check), 1000);
  });

  it("on arbitrary JS values (odd keys, prototypes, typed arrays, …)", () => {
    fuzz(fc.property(fc.anything({ withNullPrototype: true, withObjectString: true }), check), 1000);
  });

  it("on objects that look like each supported shape with arbitrary fields", () => {
    fuzz(fc.property(lookalikeArb, check), 1000);
  });

  it("on every sample in every envelope, 1–4 fields dropped, retyped, nulled, huge, unicode or deep", () => {
    fuzz(fc.property(mutatedEventArb, check), 2500);
  });

  it("reads every sample in every envelope as it is (the test notification is ignored, as it should be)", () => {
    for (const base of eventBases) {
      const result = normalize(base, { now });
      const outcome = result.ok ? "ok" : result.error.reason;
      expect(outcome).toSatisfy((text: string) => text === "ok" || text.includes("test notification"));
    }
  });
});

describe("parsers agree with their specifications", { timeout: FUZZ_TIMEOUT_MS }, () => {
  it("spot warnings: ids of the EC2 form are accepted as given, anything else is malformed", () => {
    const idArb = fc.oneof(
      fc.stringMatching(/^i-[0-9a-f]{17}$/),
      fc.stringMatching(/^i-[0-9a-f]{8}$/),
      fc.string(),
      fc.stringMatching(/^i-[0-9a-f]{1,20}$/),
    );
    fc.assert(
      fc.property(idArb, (id) => {
        const event = sampleEvent("spot-interruption");
        (event.detail as JsonObject)["instance-id"] = id;
        const result = normalize(event);
        if (INSTANCE_ID_PATTERN.test(id)) {
          expect(result.ok && result.triggers[0]).toMatchObject({ instanceId: id });
        } else {
          expect(result.ok).toBe(false);
          expect(!result.ok && result.error.kind).toBe("malformed");
        }
      }),
      { numRuns: 500 },
    );
  });

  it("alarm states: exactly the three CloudWatch values", () => {
    fc.assert(
      fc.property(fc.oneof(fc.constantFrom("OK", "ALARM", "INSUFFICIENT_DATA"), fc.string()), (state) => {
        const event = sampleEvent("alarm");
        ((event.detail as JsonObject).state as JsonObject).value = state;
        const result = normalize(event);
        expect(result.ok).toBe(["OK", "ALARM", "INSUFFICIENT_DATA"].includes(state));
      }),
      { numRuns: 300 },
    );
  });

  const instant = fc.date({
    min: new Date("1970-01-01T00:00:00Z"),
    max: new Date("2199-12-31T23:59:59Z"),
    noInvalidDate: true,
  });

  it("CloudWatch timestamps (+0000) and RFC 3339 round-trip to the same instant", () => {
    fc.assert(
      fc.property(instant, (date) => {
        const iso = date.toISOString();
        expect(isoToRfc3339(iso)).toBe(iso);
        expect(isoToRfc3339(iso.replace("Z", "+0000"))).toBe(iso);
      }),
    );
  });

  it("RFC 1123 (Date#toUTCString) parses to the same instant, to the second", () => {
    fc.assert(
      fc.property(instant, (date) => {
        const seconds = new Date(Math.floor(date.getTime() / 1000) * 1000);
        expect(rfc1123ToRfc3339(date.toUTCString())).toBe(seconds.toISOString());
      }),
    );
  });

  it("time parsers never throw and return RFC 3339 or nothing", () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        for (const parsed of [isoToRfc3339(text), rfc1123ToRfc3339(text)]) {
          if (parsed !== undefined) expect(parsed).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
