import { describe, expect, it } from "vitest";
import { normalizeBatch } from "./normalize.ts";
import { type JsonObject, sampleEvent } from "./samples.ts";
import { editRecordMessage, only, rejected, sqsEventOf } from "./test-helpers.ts";
import type { AlarmTrigger, InstanceTrigger } from "./trigger.ts";

describe("envelopes", () => {
  it("an EventBridge event delivered through SQS keeps its own id", () => {
    const body = JSON.stringify(sampleEvent("spot-interruption"));
    const trigger = only<InstanceTrigger>(sqsEventOf([{ messageId: "sqs-1", body }]));
    expect(trigger.id).toBe("12345678-1234-1234-1234-123456789012");
    expect(trigger.origin).toBe("aws.ec2 via EventBridge via SQS");
  });

  it("a record that is not a valid SQS record names the field, from the top of the batch", () => {
    const event = sampleEvent("asg-terminate-sqs");
    delete ((event.Records as JsonObject[])[0] as JsonObject).body;
    const [record] = normalizeBatch(event);
    expect(record?.messageId).toBe("059f36b4-87a3-44ab-83d2-661975830a7d");
    expect(record?.result).toMatchObject({
      ok: false,
      error: {
        kind: "malformed",
        reason: "SQS record: body: missing (expected string)",
        field: "Records[0].body",
      },
    });
  });

  it("a field inside a record's body is named through the body", () => {
    const event = editRecordMessage(sampleEvent("asg-terminate-sqs"), (message) => {
      message.EC2InstanceId = "i-12";
    });
    const error = rejected(event);
    expect(error.field).toBe("Records[0].body.EC2InstanceId");
    expect(error.reason).toContain("body: Auto Scaling lifecycle hook message: EC2InstanceId: ");
  });

  it.each([
    ["SQS", "asg-terminate-sqs", ["receiptHandle", "md5OfBody", "attributes", "messageAttributes"]],
    ["SNS", "alarm-sns", ["EventVersion", "EventSubscriptionArn"]],
  ] as const)("the %s record fields nothing reads may be missing or of any shape", (_, kind, fields) => {
    const missing = sampleEvent(kind);
    const retyped = sampleEvent(kind);
    for (const field of fields) {
      delete ((missing.Records as JsonObject[])[0] as JsonObject)[field];
      ((retyped.Records as JsonObject[])[0] as JsonObject)[field] = 42;
    }
    expect(only(missing)).toEqual(only(sampleEvent(kind)));
    expect(only(retyped)).toEqual(only(sampleEvent(kind)));
  });

  it.each([
    [{ Records: "x" }, "Records: expected an array"],
    [{ Records: [] }, "expected at least one record"],
    [{ Records: [{ eventSource: "aws:kinesis" }] }, 'got eventSource "aws:kinesis"'],
    [{ Records: [42] }, "expected a record object"],
  ])("batch shape %j", (input, reason) => {
    expect(rejected(input).reason).toContain(reason);
  });

  it.each([null, 42, "text", [], true])("non-object input %j is malformed", (input) => {
    const error = rejected(input);
    expect(error.kind).toBe("malformed");
    expect(error.reason).toContain("expected a JSON object");
  });

  it("an unknown object is unsupported and its keys are listed", () => {
    const error = rejected({ hello: "world", foo: 1 });
    expect(error.kind).toBe("unsupported");
    expect(error.reason).toContain('keys "hello", "foo"');
    expect(error.reason).toContain("EventBridge event");
  });

  it("envelopes nested deeper than AWS ever sends stop", () => {
    let value: JsonObject = sampleEvent("spot-interruption");
    for (let i = 0; i < 8; i++) {
      value = {
        Type: "Notification",
        MessageId: `m${i}`,
        TopicArn: "arn:aws:sns:us-east-1:123456789012:t",
        Message: JSON.stringify(value),
        Timestamp: "2024-03-14T09:26:53.000Z",
      };
    }
    const error = rejected(value);
    expect(error.kind).toBe("unsupported");
    expect(error.reason).toContain("nested more than");
  });
});

describe("SNS notifications", () => {
  it("an SNS Message that is not JSON says so", () => {
    const event = sampleEvent("alarm-sns");
    ((event.Records as JsonObject[])[0]?.Sns as JsonObject).Message = "ALARM checkout-cpu-high";
    const error = rejected(event);
    expect(error.kind).toBe("malformed");
    expect(error.reason).toContain("Sns.Message: expected a JSON document");
  });

  it("the bare SNS notification (HTTP or SNS→SQS form) is unwrapped too", () => {
    const record = (sampleEvent("alarm-sns").Records as JsonObject[])[0] as JsonObject;
    const { UnsubscribeUrl, SigningCertUrl, ...notification } = record.Sns as JsonObject;
    const trigger = only<AlarmTrigger>({
      ...notification,
      UnsubscribeURL: UnsubscribeUrl,
      SigningCertURL: SigningCertUrl,
    });
    expect(trigger.id).toBe("4d3a8c1e-2f5b-5c6d-9e7f-0a1b2c3d4e5f");
    expect(trigger.origin).toBe("aws.cloudwatch via SNS");
  });
});

describe("EventBridge events", () => {
  it("unknown detail-types are unsupported, with the supported list", () => {
    const event = sampleEvent("spot-interruption");
    event["detail-type"] = "EC2 Fleet Spot Instance Request Change";
    const error = rejected(event);
    expect(error.kind).toBe("unsupported");
    expect(error.reason).toContain('"EC2 Fleet Spot Instance Request Change"');
    expect(error.reason).toContain('"EC2 Spot Instance Interruption Warning"');
  });

  it("an AWS detail-type from a custom source is not trusted", () => {
    const event = sampleEvent("spot-interruption");
    event.source = "my.app";
    const error = rejected(event);
    expect(error.kind).toBe("unsupported");
    expect(error.reason).toContain('accepted only from source "aws.ec2", got "my.app"');
  });

  it("version and resources are read by nothing that needs them: absent or odd, the event is read", () => {
    const event = sampleEvent("spot-interruption");
    delete event.version;
    delete event.resources;
    expect(only(event)).toEqual(only(sampleEvent("spot-interruption")));
    const odd = { ...sampleEvent("spot-interruption"), version: 1, "replay-name": null };
    expect(only(odd)).toEqual(only(sampleEvent("spot-interruption")));
  });

  it("an SNS notification's Timestamp, UnsubscribeUrl and signature fields never reject", () => {
    const event = sampleEvent("alarm-sns");
    const sns = (event.Records as JsonObject[])[0]?.Sns as JsonObject;
    for (const field of ["Timestamp", "UnsubscribeUrl", "SigningCertUrl", "Signature", "Subject"])
      delete sns[field];
    sns.MessageAttributes = "none";
    expect(only(event)).toEqual(only(sampleEvent("alarm-sns")));
  });

  it("a broken EventBridge envelope names the field", () => {
    const event = sampleEvent("spot-interruption");
    delete event.id;
    const noId = rejected(event);
    expect(noId.kind).toBe("malformed");
    expect(noId.reason).toMatch(/^EventBridge event: id: /);
    expect(noId.field).toBe("id");
    const badTime = sampleEvent("spot-interruption");
    badTime.time = "yesterday";
    expect(rejected(badTime).reason).toContain("time:");
  });
});
