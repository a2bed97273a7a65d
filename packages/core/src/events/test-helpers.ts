/** Helpers the normalize tests share (events/*.test.ts, events/readers/*.test.ts). */
import { expect } from "vitest";
import { type NormalizeResult, normalize } from "./normalize.ts";
import { type JsonObject, sampleEvent } from "./samples.ts";
import type { Trigger } from "./trigger.ts";

export const now = new Date("2024-06-01T12:00:00.000Z");

export function triggersOf(result: NormalizeResult): Trigger[] {
  if (!result.ok) throw new Error(`expected ok, got ${result.error.kind}: ${result.error.reason}`);
  return result.triggers;
}

export function only<T extends Trigger>(input: unknown): T {
  const triggers = triggersOf(normalize(input, { now }));
  expect(triggers).toHaveLength(1);
  return triggers[0] as T;
}

export function rejected(input: unknown) {
  const result = normalize(input, { now });
  if (result.ok) throw new Error(`expected a rejection, got ${JSON.stringify(result.triggers)}`);
  expect(result.error.retryable).toBe(false);
  return result.error;
}

export function detailOf(event: JsonObject): JsonObject {
  return event.detail as JsonObject;
}

/** The parsed JSON string at `Records[0].body` / `Records[0].Sns.Message`, edited and put back. */
export function editRecordMessage(event: JsonObject, edit: (message: JsonObject) => void): JsonObject {
  const record = (event.Records as JsonObject[])[0] as JsonObject;
  if (typeof record.body === "string") {
    const body = JSON.parse(record.body) as JsonObject;
    edit(body);
    record.body = JSON.stringify(body);
  } else {
    const sns = record.Sns as JsonObject;
    const message = JSON.parse(sns.Message as string) as JsonObject;
    edit(message);
    sns.Message = JSON.stringify(message);
  }
  return event;
}

export function sqsEventOf(bodies: { messageId: string; body: string }[]): JsonObject {
  const template = (sampleEvent("asg-terminate-sqs").Records as JsonObject[])[0] as JsonObject;
  return { Records: bodies.map(({ messageId, body }) => ({ ...template, messageId, body })) };
}
