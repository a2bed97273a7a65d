import { describe, expect, it } from "vitest";
import type { ScheduleDefinition } from "../config/schedules.ts";
import { scheduleTargetInput } from "../events/index.ts";
import { normalizeBatch } from "../events/normalize.ts";
import { type Firing, firingPayload, nextFiring, startScheduleClock } from "./schedules.ts";

function definition(expression: string, timezone: string, name = "p.e"): ScheduleDefinition {
  return {
    name,
    policy: "p",
    entry: "e",
    expression,
    timezone,
    input: scheduleTargetInput("p", "e"),
    description: "",
  };
}

const at = (iso: string) => new Date(iso);

describe("nextFiring", () => {
  it("reads a cron in its time zone, across the change to summer time", () => {
    const evening = definition("cron(0 20 ? * MON-FRI *)", "Europe/Berlin");
    // Friday 2026-03-27 is still winter time (UTC+1); Monday 2026-03-30 is summer time (UTC+2)
    expect(nextFiring(evening, at("2026-03-27T12:00:00Z"), at("2026-01-01T00:00:00Z"))).toEqual(
      at("2026-03-27T19:00:00Z"),
    );
    expect(nextFiring(evening, at("2026-03-27T19:00:00Z"), at("2026-01-01T00:00:00Z"))).toEqual(
      at("2026-03-30T18:00:00Z"),
    );
  });

  it("numbers weekdays as EventBridge does (1 is Sunday) and reads L and #", () => {
    const since = at("2026-01-01T00:00:00Z");
    const after = at("2026-12-02T12:00:00Z"); // a Wednesday
    expect(nextFiring(definition("cron(0 9 ? * 1 *)", "UTC"), after, since)).toEqual(
      at("2026-12-06T09:00:00Z"),
    );
    expect(nextFiring(definition("cron(0 9 ? * 6L *)", "UTC"), after, since)).toEqual(
      at("2026-12-25T09:00:00Z"),
    );
    expect(nextFiring(definition("cron(0 9 ? * 2#1 2027)", "UTC"), after, since)).toEqual(
      at("2027-01-04T09:00:00Z"),
    );
    expect(nextFiring(definition("cron(30 7 L * ? *)", "Asia/Kolkata"), after, since)).toEqual(
      at("2026-12-31T02:00:00Z"),
    );
  });

  it("fires an at() once, at its wall-clock time in its zone, and never after", () => {
    const once = definition("at(2026-12-24T18:00:00)", "America/New_York");
    const since = at("2026-12-01T00:00:00Z");
    expect(nextFiring(once, at("2026-12-02T00:00:00Z"), since)).toEqual(at("2026-12-24T23:00:00Z"));
    expect(nextFiring(once, at("2026-12-24T23:00:00Z"), since)).toBeUndefined();
  });

  it("counts a rate from when the schedule was created", () => {
    const rate = definition("rate(15 minutes)", "UTC");
    const since = at("2026-12-02T10:07:00Z");
    expect(nextFiring(rate, since, since)).toEqual(at("2026-12-02T10:22:00Z"));
    expect(nextFiring(rate, at("2026-12-02T10:22:00Z"), since)).toEqual(at("2026-12-02T10:37:00Z"));
    expect(nextFiring(rate, at("2026-12-02T10:30:00Z"), since)).toEqual(at("2026-12-02T10:37:00Z"));
  });
});

describe("firingPayload", () => {
  it("fills Scheduler's placeholders, so normalize reads the firing's time and a new id each time", () => {
    const firing: Firing = {
      definition: definition("cron(0 20 ? * MON-FRI *)", "Europe/Berlin"),
      scheduledTime: at("2026-12-02T19:00:00Z"),
      cause: "time",
    };
    const [first, second] = [firingPayload(firing), firingPayload(firing)];
    const [read] = normalizeBatch(first, { now: at("2026-12-02T19:00:01Z") });
    expect(read?.result).toMatchObject({
      ok: true,
      triggers: [{ kind: "schedule", policy: "p", entry: "e", scheduledTime: "2026-12-02T19:00:00.000Z" }],
    });
    expect((first as { executionId: string }).executionId).not.toBe(
      (second as { executionId: string }).executionId,
    );
  });
});

describe("startScheduleClock", () => {
  it("fires a schedule on request as of its next time and moves its clock past that time", () => {
    const fired: Firing[] = [];
    const now = at("2026-12-02T12:00:00Z");
    const clock = startScheduleClock(
      [definition("cron(0 20 ? * MON-FRI *)", "Europe/Berlin", "evening")],
      (firing) => fired.push(firing),
      () => now,
    );
    try {
      expect(clock.upcoming().map(({ next }) => next)).toEqual([at("2026-12-02T19:00:00Z")]);
      expect(clock.fireNow("evening")?.firing).toMatchObject({
        scheduledTime: at("2026-12-02T19:00:00Z"),
        cause: "request",
      });
      expect(fired).toHaveLength(1);
      expect(clock.upcoming().map(({ next }) => next)).toEqual([at("2026-12-03T19:00:00Z")]);
      expect(clock.fireNow("morning")).toBeUndefined();
    } finally {
      clock.stop();
    }
  });
});
