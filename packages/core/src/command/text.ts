// What a command written as text (Slack's /homeostat) may contain before the grammar reads it. The
// grammar's words are ASCII (names are DNS labels, numbers, options), so anything else is refused with
// the character named: a Cyrillic "е" in a namespace would otherwise reach the API server as another
// name, and a shell metacharacter means someone pasted a shell line, not a command.
import { UsageError } from "./errors.ts";

/** Slack's own limit for a slash command's text. */
export const MAX_COMMAND_TEXT = 4000;

// `&`, `<` and `>` are what Slack escapes (&amp; &lt; &gt;), and a link arrives as <url|text>
const SHELL_METACHARACTERS = /[;&|`$<>(){}[\]\\'"*?!#~^%]/;

/** Look-alikes a keyboard or Slack's formatting put in place of ASCII: say which ASCII was meant. */
const MEANT: Record<string, string> = {
  "\u2014": "--",
  "\u2013": "-",
  "\u2212": "-",
  "\u201c": '"',
  "\u201d": '"',
  "\u00a0": "a space",
};

function codePoint(char: string): string {
  return `U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0")}`;
}

/** Throws a UsageError naming what makes `text` unfit for the grammar; returns when it is fit. */
export function checkCommandText(text: string): void {
  if (text.length > MAX_COMMAND_TEXT) {
    throw new UsageError(
      `the command is ${text.length} characters long; at most ${MAX_COMMAND_TEXT} are read (a command is a few words)`,
    );
  }
  // control and format characters (newlines, NUL, bidi overrides, zero-width joiners), tab aside
  const control = /[\p{Cc}\p{Cf}]/u.exec(text.replaceAll("\t", " "));
  if (control) {
    throw new UsageError(
      `the command contains the control character ${codePoint(control[0])}; write it on one line, in plain text`,
    );
  }
  const meta = SHELL_METACHARACTERS.exec(text);
  if (meta) {
    throw new UsageError(
      `the command contains '${meta[0]}' (in ${partAt(text, meta.index)}), which no command takes (this is not a shell); write e.g. scale shop/checkout +2`,
    );
  }
  const foreign = /[^\x20-\x7e\t]/u.exec(text);
  if (foreign) {
    const char = foreign[0];
    const meant = MEANT[char];
    throw new UsageError(
      meant
        ? `the command contains '${char}' (${codePoint(char)}, in ${partAt(text, foreign.index)}) where ${meant === "a space" ? meant : `'${meant}'`} is meant; type it plainly`
        : `the command contains '${char}' (${codePoint(char)}, in ${partAt(text, foreign.index)}), not an ASCII character; namespaces, names and options are ASCII, so it may be a look-alike of a letter: retype the name`,
    );
  }
}

/**
 * The whitespace-delimited word around `index`, and the option it follows, so a refusal names the
 * part of the text to fix: `'{' after --to-revision`.
 */
function partAt(text: string, index: number): string {
  const start = text.lastIndexOf(" ", index) + 1;
  const end = text.indexOf(" ", index);
  const word = text.slice(start, end === -1 ? undefined : end);
  const before = text.slice(0, start).trimEnd();
  const previous = before.slice(before.lastIndexOf(" ") + 1);
  return previous.startsWith("-") ? `'${word}' after ${previous}` : `'${word}'`;
}
