import { describe, expect, it } from "vitest";
import { Reservation } from "../guard/reservation.ts";
import { decide } from "../policy/decide.ts";
import { alarm, config, facts, instance } from "../policy/test-fixtures.ts";
import type { TriggerOutcome } from "../runtime/pipeline.ts";
import { SqliteStateStore } from "../state/sqlite.ts";
import { renderTimelineEntry } from "./timeline.ts";

const at = new Date(2026, 11, 2, 20, 4, 5); // local time: the timeline prints the wall clock

/** An outcome as the pipeline makes it: decide for real, every planned action run with `message`. */
function outcomeOf(
  trigger: Parameters<typeof decide>[0],
  ran: { ok: boolean; message: string },
): TriggerOutcome {
  const cfg = config();
  const plan = decide(trigger, cfg, facts());
  const run = plan.actions.map((action) => ({
    ...action,
    dryRun: false,
    notes: [],
    reservedNodes: [],
    claims: [],
  }));
  return {
    trigger,
    cluster: "prod",
    plan,
    guarded: {
      trigger,
      cluster: "prod",
      run,
      skipped: plan.skipped.map((skip) => ({ ...skip, stage: "decide" as const })),
      // the timeline never touches it: an in-memory store is enough
      reservation: new Reservation(new SqliteStateStore({ path: ":memory:" }), "prod", trigger.id, false),
    },
    results: run.map((action) => ({
      action,
      result: {
        verb: action.verb,
        target: action.target,
        ok: ran.ok,
        changed: ran.ok,
        dryRun: false,
        before: undefined,
        after: undefined,
        message: ran.message,
        warnings: [],
        apiRequests: 2,
        durationMs: 12,
      },
    })),
    retry: false,
  };
}

describe("renderTimelineEntry", () => {
  it("names the trigger, and for each action what was done, the policy's reason and the result", () => {
    const text = renderTimelineEntry(
      outcomeOf(alarm({ id: "a-1" }), {
        ok: true,
        message: "scaled deployment shop/checkout from 4 to 6 replicas (+2)",
      }),
      config(),
      at,
    );
    expect(text.split("\n")).toEqual([
      "20:04:05  alarm shop-checkout-cpu-high → ALARM  [alarm a-1, cluster prod]",
      "    done: scale deployment/shop/checkout  (policy scale-out-on-cpu)",
      expect.stringMatching(
        /^ {6}why: alarm shop-checkout-cpu-high is ALARM: scale deployment shop\/checkout by \+2/,
      ),
      "      result: scaled deployment shop/checkout from 4 to 6 replicas (+2)",
      "    (1 other policy is not for this trigger)",
    ]);
  });

  it("lists a policy that was for the trigger but decided nothing, with decide's reason", () => {
    const unknownNode = instance("spot-interruption", { id: "s-1", instanceId: "i-0fffffffffffffff0" });
    const text = renderTimelineEntry(outcomeOf(unknownNode, { ok: true, message: "" }), config(), at);
    expect(text).toMatch(
      /^20:04:05 {2}spot-interruption i-0fffffffffffffff0 {2}\[instance s-1, cluster prod\]\n/,
    );
    expect(text).toMatch(/\n {4}skipped \(decide\): policy drain-on-spot: .*i-0fffffffffffffff0/);
    expect(text).toContain("(1 other policy is not for this trigger)");
    expect(text).not.toContain("scale-out-on-cpu");
  });

  it("marks a failed action", () => {
    const text = renderTimelineEntry(
      outcomeOf(instance("spot-interruption", { id: "s-2" }), {
        ok: false,
        message: "the API server is unreachable",
      }),
      config(),
      at,
    );
    expect(text).toMatch(
      /\n {4}FAILED: drain node\/ip-10-0-0-2\.eu-west-1\.compute\.internal {2}\(policy drain-on-spot\)\n/,
    );
    expect(text).toContain("      result: the API server is unreachable");
  });
});
