// The values options take: whole numbers and durations, each refused with what was expected.
import { parseGoDuration } from "../domain/duration.ts";
import { UsageError } from "./errors.ts";
import type { CommandName } from "./types.ts";

/** A duration option like `--timeout 90s` (Go units, as kubectl takes them), in milliseconds. */
export function parseTimeout(text: string, option = "--timeout"): number {
  const total = parseGoDuration(text);
  if (total === undefined) {
    throw new UsageError(`${option} needs a duration like 90s, 5m or 1h30m; got '${text}'`);
  }
  // Node's timers take at most 2^31-1 ms (about 24.8 days); a longer one would fire at once.
  if (total > 2_147_483_647) {
    throw new UsageError(`${option} can be at most 596h (24 days); got '${text}' — use 0 for no deadline`);
  }
  // 0 means no deadline, so a positive duration must not round down to it
  if (total > 0 && Math.round(total) === 0) {
    throw new UsageError(`${option} must be at least 1ms (or 0 for no deadline); got '${text}'`);
  }
  return Math.round(total);
}

/** A count option like `--max 20`: digits only, at most 2^31-1; absent stays absent. */
export function wholeNumber(
  text: string | undefined,
  option: string,
  topic: CommandName,
): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d{1,10}$/.test(text) || Number(text) > 2_147_483_647) {
    throw new UsageError(`${option} needs a whole number ≥ 0; got '${text}'`, topic);
  }
  return Number(text);
}
