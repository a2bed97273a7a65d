// Instance events (spot interruptions, rebalance recommendations, state changes, AWS Health maintenance,
// Auto Scaling terminate hooks): a node verb on the instance's node, deferred to a maintenance window's
// lead time, with the lifecycle hook completed after.
import type { HomeostatConfig, InstanceMatch, Policy, PolicyAction } from "../config/schema.ts";
import { formatDuration } from "../domain/duration.ts";
import type { InstanceTrigger } from "../events/trigger.ts";
import { findNode, nodeActionsFor, nodeTargetOf } from "./decide-node.ts";
import { addTo, type Outcome, skip } from "./outcome.ts";
import type { ClusterFacts, NodeFact, PlannedAction } from "./plan.ts";

const INSTANCE_EVENT_NAMES: Record<InstanceTrigger["event"], string> = {
  "spot-interruption": "spot interruption warning",
  "rebalance-recommendation": "rebalance recommendation",
  "instance-state-change": "state change",
  "scheduled-maintenance": "AWS Health scheduled maintenance",
  "asg-terminate": "Auto Scaling terminate lifecycle action",
};

function describeInstanceEvent(trigger: InstanceTrigger): string {
  const what = INSTANCE_EVENT_NAMES[trigger.event];
  switch (trigger.event) {
    case "spot-interruption":
      return `${what} (${trigger.instanceAction ?? "terminate"}) for ${trigger.instanceId}`;
    case "instance-state-change":
      return `instance ${trigger.instanceId} is ${trigger.state ?? "in an unknown state"}`;
    case "asg-terminate": {
      const group = trigger.lifecycle ? ` in ${trigger.lifecycle.autoScalingGroupName}` : "";
      const warm =
        trigger.lifecycle?.destination === "WarmPool"
          ? " (going to the warm pool, which takes it out of the cluster)"
          : "";
      return `${what} for ${trigger.instanceId}${group}${warm}`;
    }
    default:
      return `${what} for ${trigger.instanceId}`;
  }
}

type NodeActionConfig = Extract<PolicyAction, { verb: "cordon" | "uncordon" | "drain" }>;

export function decideInstance(
  trigger: InstanceTrigger,
  policy: Policy,
  match: InstanceMatch,
  config: HomeostatConfig,
  facts: ClusterFacts,
): Outcome {
  if (!match.events.includes(trigger.event)) {
    return skip(`instance event ${trigger.event} is not one of ${match.events.join(", ")}`);
  }
  if (trigger.event === "instance-state-change" && match.states) {
    if (!trigger.state || !match.states.includes(trigger.state)) {
      return skip(`instance state ${trigger.state ?? "(none)"} is not one of ${match.states.join(", ")}`);
    }
  }
  const action = policy.action;
  if (!action) return skip("has no action");
  if (action.verb !== "cordon" && action.verb !== "uncordon" && action.verb !== "drain") {
    return skip(`instance events act on nodes; ${action.verb} acts on workloads`);
  }
  const node = instanceNode(trigger, policy, action, match, facts);
  if ("outcome" in node) return node.outcome;
  const event = describeInstanceEvent(trigger);
  if (trigger.event === "scheduled-maintenance") {
    return decideMaintenance(trigger, policy, action, node.node, config, facts, event);
  }
  const outcome = nodeActionsFor(action, policy, node, `${event} (node ${node.node.name})`);
  if (trigger.event === "asg-terminate") {
    const afterDrain = outcome.actions.some((planned) => planned.verb === "drain");
    const complete = completeLifecycle(
      trigger,
      policy,
      afterDrain,
      afterDrain
        ? `${event}: complete with CONTINUE once the drain ends; while a failed drain is retried the hook is held (heartbeats), and once it has failed for good the hook is completed anyway: the instance terminates either way`
        : `${event}: complete with CONTINUE`,
    );
    addTo(outcome, complete);
  }
  return outcome;
}

/** The node the action is for, if it is in the cluster and carries the match's labels; else what to do instead. */
function instanceNode(
  trigger: InstanceTrigger,
  policy: Policy,
  action: NodeActionConfig,
  match: InstanceMatch,
  facts: ClusterFacts,
): { node: NodeFact } | { outcome: Outcome } {
  const node =
    action.target === "trigger-node"
      ? facts.nodes.find((candidate) => candidate.instanceId === trigger.instanceId)
      : findNode(action.target, facts);
  // An Auto Scaling hook waits for us whatever happens to the node: without a drain, complete it now.
  const notActing = (why: string): { outcome: Outcome } => {
    if (trigger.event !== "asg-terminate") return { outcome: skip(why) };
    const complete = completeLifecycle(
      trigger,
      policy,
      false,
      `${why}: completing the lifecycle action with CONTINUE`,
    );
    return {
      outcome: "skip" in complete ? skip(`${why}; ${complete.skip}`) : { actions: [complete], skipped: [] },
    };
  };
  if (!node) {
    return notActing(
      action.target === "trigger-node"
        ? `instance ${trigger.instanceId} is not a node of cluster ${facts.cluster}: nothing to ${action.verb}`
        : `node ${action.target} is not in cluster ${facts.cluster}: nothing to ${action.verb}`,
    );
  }
  for (const [label, value] of Object.entries(match.nodeSelector ?? {})) {
    if (node.labels[label] !== value) {
      const has =
        node.labels[label] === undefined ? "does not carry" : `has ${label}=${node.labels[label]}, not`;
      return notActing(
        `node ${node.name} ${has} ${has.startsWith("does") ? `label ${label}=${value}` : value}`,
      );
    }
  }
  return { node };
}

function completeLifecycle(
  trigger: InstanceTrigger,
  policy: Policy,
  afterDrain: boolean,
  reason: string,
): PlannedAction | { skip: string } {
  const lifecycle = trigger.lifecycle;
  if (!lifecycle) return { skip: "the lifecycle action carries no hook details: cannot complete it" };
  return {
    policy: policy.name,
    verb: "complete-lifecycle",
    target: {
      kind: "LifecycleAction",
      autoScalingGroupName: lifecycle.autoScalingGroupName,
      lifecycleHookName: lifecycle.lifecycleHookName,
      lifecycleActionToken: lifecycle.lifecycleActionToken,
      instanceId: trigger.instanceId,
    },
    params: { result: "CONTINUE", afterDrain },
    reason,
  };
}

/**
 * The deferred delivery may arrive a little before its time (clock skew): deferring again then would
 * only hit the schedule that already exists and never act, so within this much of the time, act.
 */
const DEFER_SLACK_MS = 60_000;

/**
 * AWS Health scheduled maintenance: act `healthLeadTime` before the change starts. Before that point
 * the plan is a `defer` (a one-time schedule that delivers the trigger again at that point); from that
 * point until the window ends, the verb itself; after the window, nothing.
 */
function decideMaintenance(
  trigger: InstanceTrigger,
  policy: Policy,
  action: NodeActionConfig,
  node: NodeFact,
  config: HomeostatConfig,
  facts: ClusterFacts,
  event: string,
): Outcome {
  const start = trigger.window?.start ? Date.parse(trigger.window.start) : Number.NaN;
  if (Number.isNaN(start)) return skip(`${event} has no start time: cannot tell when to ${action.verb}`);
  const end = trigger.window?.end ? Date.parse(trigger.window.end) : Number.NaN;
  const now = facts.now.getTime();
  if (!Number.isNaN(end) && now >= end) {
    return skip(`${event}: the maintenance window ended at ${new Date(end).toISOString()}; nothing to do`);
  }
  const leadSeconds = policy.guard.healthLeadTime ?? config.defaults.healthLeadTime;
  const lead = formatDuration(leadSeconds);
  const actAt = start - leadSeconds * 1000;
  const startText = new Date(start).toISOString();
  if (now >= actAt - DEFER_SLACK_MS || action.verb === "uncordon") {
    const when = now >= start ? "already started" : `starts within the ${lead} lead time`;
    return nodeActionsFor(
      action,
      policy,
      { node },
      `${event} at ${startText} (${when}): acting now on node ${node.name}`,
    );
  }
  const at = new Date(actAt).toISOString().replace(/\.\d{3}Z$/, "Z");
  const scheduleName = `homeostat-${trigger.instanceId}-${at.replace(/[-:]/g, "")}`.slice(0, 64);
  return {
    actions: [
      {
        policy: policy.name,
        verb: "defer",
        target: nodeTargetOf(node),
        params: { at, startTime: startText, leadTimeSeconds: leadSeconds, verb: action.verb, scheduleName },
        reason: `${event} starts at ${startText}: ${action.verb} of node ${node.name} deferred to ${at} (${lead} before) with a one-time schedule`,
      },
    ],
    skipped: [],
  };
}
