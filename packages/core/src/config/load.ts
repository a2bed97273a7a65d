import { access, readFile } from "node:fs/promises";
import { extname, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { z } from "zod";
import { type HomeostatConfig, type HomeostatConfigInput, homeostatConfigSchema } from "./schema.ts";

export type ConfigErrorCode = "invalid" | "not-found" | "load-failed";

/** A config that cannot be used, with one line per problem naming the field (`policies[2].action.change: …`). */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  readonly code: ConfigErrorCode;
  readonly problems: string[];

  constructor(
    code: ConfigErrorCode,
    message: string,
    options: { problems?: string[]; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.problems = options.problems ?? [];
  }
}

/**
 * `["policies", 2, "action", "change"]` → `policies[2].action.change`; a key that is not a plain name
 * is quoted, so a cluster named " " reads `clusters[" "]`, not `clusters. `.
 */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let text = "";
  for (const segment of path) {
    if (typeof segment === "number") text += `[${segment}]`;
    else if (typeof segment !== "string" || !/^[A-Za-z_$][\w$-]*$/.test(segment))
      text += `[${JSON.stringify(String(segment))}]`;
    else text += text === "" ? segment : `.${segment}`;
  }
  return text === "" ? "(config)" : text;
}

type Issue = z.core.$ZodIssue;

/**
 * Flattens zod issues into one line each. For a union that matched no branch, the branch with the
 * fewest problems is the one the author most likely meant: report its problems, not all branches'.
 */
function flattenIssues(issues: readonly Issue[], prefix: ReadonlyArray<PropertyKey> = []): string[] {
  const lines: string[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    if (issue.code === "invalid_union" && issue.errors.length > 0) {
      const best = [...issue.errors].sort((a, b) => a.length - b.length)[0] ?? [];
      lines.push(...flattenIssues(best, path));
      continue;
    }
    // a record key that fails its own schema: zod reports "Invalid key in record"; say why instead
    if (issue.code === "invalid_key" && issue.issues.length > 0) {
      lines.push(...flattenIssues(issue.issues, path));
      continue;
    }
    lines.push(`${formatPath(path)}: ${issue.message}`);
  }
  return lines;
}

/** Validates a config, throwing ConfigError with every problem. */
export function parseConfig(input: unknown, source = "config"): HomeostatConfig {
  const result = homeostatConfigSchema.safeParse(input);
  if (!result.success) {
    const problems = flattenIssues(result.error.issues);
    throw new ConfigError("invalid", `${source} is invalid:\n  ${problems.join("\n  ")}`, { problems });
  }
  return result.data as HomeostatConfig;
}

/**
 * Declares a config with types and validates it at once: an invalid config fails when the module loads.
 * @example
 * export default defineConfig({
 *   clusters: { prod: { eks: { name: "prod", region: "eu-west-1" } } },
 *   policies: [{ name: "checkout-cpu", match: { alarm: { names: ["checkout-cpu-*"] } },
 *                action: { verb: "scale", target: { fromDimensions: {} }, change: "+2", max: 20 } }],
 * });
 */
export function defineConfig(config: HomeostatConfigInput): HomeostatConfig {
  return parseConfig(config, "homeostat config");
}

/**
 * Loads a config module (.ts, .js, .mjs: its default export, or an export named `config`) or a .json
 * file, and validates it.
 */
export async function loadConfig(path: string): Promise<HomeostatConfig> {
  const absolute = resolve(path);
  try {
    await access(absolute);
  } catch (error) {
    throw new ConfigError(
      "not-found",
      `config file ${path} not found (looked at ${absolute}); pass --config FILE`,
      {
        cause: error,
      },
    );
  }
  let raw: unknown;
  try {
    if (extname(absolute) === ".json") {
      raw = JSON.parse(await readFile(absolute, "utf8"));
    } else {
      const module = (await import(pathToFileURL(absolute).href)) as { default?: unknown; config?: unknown };
      raw = module.default ?? module.config;
      if (raw === undefined) {
        throw new ConfigError(
          "load-failed",
          `${path} exports no config: write \`export default defineConfig({ ... })\``,
        );
      }
    }
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError("load-failed", `could not load config ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return parseConfig(raw, path);
}
