import { createHash } from "node:crypto";
import { scheduleTargetInput } from "../events/index.ts";
import { parseScheduleExpression, type ScheduleExpression } from "./schedule-expression.ts";
import type { HomeostatConfig } from "./schema.ts";

/**
 * One EventBridge Scheduler schedule that a policy's `schedule` entry asks for. The deployment creates
 * exactly these (stacks/schedules.ts), so removing an entry from the config removes its schedule on
 * the next deploy.
 */
export interface ScheduleDefinition {
  /** The schedule's name in the group: unique per (policy, entry), stable across deploys. */
  name: string;
  /** The policy's name. */
  policy: string;
  /** The entry's name within the policy. */
  entry: string;
  /** The entry's expression in canonical form: `cron(0 20 ? * MON-FRI *)`, `rate(1 hour)`, `at(...)`. */
  expression: string;
  /** The IANA time zone the expression is read in. */
  timezone: string;
  /** The target Input: the payload the schedule function handles (see `scheduleTargetInput`). */
  input: string;
  description: string;
}

/** EventBridge Scheduler's limits on a schedule's name and description. */
const MAX_NAME_LENGTH = 64;
const MAX_DESCRIPTION_LENGTH = 512;
const HASH_LENGTH = 8;

/**
 * The schedule name for `entry` of `policy`: `<policy>.<entry>` when that is unambiguous and fits in
 * 64 characters, otherwise a readable prefix and a hash of both names.
 *
 * Both names may contain `.`, so `a.b` + `c` and `a` + `b.c` would both read `a.b.c`. The plain form
 * is therefore only used for policies without a dot (the first dot then separates the two names), and
 * the hashed form contains no dot at all, so the two forms never meet. Hashed names differ unless
 * their prefixes and 32-bit hashes both collide.
 */
export function scheduleName(policy: string, entry: string): string {
  const plain = `${policy}.${entry}`;
  if (!policy.includes(".") && plain.length <= MAX_NAME_LENGTH) return plain;
  // newline is in neither name's alphabet: distinct pairs hash distinct inputs
  const hash = createHash("sha256").update(`${policy}\n${entry}`).digest("hex").slice(0, HASH_LENGTH);
  const readable = `${policy}-${entry}`.replaceAll(".", "_").slice(0, MAX_NAME_LENGTH - HASH_LENGTH - 1);
  return `${readable}-${hash}`;
}

/** Writes a parsed expression back the way EventBridge Scheduler takes it (and as Pulumi diffs it). */
export function formatScheduleExpression(expression: ScheduleExpression): string {
  switch (expression.kind) {
    case "cron":
      return `cron(${expression.fields.join(" ")})`;
    case "rate":
      return `rate(${expression.value} ${expression.unit}${expression.value === 1 ? "" : "s"})`;
    case "at":
      return `at(${expression.localTime})`;
  }
}

function describeSchedule(policy: HomeostatConfig["policies"][number], entry: string): string {
  const text = [
    `Homeostat policy ${policy.name}, entry ${entry}, cluster ${policy.cluster}`,
    policy.description,
  ]
    .filter(Boolean)
    .join(": ");
  return text.length <= MAX_DESCRIPTION_LENGTH ? text : `${text.slice(0, MAX_DESCRIPTION_LENGTH - 1)}…`;
}

/**
 * Every schedule the config's `schedule` policies declare for the clusters this deployment serves
 * (config keys, as in HOMEOSTAT_CLUSTERS), in config order.
 *
 * @example
 * scheduleDefinitions(config, ["staging"])
 * // [{ name: "dev-office-hours.scale-down", policy: "dev-office-hours", entry: "scale-down",
 * //    expression: "cron(0 20 ? * MON-FRI *)", timezone: "Europe/Berlin", input: "{...}", ... }]
 */
export function scheduleDefinitions(
  config: HomeostatConfig,
  servedClusters: readonly string[],
): ScheduleDefinition[] {
  const served = new Set(servedClusters);
  const definitions: ScheduleDefinition[] = [];
  for (const policy of config.policies) {
    if (!("schedule" in policy.match) || !served.has(policy.cluster)) continue;
    for (const entry of policy.match.schedule.entries) {
      const parsed = parseScheduleExpression(entry.cron);
      if (!parsed.ok) {
        // the config schema rejects these; reaching here means the config skipped validation
        throw new Error(
          `policy "${policy.name}" entry "${entry.name}": ${parsed.reason}. Load the config with loadConfig or defineConfig so it is validated.`,
        );
      }
      definitions.push({
        name: scheduleName(policy.name, entry.name),
        policy: policy.name,
        entry: entry.name,
        expression: formatScheduleExpression(parsed.expression),
        timezone: entry.timezone,
        input: scheduleTargetInput(policy.name, entry.name),
        description: describeSchedule(policy, entry.name),
      });
    }
  }
  return definitions;
}
