/** zod failures as reasons a person can act on: the field's place in the input, the problem, the value. */
import type { z } from "zod";
import { describe, type NormalizeResult, rejection, TOP_LEVEL } from "./result.ts";

/**
 * A zod failure as a `malformed` rejection: `what: path: problem (got value)`, at most three issues.
 * `pathPrefix` is where the parsed value sits in the input (`detail` for an EventBridge detail).
 *
 * @example
 * invalid("SQS record", parsed.error, record)
 * // { ok: false, error: { kind: "malformed", reason: "SQS record: body: missing (expected string)", field: "body", … } }
 */
export function invalid(
  what: string,
  error: z.ZodError,
  input: unknown,
  pathPrefix?: string,
): NormalizeResult {
  const fields: string[] = [];
  const issues = error.issues.slice(0, 3).map((issue) => {
    const path = issue.path.filter((p): p is string | number => typeof p !== "symbol");
    const got = valueAt(input, path);
    const shown = [pathPrefix, formatPath(path)].filter(Boolean).join(".") || TOP_LEVEL;
    fields.push(shown);
    if (got === undefined && issue.code === "invalid_type")
      return `${shown}: missing (expected ${issue.expected})`;
    const showGot = got !== undefined && typeof got !== "object" && !issue.message.includes("received");
    return `${shown}: ${issue.message}${showGot ? ` (got ${describe(got)})` : ""}`;
  });
  const more = error.issues.length > 3 ? `; and ${error.issues.length - 3} more problem(s)` : "";
  return rejection("malformed", `${what}: ${issues.join("; ")}${more}`, fields[0] ?? TOP_LEVEL);
}

/** `detail.instance-id`, `metrics[0]`; a key that is not a plain name is quoted: `dimensions[""]`. */
function formatPath(path: (string | number)[]): string {
  let text = "";
  for (const part of path) {
    if (typeof part === "number") text += `[${part}]`;
    else if (!/^[A-Za-z_$][\w$-]*$/.test(part)) text += `[${JSON.stringify(part)}]`;
    else text += text ? `.${part}` : part;
  }
  return text;
}

function valueAt(input: unknown, path: (string | number)[]): unknown {
  let current = input;
  for (const part of path) {
    if (typeof current !== "object" || current === null || !Object.hasOwn(current, part)) return undefined;
    current = (current as Record<string | number, unknown>)[part];
  }
  return current;
}
