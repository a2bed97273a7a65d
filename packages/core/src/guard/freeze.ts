import type { FreezeWindow } from "../config/schema.ts";

export interface ActiveFreeze {
  name: string;
  /** When this occurrence of the window ends. */
  until: Date;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"] as const;

function localClock(now: Date, timeZone: string): { day: number; minutes: number } {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone,
      weekday: "short",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    });
    formatters.set(timeZone, formatter);
  }
  const parts = Object.fromEntries(formatter.formatToParts(now).map((part) => [part.type, part.value]));
  const day = WEEKDAYS.indexOf(parts.weekday as (typeof WEEKDAYS)[number]);
  return { day, minutes: Number(parts.hour) * 60 + Number(parts.minute) };
}

const minutesOf = (clock: string): number => Number(clock.slice(0, 2)) * 60 + Number(clock.slice(3, 5));

/**
 * The freeze window in effect at `now`, if any. Absolute windows are [from, to). Weekly windows run
 * from `from` to `to` local time on each listed day (the day the window starts); when `to` is not after
 * `from`, the window ends on the next day.
 */
export function activeFreeze(windows: readonly FreezeWindow[], now: Date): ActiveFreeze | undefined {
  for (const [index, window] of windows.entries()) {
    if ("from" in window) {
      const from = Date.parse(window.from);
      const to = Date.parse(window.to);
      if (now.getTime() >= from && now.getTime() < to) {
        return { name: window.name ?? `freeze window ${index + 1}`, until: new Date(to) };
      }
      continue;
    }
    const { days, timezone } = window.weekly;
    const from = minutesOf(window.weekly.from);
    const to = minutesOf(window.weekly.to);
    const { day, minutes } = localClock(now, timezone);
    const today = WEEKDAYS[day];
    const yesterday = WEEKDAYS[(day + 6) % 7];
    const name =
      window.name ?? `weekly freeze ${days.join(",")} ${window.weekly.from}-${window.weekly.to} ${timezone}`;
    const endsIn = (minutesLeft: number) =>
      new Date(now.getTime() + minutesLeft * 60_000 - now.getUTCSeconds() * 1000);
    if (from < to) {
      if (today && days.includes(today) && minutes >= from && minutes < to)
        return { name, until: endsIn(to - minutes) };
    } else {
      if (today && days.includes(today) && minutes >= from)
        return { name, until: endsIn(24 * 60 - minutes + to) };
      if (yesterday && days.includes(yesterday) && minutes < to) return { name, until: endsIn(to - minutes) };
    }
  }
  return undefined;
}
