// The config's schedules on this machine: what EventBridge Scheduler does in AWS — fire each entry at
// its times in its IANA time zone and deliver the target Input with Scheduler's placeholders filled.
// croner reads the cron and one-time expressions (time zones, L, W, #, Quartz weekday numbers).
import { randomUUID } from "node:crypto";
import { Cron } from "croner";
import { parseScheduleExpression } from "../config/schedule-expression.ts";
import type { ScheduleDefinition } from "../config/schedules.ts";

/** Why a schedule fires: at its time, or because someone asked (`POST /schedules/<name>`). */
export type FiringCause = "time" | "request";

export interface Firing {
  definition: ScheduleDefinition;
  /** The time the firing stands for (Scheduler's `<aws.scheduler.scheduled-time>`). */
  scheduledTime: Date;
  cause: FiringCause;
}

const RATE_UNIT_MS = { minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const;

/** EventBridge's 6 fields (min hour dom month dow year) as croner's 7-part form, seconds first. */
function cronPattern(fields: readonly string[]): string {
  return `0 ${fields.join(" ")}`;
}

/**
 * When the schedule fires next after `after`, or undefined when it never will (a past `at`).
 * A rate counts from `since` (when the schedule was created here), as Scheduler's rates do.
 */
export function nextFiring(definition: ScheduleDefinition, after: Date, since: Date): Date | undefined {
  const parsed = parseScheduleExpression(definition.expression);
  if (!parsed.ok) throw new Error(`schedule ${definition.name}: ${parsed.reason}`);
  const { expression } = parsed;
  if (expression.kind === "rate") {
    const period = expression.value * RATE_UNIT_MS[expression.unit];
    const elapsed = Math.max(0, after.getTime() - since.getTime());
    return new Date(since.getTime() + (Math.floor(elapsed / period) + 1) * period);
  }
  const pattern = expression.kind === "cron" ? cronPattern(expression.fields) : expression.localTime;
  const job = new Cron(pattern, {
    timezone: definition.timezone,
    paused: true,
    // EventBridge numbers weekdays 1-7 from Sunday, as Quartz does
    alternativeWeekdays: true,
    ...(expression.kind === "cron" ? { mode: "7-part" as const } : {}),
  });
  return job.nextRun(after) ?? undefined;
}

/**
 * The event Scheduler delivers for a firing: the definition's Input with its scheduled time and an
 * execution id of its own (a redelivery of one firing would share it; a new firing never does).
 */
export function firingPayload(firing: Firing): unknown {
  const input = firing.definition.input
    .replaceAll("<aws.scheduler.scheduled-time>", firing.scheduledTime.toISOString())
    .replaceAll("<aws.scheduler.execution-id>", randomUUID());
  return JSON.parse(input) as unknown;
}

export interface ScheduleClock<T = unknown> {
  /** The definitions with the time each fires next (undefined: never again). */
  upcoming(): Array<{ definition: ScheduleDefinition; next: Date | undefined }>;
  /**
   * Fires the definition of that name now, as of its next time, and moves its clock past that time
   * (so it does not fire for it again): how the demo drives the clock.
   */
  fireNow(name: string): { firing: Firing; fired: T } | undefined;
  stop(): void;
}

/**
 * Starts one timer per definition; `fire` gets each firing (`fireNow` hands back what it returned). Timers are re-armed from the clock after
 * each firing, so a machine that slept fires once, late, rather than catching up on every missed time.
 */
export function startScheduleClock<T>(
  definitions: readonly ScheduleDefinition[],
  fire: (firing: Firing) => T,
  now: () => Date = () => new Date(),
): ScheduleClock<T> {
  const since = now();
  const timers = new Map<string, NodeJS.Timeout>();
  const nextOf = new Map<string, Date | undefined>();
  let stopped = false;

  const arm = (definition: ScheduleDefinition, after: Date): void => {
    const next = nextFiring(definition, after, since);
    nextOf.set(definition.name, next);
    if (!next || stopped) return;
    // Node's timers hold at most 2^31-1 ms (24.8 days): a later time is re-armed on the way
    const wait = Math.min(Math.max(0, next.getTime() - now().getTime()), 2_147_483_647);
    const timer = setTimeout(() => {
      timers.delete(definition.name);
      if (now().getTime() >= next.getTime()) {
        fire({ definition, scheduledTime: next, cause: "time" });
        arm(definition, next);
      } else {
        arm(definition, after);
      }
    }, wait);
    timers.set(definition.name, timer);
  };
  for (const definition of definitions) arm(definition, since);

  return {
    upcoming: () => definitions.map((definition) => ({ definition, next: nextOf.get(definition.name) })),
    fireNow: (name) => {
      const definition = definitions.find((candidate) => candidate.name === name);
      if (!definition) return undefined;
      const scheduledTime = nextOf.get(definition.name) ?? now();
      clearTimeout(timers.get(definition.name));
      timers.delete(definition.name);
      const firing: Firing = { definition, scheduledTime, cause: "request" };
      const fired = fire(firing);
      arm(definition, scheduledTime);
      return { firing, fired };
    },
    stop: () => {
      stopped = true;
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
    },
  };
}
