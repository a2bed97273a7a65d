import { describe, expect, it } from "vitest";
import { KubeVerbError } from "../domain/errors.ts";
import { StateStoreError } from "../state/errors.ts";
import { deliveryOf } from "./delivery.ts";
import type { RecordOutcome } from "./pipeline.ts";
import { isTransient, reasonOf } from "./transient.ts";

const record = (fields: Partial<RecordOutcome> & { index: number }): RecordOutcome => ({
  outcomes: [],
  retry: false,
  ...fields,
});

describe("delivery rules", () => {
  it("SQS: a partial batch naming only the records that asked for a retry", () => {
    const event = {
      Records: [
        { eventSource: "aws:sqs", messageId: "m1" },
        { eventSource: "aws:sqs", messageId: "m2" },
      ],
    };
    const delivery = deliveryOf(event, [
      record({ index: 0, messageId: "m1", retry: true, error: "cluster prod: unreachable" }),
      record({ index: 1, messageId: "m2" }),
    ]);
    expect(delivery).toEqual({ kind: "batch", batchItemFailures: [{ itemIdentifier: "m1" }] });
  });

  it("EventBridge: a retry whose reason names the cluster and the cause, never an empty one", () => {
    const delivery = deliveryOf({ id: "e1", source: "aws.ec2" }, [
      record({ index: 0, retry: true, error: "cluster prod: could not reach the API server (ECONNREFUSED)" }),
    ]);
    expect(delivery).toEqual({
      kind: "retry",
      reason: "retrying the event: cluster prod: could not reach the API server (ECONNREFUSED)",
    });
  });

  it("done when nothing asked for a retry, rejected records included", () => {
    expect(deliveryOf({ id: "e1" }, [record({ index: 0 })])).toEqual({ kind: "done" });
  });
});

describe("transient failures", () => {
  it.each([
    ["an unreachable API server", new KubeVerbError("unavailable", "x"), true],
    ["a conflict", new KubeVerbError("conflict", "x"), true],
    ["RBAC", new KubeVerbError("forbidden", "x"), false],
    ["the store unreachable", new StateStoreError("unavailable", "x"), true],
    [
      "an AWS throttle",
      Object.assign(new Error("x"), { name: "ThrottlingException", $fault: "client" }),
      true,
    ],
    ["an AWS server fault", Object.assign(new Error("x"), { $fault: "server" }), true],
    [
      "an AWS client fault",
      Object.assign(new Error("x"), { name: "ValidationError", $fault: "client" }),
      false,
    ],
    [
      "a reset connection",
      new TypeError("fetch failed", { cause: Object.assign(new Error("reset"), { code: "ECONNRESET" }) }),
      true,
    ],
    ["a programming error", new TypeError("cannot read properties of undefined"), false],
  ])("%s → %s", (_, error, transient) => {
    expect(isTransient(error)).toBe(transient);
  });

  it("names the cause in one line", () => {
    const error = new TypeError("fetch failed", { cause: new Error("connect ECONNREFUSED 127.0.0.1:6443") });
    expect(reasonOf(error)).toBe("TypeError: fetch failed (connect ECONNREFUSED 127.0.0.1:6443)");
  });
});
