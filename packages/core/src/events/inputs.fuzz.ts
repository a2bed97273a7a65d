/**
 * Generated inputs for the property tests of normalize (events/normalize.fuzz.test.ts) and of the
 * pipeline over them (runtime/pipeline.fuzz.test.ts): every sample in every envelope it can arrive in
 * (EventBridge, Lambda SQS, Lambda SNS, SNS inside SQS, a bare SNS notification), mutated — fields
 * dropped, retyped, nulled, replaced by huge strings, unicode or deep nesting, at any depth including
 * inside JSON strings (SQS bodies, SNS Messages) — plus arbitrary JSON and objects that only look like
 * a supported shape. And the check every rejection must pass: it names the field.
 */
import fc from "fast-check";
import { deferredPayload } from "./readers/homeostat.ts";
import { type NormalizeError, TOP_LEVEL } from "./result.ts";
import { type JsonObject, type JsonValue, sampleEvent, sampleKinds } from "./samples.ts";

// ---------------------------------------------------------------- the samples, in every envelope

const ACCOUNT = "123456789012";
const REGION = "us-east-1";

function snsNotification(message: JsonObject, messageId: string): JsonObject {
  return {
    Type: "Notification",
    MessageId: messageId,
    TopicArn: `arn:aws:sns:${REGION}:${ACCOUNT}:homeostat-events`,
    Message: JSON.stringify(message),
    Timestamp: "2024-03-14T09:26:53.000Z",
    SignatureVersion: "1",
    Signature: "EXAMPLE",
    SigningCertURL: "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0000.pem",
    UnsubscribeURL: "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe",
  };
}

function sqsBatch(bodies: JsonObject[]): JsonObject {
  return {
    Records: bodies.map((body, index) => ({
      messageId: `b7e1a1c2-0000-4000-8000-${String(index).padStart(12, "0")}`,
      receiptHandle: "AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a...",
      body: JSON.stringify(body),
      attributes: {
        ApproximateReceiveCount: "1",
        SentTimestamp: "1710408413000",
        SenderId: "AIDAIENQZJOLO23YVJ4VO",
        ApproximateFirstReceiveTimestamp: "1710408413001",
      },
      messageAttributes: {},
      md5OfBody: "e4e68fb7bd0e697a0ae8f1bb342846b3",
      eventSource: "aws:sqs",
      eventSourceARN: `arn:aws:sqs:${REGION}:${ACCOUNT}:homeostat-events`,
      awsRegion: REGION,
    })),
  };
}

/** A message of each kind, as it comes and wrapped in each envelope AWS can deliver it in. */
function bases(): JsonObject[] {
  const samples = sampleKinds.map((kind) => sampleEvent(kind));
  const eventBridge = samples.filter((sample) => "detail-type" in sample);
  const spot = sampleEvent("spot-interruption");
  const alarmMessage = JSON.parse(
    (((sampleEvent("alarm-sns").Records as JsonObject[])[0] as JsonObject).Sns as JsonObject)
      .Message as string,
  ) as JsonObject;
  const hookMessage = JSON.parse(
    ((sampleEvent("asg-terminate-sqs").Records as JsonObject[])[0] as JsonObject).body as string,
  ) as JsonObject;
  const deferred = deferredPayload({
    kind: "instance",
    id: "f9d1ba6c-9a7e-4c6b-a2ef-6c2fbd4b7a11#i-0d1e2f3a4b5c60718",
    time: "2024-03-01T12:00:00.000Z",
    origin: "aws.health via EventBridge",
    event: "scheduled-maintenance",
    instanceId: "i-0d1e2f3a4b5c60718",
    window: { start: "2024-03-15T14:00:00.000Z" },
  }) as unknown as JsonObject;
  return [
    ...samples,
    deferred,
    // EventBridge → SQS, EventBridge → SNS → SQS, SNS → SQS, a bare SNS notification, and a batch of two
    sqsBatch([spot]),
    sqsBatch([snsNotification(spot, "5a1c6f2e-0000-4000-8000-000000000001")]),
    sqsBatch([snsNotification(alarmMessage, "5a1c6f2e-0000-4000-8000-000000000002")]),
    sqsBatch([snsNotification(hookMessage, "5a1c6f2e-0000-4000-8000-000000000003")]),
    snsNotification(alarmMessage, "5a1c6f2e-0000-4000-8000-000000000004"),
    sqsBatch([hookMessage, ...eventBridge.slice(0, 1)]),
  ];
}

export const eventBases: readonly JsonObject[] = bases();

// ---------------------------------------------------------------- mutation at any depth

/** A step into a value: an object key / array index, or "parse this JSON string, step into the result". */
type Step = { key: string | number } | { json: true };

/** Every path in `value`, descending into strings that hold JSON objects (SQS bodies, SNS Messages). */
export function paths(value: JsonValue, prefix: Step[] = []): Step[][] {
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

export function mutate(value: JsonValue, path: Step[], mutation: Mutation): JsonValue | undefined {
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

function nested(depth: number): JsonValue {
  let value: JsonValue = "deep";
  for (let i = 0; i < depth; i++) value = i % 2 === 0 ? [value] : { x: value };
  return value;
}

// made once: generating them per case would cost more than reading them
const HUGE_STRINGS = [10_000, 100_000].map((n) => "x".repeat(n));
const DEEP_VALUES = [64, 512].map(nested);

/** Values chosen to sit near the edges of the schemas, plus arbitrary JSON. */
export const replacementArb: fc.Arbitrary<JsonValue> = fc.oneof(
  { weight: 6, arbitrary: fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<JsonValue> },
  {
    weight: 8,
    arbitrary: fc.constantFrom<JsonValue>(
      "",
      " ",
      "i-0abc",
      "i-0a1b2c3d4e5f60718",
      "i-0A1B2C3D4E5F60718",
      "ALARM",
      "running",
      "WarmPool",
      "autoscaling:TEST_NOTIFICATION",
      "autoscaling:EC2_INSTANCE_LAUNCHING",
      "aws.ec2",
      "EC2",
      "scheduledChange",
      "Notification",
      "Sat, 05 Jun 2016 15:10:09 GMT",
      "2019-10-01T13:56:40.987+0000",
      "9999-99-99T99:99:99Z",
      "{}",
      "[]",
      "{not json",
      "null",
      "__proto__",
      "constructor",
      null,
      true,
      0,
      -1,
      1e308,
      Number.MAX_SAFE_INTEGER,
      [],
      {},
      { Records: [] },
      { __proto__: { polluted: true } },
    ),
  },
  // huge strings, unicode (astral planes, RTL, NUL, lone surrogates), deep nesting
  { weight: 1, arbitrary: fc.constantFrom(...HUGE_STRINGS) },
  { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 40 }) },
  { weight: 2, arbitrary: fc.constantFrom("\u0000", "\ud800", "\u202eevil", "𝔦-𝟢𝟣𝟤", "i-０１２３４５６７") },
  { weight: 1, arbitrary: fc.constantFrom(...DEEP_VALUES) },
);

/** 1–4 edits of one base (built once per base: its paths and their arbitrary are not cheap to make). */
function mutationsOf(base: JsonObject): fc.Arbitrary<JsonValue | undefined> {
  const edit = fc.tuple(
    fc.constantFrom(...paths(base)),
    fc.oneof(
      { weight: 4, arbitrary: replacementArb.map((value): Mutation => ({ kind: "replace", value })) },
      { weight: 1, arbitrary: fc.constant<Mutation>({ kind: "delete" }) },
    ),
  );
  return fc.array(edit, { minLength: 1, maxLength: 4 }).map((edits) =>
    edits.reduce<JsonValue | undefined>((value, [path, mutation]) => {
      try {
        return value === undefined ? value : mutate(value, path, mutation);
      } catch {
        return value; // an earlier edit removed this path; keep the value as it is
      }
    }, base),
  );
}

export const mutatedEventArb: fc.Arbitrary<JsonValue | undefined> = fc.oneof(...eventBases.map(mutationsOf));

/** Objects that carry a supported shape's telltale keys and arbitrary fields besides. */
export const lookalikeArb: fc.Arbitrary<JsonObject> = fc
  .tuple(
    fc.constantFrom<JsonObject>(
      { "detail-type": "EC2 Spot Instance Interruption Warning", source: "aws.ec2" },
      { "detail-type": "EC2 Instance Rebalance Recommendation", source: "aws.ec2" },
      { "detail-type": "EC2 Instance State-change Notification", source: "aws.ec2" },
      { "detail-type": "AWS Health Event", source: "aws.health" },
      { "detail-type": "CloudWatch Alarm State Change", source: "aws.cloudwatch" },
      { "detail-type": "EC2 Instance-terminate Lifecycle Action", source: "aws.autoscaling" },
      { Type: "Notification", Message: "{}" },
      { homeostat: "schedule" },
      { homeostat: "deferred" },
      { AlarmName: "a", NewStateValue: "ALARM" },
      { LifecycleTransition: "autoscaling:EC2_INSTANCE_TERMINATING" },
      { Event: "autoscaling:TEST_NOTIFICATION" },
      { Records: [{ eventSource: "aws:sqs" }] },
      { Records: [{ EventSource: "aws:sns" }] },
    ),
    fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<JsonValue>, {
      maxKeys: 8,
    }),
  )
  .map(([shape, extra]) => ({ ...extra, ...shape }));

/** Any input a handler could be given: mostly mutated samples, then lookalikes and arbitrary JSON. */
export const eventInputArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: mutatedEventArb },
  { weight: 2, arbitrary: lookalikeArb },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.constantFrom(...eventBases) },
);

// ---------------------------------------------------------------- every rejection names the field

/**
 * Throws unless the rejection names its field: a path (`detail.instance-id`, `Records[0].body.Event`)
 * or `(top level)`, whose last key the reason mentions, so a person reading only the reason finds it.
 */
export function assertNamesField(error: NormalizeError): void {
  const { field, reason } = error;
  if (typeof field !== "string" || field.trim() === "") {
    throw new Error(`a rejection without its field: ${reason}`);
  }
  // the input as a whole, or a whole record of a batch (its index is the record's position)
  if (field === TOP_LEVEL || /^Records\[\d+\]$/.test(field)) return;
  const last = field
    .split(".")
    .at(-1)
    ?.replace(/\[\d+\]$/, "");
  if (!last || !reason.includes(last)) {
    throw new Error(`the reason does not name the field ${field}: ${reason}`);
  }
}
