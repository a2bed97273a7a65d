import { describe, expect, it } from "vitest";
import { RetryableFailureError } from "./delivery.ts";
import { lambdaResponse, oncePerContainer, runCounts } from "./lambda.ts";

const notifyRun = (delivery: Parameters<typeof lambdaResponse>[0]["delivery"]) =>
  ({
    kind: "notify",
    result: {
      handler: "notify",
      items: [
        { messageId: "1", outcome: "parent" },
        { messageId: "2", outcome: "reply" },
        { messageId: "3", outcome: "duplicate" },
        { messageId: "4", outcome: "retry", setup: true },
      ],
    },
    delivery,
  }) as Parameters<typeof lambdaResponse>[0];

describe("what a Lambda run counts and answers", () => {
  it("counts a notify run's posts, duplicates, retries and setup errors, and nothing it did not see", () => {
    expect(runCounts(notifyRun({ kind: "done" }))).toEqual([
      { name: "SlackMessagesPosted", value: 2 },
      { name: "SlackDuplicates", value: 1 },
      { name: "SlackRetries", value: 1 },
      { name: "SlackSetupErrors", value: 1 },
    ]);
  });

  it("answers a partial batch with the notify items alongside, and throws to ask for a redelivery", () => {
    const batch = { kind: "batch" as const, batchItemFailures: [{ itemIdentifier: "4" }] };
    expect(lambdaResponse(notifyRun(batch))).toMatchObject({
      handler: "notify",
      batchItemFailures: [{ itemIdentifier: "4" }],
    });
    expect(() => lambdaResponse(notifyRun({ kind: "retry", reason: "the API server reset" }))).toThrow(
      RetryableFailureError,
    );
  });

  it("builds once per container, and again after a failed build", async () => {
    let builds = 0;
    const deps = oncePerContainer(async () => {
      builds++;
      if (builds === 1) throw new Error("bad config");
      return builds;
    });
    await expect(deps()).rejects.toThrow("bad config");
    expect(await deps()).toBe(2);
    expect(await deps()).toBe(2);
    expect(builds).toBe(2);
  });
});
