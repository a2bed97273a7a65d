// The values a config is written in: durations, time zones, schedule expressions, replica counts and
// changes, names and globs. The schemas of schema-*.ts are built from these.
import * as z from "zod";
import { parseDuration } from "../domain/duration.ts";
import { parseScaleChange } from "../domain/scale-change.ts";
import { isTimeZone, parseScheduleExpression } from "./schedule-expression.ts";

/** `5m`, `1h30m`, `90s` or a number of seconds → seconds. */
export const durationSchema = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const seconds =
    typeof value === "number"
      ? Number.isInteger(value) && value >= 0
        ? value
        : undefined
      : parseDuration(value);
  if (seconds === undefined) {
    ctx.addIssue({
      code: "custom",
      message: `expected a duration like 90s, 5m, 1h30m or 2d (or whole seconds), got ${JSON.stringify(value)}`,
    });
    return z.NEVER;
  }
  return seconds;
});

export const timeZoneSchema = z.string().refine((zone) => isTimeZone(zone) && !/^[+-]/.test(zone), {
  error: (issue) =>
    `expected an IANA time zone like Europe/Berlin or UTC, got ${JSON.stringify(issue.input)}`,
});

export const scheduleExpressionSchema = z.string().superRefine((text, ctx) => {
  const result = parseScheduleExpression(text);
  if (!result.ok) {
    ctx.addIssue({
      code: "custom",
      message: `expected an EventBridge Scheduler expression (cron(0 20 ? * MON-FRI *), rate(1 hour) or at(2025-12-24T18:00:00)): ${result.reason}; got ${JSON.stringify(text)}`,
    });
  }
});

export const replicaCount = z.number().int().min(0).max(2_147_483_647);

export const scaleChangeSchema = z.union([z.number(), z.string()]).superRefine((value, ctx) => {
  try {
    parseScaleChange(String(value));
  } catch {
    ctx.addIssue({
      code: "custom",
      message: `expected a replica change like 5, +2, -1 or x1.5, got ${JSON.stringify(value)}`,
    });
  }
});

export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** One or more glob patterns (`*` any run of characters, `?` one). */
export const globList = z.array(z.string().min(1)).min(1);
