import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { UsageError } from "./errors.ts";
import { parseCommandText } from "./parse.ts";
import { checkCommandText, MAX_COMMAND_TEXT } from "./text.ts";

function refusal(text: string): string {
  try {
    parseCommandText(text);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as UsageError).message;
  }
  throw new Error(`expected ${JSON.stringify(text)} to be refused`);
}

describe("checkCommandText", () => {
  it("lets the grammar's words through", () => {
    for (const text of [
      "scale shop/checkout +2 --max 20",
      "drain ip-10-0-1-2.ec2.internal --force",
      "help",
    ]) {
      expect(() => checkCommandText(text)).not.toThrow();
    }
  });

  it("refuses text over 4,000 characters, saying how long it is", () => {
    expect(refusal(`status shop/web ${"a".repeat(MAX_COMMAND_TEXT)}`)).toMatch(
      /4016 characters long; at most 4000/,
    );
  });

  it("refuses control and format characters by code point", () => {
    expect(refusal("scale shop/web +2\nrestart shop/web")).toMatch(/control character U\+000A/);
    expect(refusal("scale shop/web\u0000 +2")).toMatch(/U\+0000/);
    expect(refusal("scale shop/\u202eweb +2")).toMatch(/U\+202E/);
    expect(refusal("scale shop/we\u200bb +2")).toMatch(/U\+200B/);
  });

  it("refuses shell metacharacters, and Slack's escapes of & < >", () => {
    for (const text of [
      "scale shop/web +2; rm -rf /",
      "status $(whoami)",
      "status shop/web | sh",
      "status `id`",
    ]) {
      expect(refusal(text)).toMatch(/which no command takes \(this is not a shell\)/);
    }
    expect(refusal("status shop/web &amp;&amp; x")).toMatch(/contains '&'/);
    expect(refusal("status <http://x|x>")).toMatch(/contains '<'/);
  });

  it("names look-alike letters and the ASCII a typographic dash replaced", () => {
    // a Cyrillic е (U+0435) in the namespace: another name to the API server
    expect(refusal("scale shop/ch\u0435ckout +2")).toMatch(
      /'е' \(U\+0435, in 'shop\/ch.ckout'\), not an ASCII character.*retype/,
    );
    expect(refusal("scale shop/web +2 \u2014max 5")).toMatch(/U\+2014, in '—max'\) where '--' is meant/);
  });

  it("never lets a non-ASCII, control or metacharacter through to a command", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "grapheme" }),
        fc.constantFrom(..."\u0435\u0430\u043e;|&$`\n\u0000\u200b\u2014<>"),
        fc.string(),
        (before, bad, after) => {
          expect(() => checkCommandText(`${before}${bad}${after}`)).toThrow(UsageError);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
