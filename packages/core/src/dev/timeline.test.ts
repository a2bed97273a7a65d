import { describe, expect, it } from "vitest";
import { Reservation } from "../guard/reservation.ts";
import { decide } from "../policy/decide.ts";
import { alarm, config, facts, instance } from "../policy/test-fixtures.ts";
import { auditRecordsOf } from "../record/record.ts";
import type { TriggerOutcome } from "../runtime/pipeline.ts";
import { renderResultText } from "../slack/text.ts";
import type { AuditRecord } from "../state/audit-log.ts";
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

/** The audit records the record stage writes for `outcome` (ended at `at`). */
function recordsOf(outcome: TriggerOutcome) {
  return auditRecordsOf(outcome.trigger, outcome.guarded, outcome.results, {
    actor: "homeostat",
    now: at,
    endedAt: at,
    cluster: outcome.cluster,
  });
}

/** The entry as `homeostat dev` prints it: the outcome with its audit records. */
function entryOf(outcome: TriggerOutcome): string {
  return renderTimelineEntry(outcome, recordsOf(outcome), config(), at);
}

describe("renderTimelineEntry", () => {
  it("names the trigger, then each result as the notify stage's text, indented under it", () => {
    const outcome = outcomeOf(alarm({ id: "a-1" }), {
      ok: true,
      message: "scaled deployment shop/checkout from 4 to 6 replicas (+2)",
    });
    const lines = entryOf(outcome).split("\n");
    expect(lines[0]).toBe("20:04:05  alarm shop-checkout-cpu-high → ALARM  [alarm a-1, cluster prod]");
    expect(lines.at(-1)).toBe("    (1 other policy is not for this trigger)");
    const result = lines.slice(1, -1);
    // one renderer for Slack, invoke and dev: the block is renderResultText's, shifted right
    expect(result).toEqual(
      renderResultText(recordsOf(outcome)[0] as AuditRecord)
        .split("\n")
        .map((line) => `    ${line}`),
    );
    expect(result[0]).toMatch(/^ {4}Done: .*shop\/checkout/);
    expect(result).toContain("      scaled deployment shop/checkout from 4 to 6 replicas (+2)");
    const block = result.join("\n");
    expect(block).toMatch(/\n {6}Why: +alarm shop-checkout-cpu-high ALARM: Threshold Crossed/);
    expect(block).toMatch(/\n {6}Policy: +scale-out-on-cpu\n/);
    expect(block).toMatch(
      /\n {6}Decision: +alarm shop-checkout-cpu-high is ALARM: scale deployment shop\/checkout by \+2/,
    );
  });

  it("lists a policy that was for the trigger but decided nothing, with decide's reason", () => {
    const unknownNode = instance("spot-interruption", { id: "s-1", instanceId: "i-0fffffffffffffff0" });
    const text = entryOf(outcomeOf(unknownNode, { ok: true, message: "" }));
    expect(text.split("\n")).toEqual([
      "20:04:05  spot-interruption i-0fffffffffffffff0  [instance s-1, cluster prod]",
      expect.stringMatching(/^ {4}skipped \(decide\): policy drain-on-spot: .*i-0fffffffffffffff0/),
      "    (1 other policy is not for this trigger)",
    ]);
  });

  it("shows a failed action as the notify stage marks it, with the error", () => {
    const text = entryOf(
      outcomeOf(instance("spot-interruption", { id: "s-2" }), {
        ok: false,
        message: "the API server is unreachable",
      }),
    );
    expect(text).toMatch(/\n {4}Failed: .*ip-10-0-0-2\.eu-west-1\.compute\.internal/);
    expect(text).toContain("      the API server is unreachable");
    expect(text).not.toMatch(/\n {4}Done:/);
  });

  it("says when there was nothing to do", () => {
    const outcome = outcomeOf(alarm({ id: "a-3" }), { ok: true, message: "" });
    const nothing = { ...outcome, plan: { ...outcome.plan, actions: [], skipped: [] }, results: [] };
    const quiet = { ...nothing, guarded: { ...nothing.guarded, run: [], skipped: [] } };
    expect(renderTimelineEntry(quiet, [], config(), at).split("\n")).toEqual([
      "20:04:05  alarm shop-checkout-cpu-high → ALARM  [alarm a-3, cluster prod]",
      "    nothing to do",
    ]);
  });
});
