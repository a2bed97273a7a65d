/**
 * The delivery envelopes, unwrapped as deep as they nest (a Lambda SQS event whose body is an SNS
 * notification whose Message is an Auto Scaling hook, for example), then the message inside handed
 * to the reader that declares it:
 *   - Lambda SQS / SNS records (`Records[]`), each on its own (normalize.ts walks the batch);
 *   - SNS notifications (`Type: "Notification"`, `Message`);
 *   - EventBridge events (`detail-type`, `source`, `detail`): to the reader of that source and detail-type;
 *   - Homeostat's own payloads (tagged `homeostat`);
 *   - any other message: to the first AWS source reader whose shape accepts it.
 * Envelope schemas are ours, with the fields Powertools Parser's schemas declare (AWS's documented
 * shapes), ids non-empty (ids become idempotency keys). Why not Powertools' own: its schema
 * modules `import { z } from "zod"`, which keeps esbuild from tree-shaking zod (every locale and
 * helper stays in each bundle: 0.45 MB minified, about 20 ms of every cold start, against 0.09 MB
 * with `import * as z`).
 */
import * as z from "zod";
import { NonEmptyIdSchema, unread } from "./fields.ts";
import {
  type Delivery,
  EventBridgeEnvelopeSchema,
  type EventReader,
  homeostatPayloads,
  parseArn,
  sources,
} from "./readers/index.ts";
import {
  describe,
  describeKeys,
  fieldWithin,
  isObject,
  type NormalizeResult,
  type RecordResult,
  rejection,
  TOP_LEVEL,
  unreadable,
} from "./result.ts";
import { invalid } from "./zod-errors.ts";

// Strict about what is read, lenient about the rest: of an SNS notification only Type, MessageId,
// TopicArn (region and account) and Message are read; of an SQS record messageId, body, eventSource,
// eventSourceARN (account) and awsRegion. The other fields, whatever their shape, never reject.
const UNREAD_SNS_FIELDS = unread(
  "Subject",
  "Timestamp",
  "UnsubscribeUrl",
  "UnsubscribeURL",
  "SigningCertUrl",
  "SigningCertURL",
  "Signature",
  "SignatureVersion",
  "MessageAttributes",
);

/** An SNS notification (a Lambda SNS record's `Sns`, or the message SQS or an HTTP endpoint receives). */
const SnsNotificationSchema = z.object({
  TopicArn: z.string(),
  Type: z.literal("Notification"),
  Message: z.string(),
  MessageId: NonEmptyIdSchema,
  ...UNREAD_SNS_FIELDS,
});

/** One record of a Lambda SNS event. */
const SnsRecordSchema = z.object({
  EventSource: z.literal("aws:sns"),
  ...unread("EventVersion", "EventSubscriptionArn"),
  Sns: SnsNotificationSchema,
});

/** One record of a Lambda SQS event. */
const SqsRecordSchema = z.object({
  messageId: NonEmptyIdSchema,
  ...unread("receiptHandle", "attributes", "messageAttributes", "md5OfBody", "md5OfMessageAttributes"),
  body: z.string(),
  eventSource: z.literal("aws:sqs"),
  eventSourceARN: z.string(),
  awsRegion: z.string(),
});

/** Envelopes deeper than this are not something AWS produces; stop instead of recursing on crafted input. */
const MAX_ENVELOPE_DEPTH = 4;

/** The EventBridge readers by detail-type, each with the one source it is accepted from. */
const EVENT_READERS = new Map<string, { source: string; read: EventReader["read"] }>();
for (const { source, events } of sources) {
  for (const { detailType, read } of events) {
    if (EVENT_READERS.has(detailType)) throw new Error(`two readers declare detail-type ${detailType}`);
    EVENT_READERS.set(detailType, { source, read });
  }
}

const MESSAGE_READERS = sources.flatMap((source) => source.messages);

const SUPPORTED_SHAPES = listed([
  "an EventBridge event (source, detail-type, detail)",
  "a Lambda SQS or SNS event (Records[])",
  'an SNS notification (Type "Notification", Message)',
  ...MESSAGE_READERS.map((reader) => reader.shape),
  homeostatPayloads.shape,
]);

/**
 * One record of a Lambda SQS or SNS event: its envelope checked, its message read. Its rejection's
 * `field` is a path from the top of the batch (`Records[2].body.EC2InstanceId`).
 */
export function readRecord(record: unknown, index: number, now: Date): RecordResult {
  const { messageId, result } = readRecordAt(record, index, now);
  if (result.ok) return { index, ...(messageId === undefined ? {} : { messageId }), result };
  const error = { ...result.error, field: fieldWithin(`Records[${index}]`, result.error.field) };
  return { index, ...(messageId === undefined ? {} : { messageId }), result: { ok: false, error } };
}

function readRecordAt(record: unknown, index: number, now: Date): RecordResult {
  try {
    if (!isObject(record)) {
      return {
        index,
        result: rejection("malformed", `expected a record object, got ${describe(record)}`, TOP_LEVEL),
      };
    }
    const messageIdOf = (value: unknown) => (typeof value === "string" ? value : undefined);

    if (record.eventSource === "aws:sqs") {
      const messageId = messageIdOf(record.messageId);
      const parsed = SqsRecordSchema.safeParse(record);
      if (!parsed.success) {
        return { index, messageId, result: invalid("SQS record", parsed.error, record) };
      }
      const arn = parseArn(parsed.data.eventSourceARN);
      const delivery: Delivery = {
        wrappers: ["SQS"],
        messageId: parsed.data.messageId,
        region: parsed.data.awsRegion,
        account: arn?.account,
        now,
      };
      return { index, messageId, result: readJsonText(parsed.data.body, "body", delivery, 1) };
    }

    if (record.EventSource === "aws:sns") {
      const sns = isObject(record.Sns) ? record.Sns : undefined;
      const messageId = messageIdOf(sns?.MessageId);
      const parsed = SnsRecordSchema.safeParse(record);
      if (!parsed.success) {
        return { index, messageId, result: invalid("SNS record", parsed.error, record) };
      }
      const arn = parseArn(parsed.data.Sns.TopicArn);
      const delivery: Delivery = {
        wrappers: ["SNS"],
        messageId: parsed.data.Sns.MessageId,
        region: arn?.region,
        account: arn?.account,
        now,
      };
      return { index, messageId, result: readJsonText(parsed.data.Sns.Message, "Sns.Message", delivery, 1) };
    }

    return {
      index,
      result: rejection(
        "unsupported",
        `expected an SQS record (eventSource "aws:sqs") or an SNS record (EventSource "aws:sns"), ` +
          `got eventSource ${describe(record.eventSource ?? record.EventSource)}`,
        "EventSource" in record && !("eventSource" in record) ? "EventSource" : "eventSource",
      ),
    };
  } catch (error) {
    return { index, result: unreadable(error) };
  }
}

function readJsonText(text: string, field: string, delivery: Delivery, depth: number): NormalizeResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return rejection("malformed", `${field}: expected a JSON document, got ${describe(text)}`, field);
  }
  const result = readValue(value, delivery, depth);
  if (result.ok) return result;
  return rejection(
    result.error.kind,
    `${field}: ${result.error.reason}`,
    fieldWithin(field, result.error.field),
  );
}

/** Any input but a `Records[]` batch: unwrap what envelopes it, hand the message to its reader. */
export function readValue(value: unknown, delivery: Delivery, depth: number): NormalizeResult {
  if (depth > MAX_ENVELOPE_DEPTH) {
    return rejection(
      "unsupported",
      `envelopes nested more than ${MAX_ENVELOPE_DEPTH} deep; AWS never sends that`,
      TOP_LEVEL,
    );
  }
  if (!isObject(value)) {
    return rejection(
      "malformed",
      `expected a JSON object (${SUPPORTED_SHAPES}), got ${describe(value)}`,
      TOP_LEVEL,
    );
  }
  if ("Records" in value) {
    return rejection(
      "unsupported",
      "Records: a Records[] batch inside a message body is not a supported delivery",
      "Records",
    );
  }
  if ("detail-type" in value || ("source" in value && "detail" in value)) {
    return readEventBridge(value, delivery);
  }
  if (value.Type === "Notification" && "Message" in value) {
    return readSnsNotification(value, delivery, depth);
  }
  const reader = homeostatPayloads.accepts(value)
    ? homeostatPayloads
    : MESSAGE_READERS.find((candidate) => candidate.accepts(value));
  if (reader) return reader.read(value, delivery);
  return rejection(
    "unsupported",
    `unrecognised input with keys ${describeKeys(value)}; expected ${SUPPORTED_SHAPES}`,
    TOP_LEVEL,
  );
}

function readSnsNotification(
  value: Record<string, unknown>,
  delivery: Delivery,
  depth: number,
): NormalizeResult {
  const parsed = SnsNotificationSchema.safeParse(value);
  if (!parsed.success) return invalid("SNS notification", parsed.error, value);
  const arn = parseArn(parsed.data.TopicArn);
  return readJsonText(
    parsed.data.Message,
    "Message",
    {
      ...delivery,
      wrappers: [...delivery.wrappers, "SNS"],
      messageId: parsed.data.MessageId,
      region: arn?.region ?? delivery.region,
      account: arn?.account ?? delivery.account,
    },
    depth + 1,
  );
}

function readEventBridge(value: Record<string, unknown>, delivery: Delivery): NormalizeResult {
  const parsed = EventBridgeEnvelopeSchema.safeParse(value);
  if (!parsed.success) return invalid("EventBridge event", parsed.error, value);
  const event = parsed.data;
  const reader = EVENT_READERS.get(event["detail-type"]);
  if (!reader) {
    return rejection(
      "unsupported",
      `EventBridge detail-type ${JSON.stringify(event["detail-type"])} (source ${JSON.stringify(event.source)}) ` +
        `is not handled; supported: ${[...EVENT_READERS.keys()].map((t) => JSON.stringify(t)).join(", ")}`,
      "detail-type",
    );
  }
  // Only AWS may publish events whose source starts with "aws."; checking the source is what stops a
  // custom event that copies an AWS detail-type from draining nodes.
  if (event.source !== reader.source) {
    return rejection(
      "unsupported",
      `detail-type ${JSON.stringify(event["detail-type"])} is accepted only from source ` +
        `${JSON.stringify(reader.source)}, got ${JSON.stringify(event.source)}`,
      "source",
    );
  }
  return reader.read(event, value, delivery);
}

/** `a, b, or c`. */
function listed(items: string[]): string {
  return items.length < 2 ? items.join("") : `${items.slice(0, -1).join(", ")}, or ${items.at(-1)}`;
}
