import { test } from "vitest";
import { normalize, normalizeBatch } from "./normalize.ts";
import { type JsonObject, sampleEvent, sampleKinds } from "./samples.ts";

// normalize throughput: one iteration is one input, so operations per second are events per second.
// `npm run bench -- packages/core/src/events/normalize.bench.ts`
const now = new Date("2024-06-01T12:00:00.000Z");

test("normalize one event of each kind", async ({ bench }) => {
  const [first, ...rest] = sampleKinds.map((kind) => {
    const event = sampleEvent(kind);
    return bench(kind, () => {
      normalize(event, { now });
    });
  });
  if (first) await bench.compare(first, ...rest);
});

test("normalize a Lambda SQS batch of 10 records", async ({ bench }) => {
  const template = (sampleEvent("asg-terminate-sqs").Records as JsonObject[])[0] as JsonObject;
  const batch = (body: (index: number) => string) => ({
    Records: Array.from({ length: 10 }, (_, index) => ({
      ...template,
      messageId: `message-${index}`,
      body: body(index),
    })),
  });
  const events = batch((i) => JSON.stringify(sampleEvent(i % 2 === 0 ? "spot-interruption" : "alarm")));
  const unsupported = batch(() => '{"nope":true}');
  const malformed = batch(() => {
    const event = sampleEvent("spot-interruption");
    (event.detail as JsonObject)["instance-id"] = "garbage";
    return JSON.stringify(event);
  });
  await bench.compare(
    bench("10 EventBridge events (spot + alarm) via SQS", () => {
      normalizeBatch(events, { now });
    }),
    bench("10 unsupported bodies (rejection path)", () => {
      normalizeBatch(unsupported, { now });
    }),
    bench("10 malformed spot warnings (zod issue formatting)", () => {
      normalizeBatch(malformed, { now });
    }),
  );
});
