/**
 * What every property test (`*.fuzz.test.ts`) shares: how many cases, which seed, and a failure that
 * says how to replay it. `npm test` runs each property with its suite default; `npm run fuzz` runs
 * them all with `HOMEOSTAT_FUZZ_RUNS` cases each. A run draws a fresh seed unless `HOMEOSTAT_FUZZ_SEED`
 * gives one, so CI explores new cases every time and any failure can be replayed exactly.
 */
import fc from "fast-check";

function integerFrom(name: string): number | undefined {
  const text = process.env[name];
  if (text === undefined || text === "") return undefined;
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new Error(`${name} must be an integer; got '${text}'`);
  return value;
}

const runsOverride = integerFrom("HOMEOSTAT_FUZZ_RUNS");

/** The seed of this process's properties, printed with any failure. */
export const FUZZ_SEED =
  integerFrom("HOMEOSTAT_FUZZ_SEED") ?? (Date.now() ^ (Math.random() * 0x7fffffff)) | 0;

/** A test timeout for a property of `runs` cases: none for the long run, where runs are set by hand. */
export const FUZZ_TIMEOUT_MS = runsOverride === undefined ? 60_000 : 0;

/** Cases per property: the suite default, or HOMEOSTAT_FUZZ_RUNS for the long run. */
export function fuzzRuns(suiteDefault: number): number {
  return runsOverride ?? suiteDefault;
}

function replayHint(error: unknown): never {
  const message = error instanceof Error ? error.message : String(error);
  throw new Error(
    `${message}\n\nreplay: HOMEOSTAT_FUZZ_SEED=${FUZZ_SEED}${runsOverride === undefined ? "" : ` HOMEOSTAT_FUZZ_RUNS=${runsOverride}`} npx vitest run --project unit <this file>`,
    { cause: error },
  );
}

/** fc.assert with this run's seed and case count; a failure names the seed to replay it with. */
export function fuzz<T>(property: fc.IProperty<T>, suiteRuns: number): void {
  try {
    fc.assert(property, { numRuns: fuzzRuns(suiteRuns), seed: FUZZ_SEED });
  } catch (error) {
    replayHint(error);
  }
}

/** The same for an asynchronous property. */
export async function fuzzAsync<T>(property: fc.IAsyncProperty<T>, suiteRuns: number): Promise<void> {
  try {
    await fc.assert(property, { numRuns: fuzzRuns(suiteRuns), seed: FUZZ_SEED });
  } catch (error) {
    replayHint(error);
  }
}
