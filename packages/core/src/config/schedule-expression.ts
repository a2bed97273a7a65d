/**
 * EventBridge Scheduler schedule expressions: `cron(min hour day-of-month month day-of-week year)`,
 * `rate(N unit)` and `at(yyyy-mm-ddThh:mm:ss)`. Validated here so a typo fails when the config loads
 * instead of when the schedule is created in AWS.
 */
export type ScheduleExpression =
  | { kind: "cron"; fields: [string, string, string, string, string, string] }
  | { kind: "rate"; value: number; unit: "minute" | "hour" | "day" }
  | { kind: "at"; localTime: string };

export type ScheduleExpressionResult =
  | { ok: true; expression: ScheduleExpression }
  | { ok: false; reason: string };

const MONTHS = "JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC";
const DAYS = "SUN|MON|TUE|WED|THU|FRI|SAT";

interface FieldRule {
  name: string;
  min: number;
  max: number;
  names?: string;
  /** Characters beyond digits , - * / that this field accepts. */
  extra: RegExp;
}

const FIELD_RULES: readonly FieldRule[] = [
  { name: "minutes", min: 0, max: 59, extra: /^$/ },
  { name: "hours", min: 0, max: 23, extra: /^$/ },
  { name: "day-of-month", min: 1, max: 31, extra: /^(\?|L|\d{1,2}W|LW)$/ },
  { name: "month", min: 1, max: 12, names: MONTHS, extra: /^$/ },
  {
    name: "day-of-week",
    min: 1,
    max: 7,
    names: DAYS,
    extra: /^(\?|L|[1-7]L|[1-7]#[1-5]|(SUN|MON|TUE|WED|THU|FRI|SAT)#[1-5])$/,
  },
  { name: "year", min: 1970, max: 2199, extra: /^$/ },
];

function checkField(value: string, rule: FieldRule): string | undefined {
  if (rule.extra.test(value)) return undefined;
  const atom = rule.names ? `(?:\\d{1,4}|${rule.names})` : "\\d{1,4}";
  const part = new RegExp(`^(?:\\*|${atom}(?:-${atom})?)(?:/\\d{1,4})?$`);
  for (const piece of value.split(",")) {
    if (!part.test(piece)) return `${rule.name} field "${value}" is not valid`;
    for (const number of piece.match(/\d+/g) ?? []) {
      const isStep = piece.includes(`/${number}`) && piece.endsWith(number);
      if (isStep) continue;
      const n = Number(number);
      if (n < rule.min || n > rule.max) {
        return `${rule.name} ${n} is out of range ${rule.min}-${rule.max}`;
      }
    }
  }
  return undefined;
}

/** Parses an EventBridge Scheduler expression, saying what is wrong when it is not one. */
export function parseScheduleExpression(text: string): ScheduleExpressionResult {
  const trimmed = text.trim();
  const at = /^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$/.exec(trimmed);
  if (at?.[1]) {
    if (Number.isNaN(Date.parse(`${at[1]}Z`)))
      return { ok: false, reason: `at(${at[1]}) is not a real date and time` };
    return { ok: true, expression: { kind: "at", localTime: at[1] } };
  }
  const rate = /^rate\((\d{1,6}) (minute|minutes|hour|hours|day|days)\)$/.exec(trimmed);
  if (rate?.[1] && rate[2]) {
    const value = Number(rate[1]);
    const unit = rate[2].replace(/s$/, "") as "minute" | "hour" | "day";
    if (value === 0) return { ok: false, reason: "a rate must be at least 1" };
    if ((value === 1) !== (rate[2] === unit)) {
      return {
        ok: false,
        reason: `write rate(${value} ${value === 1 ? unit : `${unit}s`}) (singular unit for 1, plural otherwise)`,
      };
    }
    return { ok: true, expression: { kind: "rate", value, unit } };
  }
  const cron = /^cron\((.*)\)$/.exec(trimmed);
  if (cron?.[1] !== undefined) {
    const fields = cron[1].trim().split(/\s+/);
    if (fields.length !== 6) {
      return {
        ok: false,
        reason: `cron() needs 6 fields (minutes hours day-of-month month day-of-week year), got ${fields.length}`,
      };
    }
    const upper = fields.map((field) => field.toUpperCase());
    for (let index = 0; index < FIELD_RULES.length; index++) {
      const rule = FIELD_RULES[index];
      const value = upper[index];
      if (!rule || value === undefined) continue;
      const problem = checkField(value, rule);
      if (problem) return { ok: false, reason: problem };
    }
    const [, , dayOfMonth, , dayOfWeek] = upper;
    if ((dayOfMonth === "?") === (dayOfWeek === "?")) {
      return {
        ok: false,
        reason:
          "exactly one of day-of-month and day-of-week must be ? (for example cron(0 20 ? * MON-FRI *))",
      };
    }
    return {
      ok: true,
      expression: { kind: "cron", fields: upper as [string, string, string, string, string, string] },
    };
  }
  return { ok: false, reason: "expected cron(...), rate(...) or at(...)" };
}

// Making an Intl.DateTimeFormat costs about a millisecond, which every parse of a config with schedules
// paid once per entry; zones that exist are few, so they are remembered (the ones that don't are not,
// so no input can grow this).
const knownTimeZones = new Set<string>();

/** Whether `zone` is an IANA time zone this runtime knows (`Europe/Berlin`, `UTC`). */
export function isTimeZone(zone: string): boolean {
  if (knownTimeZones.has(zone)) return true;
  if (zone.trim() === "") return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    knownTimeZones.add(zone);
    return true;
  } catch {
    return false;
  }
}
