/**
 * AWS's own sample events (test/fixtures/aws-events/: the documented samples and those AWS's tools and
 * libraries carry, each file naming its sources) are all read: each yields the trigger it should, or is
 * ignored for the reason it should be. Lenient about what nothing reads (placeholders such as
 * UnsubscribeUrl "EXAMPLE", a resources entry that is no ARN, missing envelope fields); the fuzz tests
 * hold the other half, that what is read is checked and named.
 */
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { normalize } from "./normalize.ts";
import { TriggerSchema } from "./trigger-schema.ts";

const corpusDir = fileURLToPath(new URL("../../../../test/fixtures/aws-events/", import.meta.url));

interface CorpusEntry {
  sources: string[];
  about: string;
  expect: { triggers: Record<string, unknown>[]; warnings?: number } | { ignored: string };
  event: unknown;
}

const corpus = readdirSync(corpusDir)
  .filter((name) => name.endsWith(".json"))
  .map((name) => [name, JSON.parse(readFileSync(`${corpusDir}${name}`, "utf8")) as CorpusEntry] as const);

describe("AWS's sample events", () => {
  it("cover every event type normalize reads", () => {
    const names = corpus.map(([name]) => name).join(" ");
    for (const kind of [
      "cloudwatch-alarm-state-change",
      "cloudwatch-alarm-sns",
      "ec2-spot-instance-interruption-warning",
      "ec2-instance-rebalance-recommendation",
      "ec2-instance-state-change",
      "health-ec2",
      "autoscaling-terminate-lifecycle-action-eventbridge",
      "autoscaling-terminate-hook-sqs",
      "autoscaling-terminate-hook-sns-in-sqs",
      "autoscaling-test-notification-sqs",
      "scheduler-schedule-payload",
    ]) {
      expect(names).toContain(kind);
    }
  });

  it.each(corpus)("%s is read as it should be", (_name, entry) => {
    expect(entry.sources.length).toBeGreaterThan(0);
    for (const source of entry.sources) expect(source).toMatch(/^https:\/\//);
    const result = normalize(entry.event, { now: new Date("2024-03-14T09:30:00Z") });
    if ("ignored" in entry.expect) {
      expect(result.ok ? "accepted" : result.error.kind).toBe("ignored");
      expect(!result.ok && result.error.reason).toContain(entry.expect.ignored);
      return;
    }
    if (!result.ok) throw new Error(`rejected: ${result.error.reason} (field ${result.error.field})`);
    expect(result.triggers).toHaveLength(entry.expect.triggers.length);
    entry.expect.triggers.forEach((expected, index) => {
      expect(result.triggers[index]).toMatchObject(expected);
      expect(TriggerSchema.safeParse(result.triggers[index]).success).toBe(true);
    });
    expect(result.warnings ?? []).toHaveLength(entry.expect.warnings ?? 0);
  });
});
