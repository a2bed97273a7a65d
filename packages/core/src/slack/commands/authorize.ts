// Who may run what from Slack: the rules of `slack.commands.rules`, deny by default. Pure: the user's
// group memberships are looked up before (directory.ts) and passed in.
import type { SlackCommandRule } from "../../config/schema.ts";
import { matchesAnyGlob } from "../../policy/glob.ts";

/** Who asks, from where: the Slack ids, and which of the rules' groups the user is a member of. */
export interface SlackRequester {
  user: string;
  channel: string;
  groups: ReadonlySet<string>;
}

/** What is asked: a verb, on a cluster, in a namespace (absent for node verbs). */
export interface CommandScope {
  verb: string;
  cluster: string;
  namespace?: string;
}

export type Authorization = { allowed: true; rule: string } | { allowed: false; reason: string };

/** The user groups the rules name: the only ones whose members need looking up. */
export function groupsNamed(rules: readonly SlackCommandRule[]): string[] {
  return [...new Set(rules.flatMap((rule) => rule.groups ?? []))].sort();
}

/** What `rule` lacks to allow the request, in words; empty when it allows it. */
function missing(rule: SlackCommandRule, who: SlackRequester, scope: CommandScope): string[] {
  const lacks: string[] = [];
  const byUser = rule.users === "*" || (rule.users?.includes(who.user) ?? false);
  const byGroup = rule.groups?.some((group) => who.groups.has(group)) ?? false;
  if (!byUser && !byGroup) {
    const grants = [
      ...(Array.isArray(rule.users) ? [`users ${rule.users.join(", ")}`] : []),
      ...(rule.groups ? [`groups ${rule.groups.join(", ")}`] : []),
    ];
    lacks.push(`grants ${grants.join(" and ")}, not ${who.user}`);
  }
  if (rule.channels && !rule.channels.includes(who.channel)) {
    lacks.push(`only in channels ${rule.channels.join(", ")}, not ${who.channel}`);
  }
  if (!rule.verbs.includes(scope.verb as SlackCommandRule["verbs"][number])) {
    lacks.push(`allows ${rule.verbs.join(", ")}, not ${scope.verb}`);
  }
  if (rule.clusters && !rule.clusters.includes(scope.cluster)) {
    lacks.push(`only on clusters ${rule.clusters.join(", ")}, not ${scope.cluster}`);
  }
  if (scope.namespace !== undefined && rule.namespaces && !matchesAnyGlob(rule.namespaces, scope.namespace)) {
    lacks.push(`only in namespaces ${rule.namespaces.join(", ")}, not ${scope.namespace}`);
  }
  return lacks;
}

function describeScope(who: SlackRequester, scope: CommandScope): string {
  const where = scope.namespace === undefined ? "" : ` in namespace ${scope.namespace}`;
  return `${who.user} to run ${scope.verb}${where} on cluster ${scope.cluster} from channel ${who.channel}`;
}

/**
 * Whether a rule allows the request: the first that does (in config order) is named in the audit;
 * without one, the refusal names the closest rule and what it lacks, or that there are no rules.
 *
 * @example
 * authorize(config.slack?.commands?.rules ?? [], { user: "U1", channel: "C1", groups: new Set() },
 *   { verb: "scale", cluster: "prod", namespace: "shop" });
 */
export function authorize(
  rules: readonly SlackCommandRule[],
  who: SlackRequester,
  scope: CommandScope,
): Authorization {
  if (rules.length === 0) {
    return {
      allowed: false,
      reason: `no rule allows ${describeScope(who, scope)}: homeostat.config.ts has no slack.commands.rules (Slack commands are denied by default)`,
    };
  }
  const gaps = rules.map((rule) => ({ rule, lacks: missing(rule, who, scope) }));
  const allowing = gaps.find(({ lacks }) => lacks.length === 0);
  if (allowing) return { allowed: true, rule: allowing.rule.name };
  const fewest = Math.min(...gaps.map(({ lacks }) => lacks.length));
  const closest = gaps.filter(({ lacks }) => lacks.length === fewest);
  const why = closest.map(({ rule, lacks }) => `rule "${rule.name}" ${lacks.join("; ")}`).join(" | ");
  return {
    allowed: false,
    reason: `no rule allows ${describeScope(who, scope)}; closest: ${why}. Add a rule to slack.commands.rules in homeostat.config.ts, or ask in a channel and namespace one grants`,
  };
}
