/**
 * Time formats AWS events use, turned into RFC 3339 (UTC, `Z`, milliseconds) so every trigger
 * carries one comparable form. Each parser returns undefined for anything that is not a real
 * instant (Feb 30, hour 24, …) rather than letting `Date` roll it over into a different day.
 */

// 2019-10-01T13:56:40.987+0000 (CloudWatch), 2019-10-01T13:56:40Z, 2019-10-01T13:56:40+02:00
const ISO_LIKE = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-]\d{2}:?\d{2})$/;

// Sat, 05 Jun 2016 15:10:09 GMT (AWS Health). The weekday is not checked against the date: AWS's own
// documented sample pairs "Sat" with a Sunday, and the date is what matters.
const RFC_1123 =
  /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d{1,2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\d{4}) (\d{2}):(\d{2}):(\d{2}) (?:GMT|UTC|\+0000)$/;

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function validFields(year: number, month: number, day: number, hour: number, minute: number, second: number) {
  return (
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth(year, month) &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 59
  );
}

/**
 * An ISO 8601 / RFC 3339 timestamp, including CloudWatch's offset without a colon (`+0000`), as
 * RFC 3339 in UTC. Undefined when it is not one.
 */
export function isoToRfc3339(text: string): string | undefined {
  const m = ISO_LIKE.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (!validFields(year, month, day, hour, minute, second)) return undefined;
  const fraction = m[7] ?? "";
  let offset = m[8] ?? "Z";
  if (offset === "z") offset = "Z";
  if (offset !== "Z" && !offset.includes(":")) offset = `${offset.slice(0, 3)}:${offset.slice(3)}`;
  if (offset !== "Z") {
    const offsetHours = Number(offset.slice(1, 3));
    const offsetMinutes = Number(offset.slice(4, 6));
    if (offsetHours > 23 || offsetMinutes > 59) return undefined;
  }
  // Date keeps milliseconds only; finer fractions are truncated, which no event here needs.
  const ms = fraction ? fraction.slice(1, 4).padEnd(3, "0") : "000";
  const date = new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}.${ms}${offset}`);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** An RFC 1123 date (`Sat, 05 Jun 2016 15:10:09 GMT`) as RFC 3339 in UTC. Undefined when it is not one. */
export function rfc1123ToRfc3339(text: string): string | undefined {
  const m = RFC_1123.exec(text);
  if (!m) return undefined;
  const day = Number(m[1]);
  const month = MONTHS.indexOf(m[2] ?? "") + 1;
  const year = Number(m[3]);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = Number(m[6]);
  if (!validFields(year, month, day, hour, minute, second)) return undefined;
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  // Date.UTC maps years 0-99 to 1900-1999; such a year is not a real event time anyway.
  return year < 1000 || Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}
