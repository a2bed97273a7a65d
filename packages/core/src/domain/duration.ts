// The two duration formats people write to Homeostat, in one place: config durations (whole
// seconds, `2d` allowed, a bare number is seconds) and the Go durations of kubectl's flags (`500ms`,
// `1.5s`; what `--timeout` takes, so the CLI reads what kubectl users already type).

/**
 * Durations as people write them in config: `30s`, `5m`, `1h30m`, `2d`. Units in descending order,
 * each at most once; a bare number is seconds. Kept to whole seconds: every consumer (TTLs, cooldowns,
 * schedules) works in seconds.
 */
const DURATION = /^(?:(\d{1,6})d)?(?:(\d{1,6})h)?(?:(\d{1,6})m)?(?:(\d{1,9})s)?$/;

const UNITS: ReadonlyArray<readonly [suffix: string, seconds: number]> = [
  ["d", 86_400],
  ["h", 3_600],
  ["m", 60],
  ["s", 1],
];

/** Seconds in `text`, or undefined when it is not a duration like `90s`, `5m`, `1h30m` or `2d`. */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (/^\d{1,9}$/.test(trimmed)) return Number(trimmed);
  if (trimmed === "") return undefined;
  const match = DURATION.exec(trimmed);
  if (!match) return undefined;
  let seconds = 0;
  for (let index = 0; index < UNITS.length; index++) {
    const amount = match[index + 1];
    const unit = UNITS[index];
    if (amount !== undefined && unit) seconds += Number(amount) * unit[1];
  }
  return seconds;
}

/** `300` → `5m`, `5400` → `1h30m`, `0` → `0s`: the shortest text `parseDuration` reads back. */
export function formatDuration(totalSeconds: number): string {
  if (totalSeconds === 0) return "0s";
  let rest = Math.floor(totalSeconds);
  let text = "";
  for (const [suffix, seconds] of UNITS) {
    const amount = Math.floor(rest / seconds);
    if (amount > 0) {
      text += `${amount}${suffix}`;
      rest -= amount * seconds;
    }
  }
  return text;
}

const GO_DURATION = /^(?:(\d+(?:\.\d+)?)(ms|s|m|h))+$/;
const GO_DURATION_PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
const GO_UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds in a Go duration like `90s`, `5m`, `1h30m`, `500ms` or `0`; undefined for anything else. */
export function parseGoDuration(text: string): number | undefined {
  if (text === "0") return 0;
  if (!GO_DURATION.test(text)) return undefined;
  let total = 0;
  for (const [, amount, unit] of text.matchAll(GO_DURATION_PART)) {
    total += Number(amount) * (GO_UNIT_MS[unit ?? "s"] ?? 0);
  }
  return total;
}
