/**
 * Property tests of the one command grammar, as the CLI reads argv and as Slack's /homeostat reads text:
 * it fails only with a UsageError (a refusal, never a crash), and a command line with one part broken is
 * refused with a message that names that part (the option, or the word as given). 12,000 cases in
 * `npm test`; runtime/pipeline.fuzz.test.ts shows an unreadable command writes nothing.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FUZZ_TIMEOUT_MS, fuzz } from "../testing/fuzz.ts";
import { UsageError } from "./errors.ts";
import {
  asText,
  type BrokenCommandLine,
  brokenCommandLineArb,
  commandTextArb,
  namesBrokenPart,
  VALID_COMMAND_LINES,
} from "./inputs.fuzz.ts";
import { parseCommandLine, parseCommandText } from "./parse.ts";

/** The usage error `parse` throws, undefined when it accepts; anything else thrown fails the property. */
function usageErrorOf(parse: () => unknown): UsageError | undefined {
  try {
    parse();
    return undefined;
  } catch (error) {
    if (error instanceof UsageError) return error;
    throw new Error(`the grammar threw ${String(error)} instead of a UsageError`, { cause: error });
  }
}

function assertNamesBrokenPart({ argv, broken }: BrokenCommandLine, error: UsageError | undefined): void {
  if (error && !namesBrokenPart(error.message, broken)) {
    throw new Error(
      `the error for ${JSON.stringify(argv)} (${broken.part} broken) does not name it: ${error.message}`,
    );
  }
  if (error && error.exitCode !== 2) throw new Error(`a usage error must exit 2: ${error.message}`);
}

describe("the command grammar", { timeout: FUZZ_TIMEOUT_MS }, () => {
  it("reads every valid command line it is fuzzed from", () => {
    for (const argv of VALID_COMMAND_LINES) {
      expect(parseCommandLine(argv).kind).toBe("command");
      const text = asText(argv);
      if (text && !argv.includes("eks")) expect(parseCommandText(text).kind).toBe("command");
    }
  });

  it("argv with one part broken: refused with a usage error that names the part", () => {
    fuzz(
      fc.property(brokenCommandLineArb, (line) => {
        assertNamesBrokenPart(
          line,
          usageErrorOf(() => parseCommandLine(line.argv)),
        );
      }),
      5_000,
    );
  });

  it("Slack text with one part broken: the same refusal, the same names", () => {
    fuzz(
      fc.property(brokenCommandLineArb, (line) => {
        const text = asText(line.argv);
        if (text === undefined) return;
        const error = usageErrorOf(() => parseCommandText(text));
        // eks token is the CLI's alone: Slack refuses it whatever its words
        if (error?.message.includes("works only in the homeostat CLI")) return;
        assertNamesBrokenPart(line, error);
      }),
      4_000,
    );
  });

  it("arbitrary argv and text: only usage errors", () => {
    fuzz(
      fc.property(fc.array(fc.string(), { maxLength: 8 }), (argv) => {
        usageErrorOf(() => parseCommandLine(argv));
      }),
      1_500,
    );
    fuzz(
      fc.property(commandTextArb, (text) => {
        usageErrorOf(() => parseCommandText(text));
      }),
      1_500,
    );
  });
});
