// Which policies of a cluster a trigger is for, and with which action: the one answer `decide` and
// the fact gathering share. `decide` goes on to the conditions that need the trigger's details or
// the cluster's facts (alarm names and states, dimensions, namespaces, node labels).
import { type Command, parseCommandText } from "../command/index.ts";
import type {
  AlarmMatch,
  CommandMatch,
  HomeostatConfig,
  InstanceMatch,
  Policy,
  PolicyAction,
  PolicyMatch,
  RolloutStalledMatch,
  ScheduleEntry,
  ScheduleMatch,
} from "../config/schema.ts";
import type {
  AlarmTrigger,
  CommandTrigger,
  InstanceTrigger,
  RolloutStalledTrigger,
  ScheduleTrigger,
  Trigger,
  TriggerKind,
} from "../events/trigger.ts";

/** A command trigger's text, read once for every policy: the command, a request for help, or why not. */
export type CommandReading =
  | { kind: "command"; command: Command }
  | { kind: "help" }
  | { kind: "unreadable"; reason: string };

/** A policy the trigger is for, with what `decide` looks at next. `action` is the policy's (or entry's). */
export type MatchedPolicy =
  | {
      kind: "alarm";
      policy: Policy;
      trigger: AlarmTrigger;
      match: AlarmMatch;
      action: PolicyAction | undefined;
    }
  | {
      kind: "instance";
      policy: Policy;
      trigger: InstanceTrigger;
      match: InstanceMatch;
      action: PolicyAction | undefined;
    }
  | {
      kind: "schedule";
      policy: Policy;
      trigger: ScheduleTrigger;
      match: ScheduleMatch;
      /** The entry that fired. */
      entry: ScheduleEntry;
      action: PolicyAction | undefined;
    }
  | {
      kind: "rollout-stalled";
      policy: Policy;
      trigger: RolloutStalledTrigger;
      match: RolloutStalledMatch;
      action: PolicyAction | undefined;
    }
  | {
      kind: "command";
      policy: Policy;
      trigger: CommandTrigger;
      match: CommandMatch;
      /** A command policy's verb and target come from the command, never from an action. */
      command: Command;
    };

/** A policy the trigger is not for, and why, in words a person reads in the plan. */
export interface UnmatchedPolicy {
  kind: "unmatched";
  policy: Policy;
  reason: string;
}

export interface TriggerMatch {
  /** Every policy of the config, in its order. */
  policies: (MatchedPolicy | UnmatchedPolicy)[];
  /** A command trigger's text as read (absent for other triggers). */
  command?: CommandReading;
}

function matchKind(match: PolicyMatch): TriggerKind {
  if ("alarm" in match) return "alarm";
  if ("instance" in match) return "instance";
  if ("schedule" in match) return "schedule";
  if ("rolloutStalled" in match) return "rollout-stalled";
  return "command";
}

const TRIGGER_NAMES: Record<TriggerKind, string> = {
  alarm: "alarm",
  instance: "instance event",
  schedule: "schedule",
  "rollout-stalled": "stalled rollout",
  command: "command",
};

/** Reads a person's command with the one grammar; never throws. */
export function readCommand(text: string): CommandReading {
  try {
    const parsed = parseCommandText(text);
    return parsed.kind === "command" ? { kind: "command", command: parsed.command } : { kind: "help" };
  } catch (error) {
    return { kind: "unreadable", reason: error instanceof Error ? error.message : String(error) };
  }
}

function matchPolicy(
  trigger: Trigger,
  policy: Policy,
  cluster: string,
  command: CommandReading | undefined,
): MatchedPolicy | UnmatchedPolicy {
  const unmatched = (reason: string): UnmatchedPolicy => ({ kind: "unmatched", policy, reason });
  if (policy.cluster !== cluster) {
    return unmatched(`runs on cluster ${policy.cluster}, and this run is for cluster ${cluster}`);
  }
  const kind = matchKind(policy.match);
  if (kind !== trigger.kind) {
    const name = TRIGGER_NAMES[trigger.kind];
    return unmatched(
      `matches ${TRIGGER_NAMES[kind]}s, and this is ${/^[aeiou]/.test(name) ? "an" : "a"} ${name}`,
    );
  }
  const match = policy.match;
  const action = policy.action;
  if (trigger.kind === "alarm" && "alarm" in match) {
    return { kind: "alarm", policy, trigger, match: match.alarm, action };
  }
  if (trigger.kind === "instance" && "instance" in match) {
    return { kind: "instance", policy, trigger, match: match.instance, action };
  }
  if (trigger.kind === "rollout-stalled" && "rolloutStalled" in match) {
    return { kind: "rollout-stalled", policy, trigger, match: match.rolloutStalled, action };
  }
  if (trigger.kind === "schedule" && "schedule" in match) {
    if (trigger.policy !== policy.name) {
      return unmatched(`the schedule that fired belongs to policy ${trigger.policy}`);
    }
    const entries = match.schedule.entries;
    const entry = entries.find((candidate) => candidate.name === trigger.entry);
    if (!entry) {
      return unmatched(
        `has no schedule entry ${trigger.entry} (entries: ${entries.map((candidate) => candidate.name).join(", ")}); was the config changed after the schedule was created?`,
      );
    }
    return {
      kind: "schedule",
      policy,
      trigger,
      match: match.schedule,
      entry,
      action: entry.action ?? action,
    };
  }
  if (trigger.kind === "command" && "command" in match && command) {
    if (command.kind === "help")
      return unmatched(`${JSON.stringify(trigger.text)} asks for help, not an action`);
    if (command.kind === "unreadable") {
      return unmatched(`cannot read the command ${JSON.stringify(trigger.text)}: ${command.reason}`);
    }
    return { kind: "command", policy, trigger, match: match.command, command: command.command };
  }
  return unmatched("does not match this trigger");
}

/**
 * Which policies of `config` on `cluster` are for `trigger`: each policy, in order, matched (with its
 * action, or a schedule's entry and its action, or the command read from the trigger) or not (with
 * why). A command trigger's text is read here, once. Pure.
 */
export function matchPolicies(trigger: Trigger, config: HomeostatConfig, cluster: string): TriggerMatch {
  const command = trigger.kind === "command" ? readCommand(trigger.text) : undefined;
  return {
    policies: config.policies.map((policy) => matchPolicy(trigger, policy, cluster, command)),
    ...(command ? { command } : {}),
  };
}

/** The configured actions of the matched policies (a command policy has none: the command is its action). */
export function matchedActions(matched: TriggerMatch): PolicyAction[] {
  return matched.policies.flatMap((result) =>
    result.kind === "unmatched" || result.kind === "command" || !result.action ? [] : [result.action],
  );
}

/** The policies of `cluster` that could act on `trigger`, each with the actions it may run. */
export function candidateActions(trigger: Trigger, config: HomeostatConfig, cluster: string): PolicyAction[] {
  return matchedActions(matchPolicies(trigger, config, cluster));
}

/**
 * Whether any policy of `cluster` could act on `trigger`: one with a configured action, or a command
 * policy (whose action is the command itself, so candidateActions has nothing to show for it). Only
 * then does the pipeline read the cluster.
 */
export function couldAct(trigger: Trigger, config: HomeostatConfig, cluster: string): boolean {
  const matched = matchPolicies(trigger, config, cluster);
  return matchedActions(matched).length > 0 || matched.policies.some((policy) => policy.kind === "command");
}
