/**
 * Property tests: normalize never throws, and every answer is either valid triggers or a rejection
 * with a reason — for arbitrary JSON, arbitrary JS values, and samples mutated one field at a time
 * (including fields inside JSON strings such as an SQS body or an SNS Message).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { INSTANCE_ID_PATTERN } from "../domain/instance-id.ts";
import { type NormalizeResult, normalize, normalizeBatch } from "./normalize.ts";
import { type JsonObject, type JsonValue, sampleEvent, sampleKinds } from "./samples.ts";
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
}

function check(input: unknown): void {
  assertWellFormed(normalize(input, { now }));
  for (const record of normalizeBatch(input, { now })) assertWellFormed(record.result);
}

// ---------------------------------------------------------------- mutation of samples

/** A step into a value: an object key / array index, or "parse this JSON string, step into the result". */
type Step = { key: string | number } | { json: true };

/** Every path in `value`, descending into strings that hold JSON objects (SQS bodies, SNS Messages). */
function paths(value: JsonValue, prefix: Step[] = []): Step[][] {
  const out: Step[][] = [prefix];
  if (Array.isArray(value)) {
    value.forEach((item, index) => {
      out.push(...paths(item, [...prefix, { key: index }]));
    });
  } else if (value !== null && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) out.push(...paths(item, [...prefix, { key }]));
  } else if (typeof value === "string" && value.startsWith("{")) {
    try {
      out.push(...paths(JSON.parse(value) as JsonValue, [...prefix, { json: true }]).slice(1));
    } catch {
      // not JSON after all: a plain string leaf
    }
  }
  return out;
}

type Mutation = { kind: "replace"; value: JsonValue } | { kind: "delete" };

function mutate(value: JsonValue, path: Step[], mutation: Mutation): JsonValue | undefined {
  const [step, ...rest] = path;
  if (!step) return mutation.kind === "replace" ? mutation.value : undefined;
  if ("json" in step) {
    const inner = mutate(JSON.parse(value as string) as JsonValue, rest, mutation);
    return inner === undefined ? "" : JSON.stringify(inner);
  }
  if (Array.isArray(value)) {
    const copy = [...value];
    const next = mutate(copy[step.key as number] as JsonValue, rest, mutation);
    if (next === undefined) copy.splice(step.key as number, 1);
    else copy[step.key as number] = next;
    return copy;
  }
  const copy: JsonObject = { ...(value as JsonObject) };
  const next = mutate(copy[step.key] as JsonValue, rest, mutation);
  if (next === undefined) delete copy[step.key];
  else copy[step.key] = next;
  return copy;
}

const sampleArb = fc.constantFrom(...sampleKinds).map((kind) => sampleEvent(kind));

// Values chosen to sit near the edges of the schemas, plus arbitrary JSON.
const replacementArb: fc.Arbitrary<JsonValue> = fc.oneof(
  fc.jsonValue() as fc.Arbitrary<JsonValue>,
  fc.constantFrom<JsonValue>(
    "",
    "i-0abc",
    "i-0a1b2c3d4e5f60718",
    "ALARM",
    "running",
    "WarmPool",
    "autoscaling:TEST_NOTIFICATION",
    "autoscaling:EC2_INSTANCE_LAUNCHING",
    "aws.ec2",
    "EC2",
    "scheduledChange",
    "Sat, 05 Jun 2016 15:10:09 GMT",
    "2019-10-01T13:56:40.987+0000",
    "{}",
    "[]",
    "{not json",
    null,
    0,
    -1,
    [],
    {},
    { Records: [] },
  ),
);

const mutatedSampleArb = sampleArb.chain((sample) =>
  fc
    .tuple(
      fc.constantFrom(...paths(sample)),
      fc.oneof(
        replacementArb.map((value): Mutation => ({ kind: "replace", value })),
        fc.constant<Mutation>({ kind: "delete" }),
      ),
    )
    .map(([path, mutation]) => mutate(sample, path, mutation)),
);

describe("normalize never throws", { timeout: 60_000 }, () => {
  it("on arbitrary JSON", () => {
    fc.assert(fc.property(fc.jsonValue(), check), { numRuns: 2000 });
  });

  it("on arbitrary JS values (odd keys, prototypes, typed arrays, …)", () => {
    fc.assert(fc.property(fc.anything({ withNullPrototype: true, withObjectString: true }), check), {
      numRuns: 1000,
    });
  });

  it("on objects that look like each supported shape with arbitrary fields", () => {
    const shapeKeys = fc.constantFrom(
      { "detail-type": "EC2 Spot Instance Interruption Warning", source: "aws.ec2" },
      { "detail-type": "AWS Health Event", source: "aws.health" },
      { "detail-type": "CloudWatch Alarm State Change", source: "aws.cloudwatch" },
      { Type: "Notification", Message: "{}" },
      { homeostat: "schedule" },
      { AlarmName: "a", NewStateValue: "ALARM" },
      { LifecycleTransition: "autoscaling:EC2_INSTANCE_TERMINATING" },
      { Records: [{ eventSource: "aws:sqs" }] },
      { Records: [{ EventSource: "aws:sns" }] },
    );
    fc.assert(
      fc.property(shapeKeys, fc.dictionary(fc.string(), fc.jsonValue()), (shape, extra) =>
        check({ ...extra, ...shape }),
      ),
      { numRuns: 1000 },
    );
  });

  it("on samples with one field replaced or deleted, at any depth (inside bodies and Messages too)", () => {
    fc.assert(fc.property(mutatedSampleArb, check), { numRuns: 2000 });
  });

  it("on samples with several fields mutated", () => {
    const arb = sampleArb.chain((sample) =>
      fc
        .array(fc.tuple(fc.constantFrom(...paths(sample)), replacementArb), { minLength: 2, maxLength: 5 })
        .map((edits) =>
          edits.reduce<JsonValue | undefined>((value, [path, replacement]) => {
            try {
              return value === undefined
                ? value
                : mutate(value, path, { kind: "replace", value: replacement });
            } catch {
              return value; // an earlier edit removed this path; keep the value as it is
            }
          }, sample as JsonValue),
        ),
    );
    fc.assert(fc.property(arb, check), { numRuns: 1000 });
  });
});

describe("parsers agree with their specifications", { timeout: 60_000 }, () => {
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
