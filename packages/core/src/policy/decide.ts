import type { HomeostatConfig } from "../config/schema.ts";
import { targetKey } from "../domain/target.ts";
import type { Trigger } from "../events/trigger.ts";
import { decideCommand } from "./decide-command.ts";
import { decideInstance } from "./decide-instance.ts";
import { decideAlarm, decideRolloutStalled, decideSchedule } from "./decide-workload.ts";
import { describeAction } from "./describe.ts";
import { type MatchedPolicy, matchPolicies, type UnmatchedPolicy } from "./match.ts";
import { type Outcome, skip } from "./outcome.ts";
import type { ClusterFacts, Plan } from "./plan.ts";

/**
 * Decides what the policies of `config` do about `trigger`, from `facts` read beforehand. Pure: no I/O,
 * no clock (the time is `facts.now`). Every policy appears in the plan: it planned actions, or it was
 * skipped with a reason a person can read. The same verb on the same target is planned once per trigger,
 * even when several policies ask for it (a relative `+2` applied twice is an outage).
 */
export function decide(trigger: Trigger, config: HomeostatConfig, facts: ClusterFacts): Plan {
  const plan: Plan = { trigger, cluster: facts.cluster, actions: [], skipped: [] };
  const plannedBy = new Map<string, string>();
  for (const matched of matchPolicies(trigger, config, facts.cluster).policies) {
    const policy = matched.policy;
    const outcome = decideForPolicy(matched, config, facts);
    for (const action of outcome.actions) {
      const key = `${action.verb} ${targetKey(action.target)}`;
      const earlier = plannedBy.get(key);
      if (earlier !== undefined) {
        outcome.skipped.push(`${describeAction(action)} is already planned by policy ${earlier}`);
        continue;
      }
      plannedBy.set(key, policy.name);
      plan.actions.push(action);
    }
    for (const reason of outcome.skipped) plan.skipped.push({ policy: policy.name, reason });
  }
  return plan;
}

/** The policies the trigger is not for were set aside by `matchPolicies`, with their reason. */
function decideForPolicy(
  matched: MatchedPolicy | UnmatchedPolicy,
  config: HomeostatConfig,
  facts: ClusterFacts,
): Outcome {
  switch (matched.kind) {
    case "unmatched":
      return skip(matched.reason);
    case "alarm":
      return decideAlarm(matched.trigger, matched.policy, matched.match, facts);
    case "instance":
      return decideInstance(matched.trigger, matched.policy, matched.match, config, facts);
    case "schedule":
      return decideSchedule(matched.trigger, matched.policy, matched.entry, matched.action, facts);
    case "rollout-stalled":
      return decideRolloutStalled(matched.trigger, matched.policy, matched.match, facts);
    case "command":
      return decideCommand(matched.trigger, matched.policy, matched.match, matched.command, facts);
  }
}
