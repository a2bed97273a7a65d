/**
 * Property tests of the config (homeostat.config.ts objects): the repository's worked config and the
 * end-to-end tests' config, mutated at any depth — fields dropped, retyped, nulled, huge, unicode, deep —
 * are either valid or refused with a ConfigError (never anything else), and every problem names its field
 * as a path (`policies[2].action.change: …`); a refusal names the field that was broken (or the policy
 * that refers to it). 10,000 cases in `npm test`. A config is read before any client is made
 * (runtime/deps.ts), so a refused one writes nothing anywhere.
 */
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { mutate, paths, replacementArb } from "../events/inputs.fuzz.ts";
import type { JsonObject, JsonValue } from "../events/samples.ts";
import { config as fixtureConfig } from "../policy/test-fixtures.ts";
import { FUZZ_TIMEOUT_MS, fuzz } from "../testing/fuzz.ts";
import { ConfigError, formatPath, loadConfig, parseConfig } from "./load.ts";

let bases: JsonObject[] = [];

beforeAll(async () => {
  const repository = await loadConfig(
    fileURLToPath(new URL("../../../../homeostat.config.ts", import.meta.url)),
  );
  // what a module exports is validated again when loaded, so a parsed config is a valid input too
  bases = [repository, fixtureConfig()].map((config) => JSON.parse(JSON.stringify(config)) as JsonObject);
});

type Step = ReturnType<typeof paths>[number][number];

const SEGMENT = String.raw`(?:\[\d+\]|\["(?:[^"\\]|\\.)*"\])`;
const NAME = String.raw`[A-Za-z_$][\w$-]*`;
/** `policies[2].action.change: …`, `clusters[" "]: …`, or `(config): …` for the config as a whole. */
const PROBLEM = new RegExp(String.raw`^(?:\(config\)|(?:${NAME}|${SEGMENT})(?:\.${NAME}|${SEGMENT})*): \S`);

/** `policies[2].action` — the mutated field, no deeper than `depth` steps. */
function fieldOf(path: Step[], depth: number): string {
  const keys = path.slice(0, depth).map((step) => ("key" in step ? step.key : ""));
  return keys.length === 0 ? "(config)" : formatPath(keys);
}

function startsWithField(problem: string, field: string): boolean {
  if (field === "(config)") return true;
  if (!problem.startsWith(field)) return false;
  const next = problem[field.length];
  return next === "." || next === "[" || next === ":";
}

describe("the config on any input", { timeout: FUZZ_TIMEOUT_MS }, () => {
  it("reads the configs it is fuzzed from", () => {
    expect(bases.length).toBe(2);
    for (const base of bases) expect(() => parseConfig(base)).not.toThrow();
  });

  it("mutated: valid, or a ConfigError whose problems are field paths, one naming the broken field", () => {
    // built once per base: a base's paths and their arbitrary are not cheap to make
    const caseArb = fc.oneof(
      ...bases.map((base) =>
        fc.tuple(
          fc.constant(base),
          fc.constantFrom(...paths(base).filter((path) => path.every((step) => "key" in step))),
          fc.oneof(
            { weight: 4, arbitrary: replacementArb.map((value) => ({ kind: "replace" as const, value })) },
            { weight: 1, arbitrary: fc.constant({ kind: "delete" as const }) },
          ),
        ),
      ),
    );
    fuzz(
      fc.property(caseArb, ([base, path, mutation]) => {
        const input = mutate(base as JsonValue, path, mutation);
        let problems: string[];
        try {
          parseConfig(input);
          return;
        } catch (error) {
          if (!(error instanceof ConfigError)) throw new Error(`not a ConfigError: ${String(error)}`);
          if (error.code !== "invalid") throw new Error(`code ${error.code}: ${error.message}`);
          problems = error.problems;
        }
        if (problems.length === 0) throw new Error("a refusal without problems");
        for (const problem of problems) {
          if (!PROBLEM.test(problem)) {
            throw new Error(`a problem that does not start with its field: ${problem}`);
          }
        }
        const field = fieldOf(path, 2);
        const key = path.at(-1);
        const named =
          problems.some((problem) => startsWithField(problem, field)) ||
          // a cluster removed or renamed is named where a policy or defaultCluster refers to it
          (key !== undefined &&
            "key" in key &&
            problems.some((problem) => problem.includes(`"${String(key.key)}"`)));
        if (!named) throw new Error(`no problem names ${field}: ${problems.join(" | ")}`);
      }),
      10_000,
    );
  });
});
