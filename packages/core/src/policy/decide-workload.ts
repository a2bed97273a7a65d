// Alarms, schedules and stalled rollouts: the policy's configured action, on the workloads its target
// names (explicitly, by glob, from the alarm's dimensions, or the stalled Deployment) or on a named node.
import type {
  AlarmMatch,
  Policy,
  PolicyAction,
  RolloutStalledMatch,
  ScheduleEntry,
  WorkloadTargetConfig,
} from "../config/schema.ts";
import type { WorkloadKind, WorkloadTarget } from "../domain/target.ts";
import { describeTarget } from "../domain/target.ts";
import { verbUndo } from "../domain/verbs/index.ts";
import type { AlarmTrigger, RolloutStalledTrigger, ScheduleTrigger, Trigger } from "../events/trigger.ts";
import { nodeActionsFor, resolveNamedNode } from "./decide-node.ts";
import { describeAction } from "./describe.ts";
import { isGlob, matchesAnyGlob, matchesGlob } from "./glob.ts";
import { addTo, type Outcome, skip } from "./outcome.ts";
import type { ClusterFacts, WorkloadPlanAction } from "./plan.ts";

export function decideAlarm(
  trigger: AlarmTrigger,
  policy: Policy,
  match: AlarmMatch,
  facts: ClusterFacts,
): Outcome {
  if (!matchesAnyGlob(match.names, trigger.alarmName)) {
    return skip(`alarm ${trigger.alarmName} matches none of ${match.names.join(", ")}`);
  }
  if (!match.states.includes(trigger.state)) {
    return skip(`alarm state ${trigger.state} is not one of ${match.states.join(", ")}`);
  }
  for (const [dimension, pattern] of Object.entries(match.dimensions)) {
    const value = trigger.dimensions[dimension];
    if (value === undefined) {
      const why =
        trigger.alarmType === "metric" ? "" : ` (a ${trigger.alarmType} alarm carries no dimensions)`;
      return skip(
        `alarm ${trigger.alarmName} has no dimension ${dimension}${why}; the policy wants ${dimension}=${pattern}`,
      );
    }
    if (!matchesGlob(pattern, value)) {
      return skip(`alarm dimension ${dimension} is ${value}, not ${pattern}`);
    }
  }
  if (!policy.action) return skip("has no action");
  const why = `alarm ${trigger.alarmName} is ${trigger.state}`;
  return configuredActions(policy.action, policy, trigger, facts, why);
}

export function decideSchedule(
  trigger: ScheduleTrigger,
  policy: Policy,
  entry: ScheduleEntry,
  action: PolicyAction | undefined,
  facts: ClusterFacts,
): Outcome {
  if (!action) return skip(`schedule entry ${entry.name} has no action`);
  const why = `schedule ${entry.name} (${entry.cron} ${entry.timezone})`;
  return configuredActions(action, policy, trigger, facts, why);
}

export function decideRolloutStalled(
  trigger: RolloutStalledTrigger,
  policy: Policy,
  match: RolloutStalledMatch,
  facts: ClusterFacts,
): Outcome {
  if (!matchesAnyGlob(match.namespaces, trigger.namespace)) {
    return skip(`namespace ${trigger.namespace} is not one of ${match.namespaces.join(", ")}`);
  }
  if (!policy.action) return skip("has no action");
  const why = `the rollout of ${trigger.namespace}/${trigger.deployment}${trigger.revision ? ` (revision ${trigger.revision})` : ""} stalled: ${trigger.reason}`;
  return configuredActions(policy.action, policy, trigger, facts, why);
}

/** The configured action on what its target names: a node by name, or the workloads it resolves to. */
function configuredActions(
  action: PolicyAction,
  policy: Policy,
  trigger: Trigger,
  facts: ClusterFacts,
  why: string,
): Outcome {
  if (action.verb === "cordon" || action.verb === "uncordon" || action.verb === "drain") {
    return nodeActionsFor(action, policy, resolveNamedNode(action.target, facts), why);
  }
  const targets = workloadTargets(action.target, "kind" in action ? action.kind : undefined, trigger, facts);
  if ("skip" in targets) return skip(targets.skip);
  return workloadActions(action, policy, targets.targets, facts, why);
}

// --------------------------------------------------------------------------------------------- targets

function knownKind(facts: ClusterFacts, namespace: string, name: string): WorkloadKind | undefined {
  return facts.workloads[namespace]?.find((workload) => workload.name === name)?.kind;
}

function workloadTargets(
  config: WorkloadTargetConfig,
  kind: WorkloadKind | undefined,
  trigger: Trigger,
  facts: ClusterFacts,
): { targets: WorkloadTarget[] } | { skip: string } {
  if (config === "trigger-workload") {
    if (trigger.kind !== "rollout-stalled")
      return { skip: '"trigger-workload" needs a stalled-rollout trigger' };
    return { targets: [{ kind: "Deployment", namespace: trigger.namespace, name: trigger.deployment }] };
  }
  if (typeof config === "object") {
    if (trigger.kind !== "alarm") return { skip: "fromDimensions needs an alarm trigger" };
    const namespace = trigger.dimensions[config.fromDimensions.namespace];
    const name = trigger.dimensions[config.fromDimensions.name];
    const missing = [
      namespace === undefined ? config.fromDimensions.namespace : undefined,
      name === undefined ? config.fromDimensions.name : undefined,
    ].filter(Boolean);
    if (namespace === undefined || name === undefined) {
      return {
        skip: `alarm ${trigger.alarmName} has no ${missing.join(" or ")} dimension: cannot tell which workload to act on`,
      };
    }
    return {
      targets: [{ kind: kind ?? knownKind(facts, namespace, name) ?? "Deployment", namespace, name }],
    };
  }
  const slash = config.indexOf("/");
  const namespace = config.slice(0, slash);
  const name = config.slice(slash + 1);
  if (!isGlob(name)) {
    return {
      targets: [{ kind: kind ?? knownKind(facts, namespace, name) ?? "Deployment", namespace, name }],
    };
  }
  const matched = (facts.workloads[namespace] ?? [])
    .filter((workload) => matchesGlob(name, workload.name) && (kind === undefined || workload.kind === kind))
    .map((workload): WorkloadTarget => ({ kind: workload.kind, namespace, name: workload.name }));
  if (matched.length === 0) {
    return { skip: `no ${kind ? `${kind} ` : "workload "}in namespace ${namespace} matches ${name}` };
  }
  return { targets: matched };
}

// --------------------------------------------------------------------------------------------- actions

function workloadActions(
  action: PolicyAction,
  policy: Policy,
  targets: WorkloadTarget[],
  facts: ClusterFacts,
  why: string,
): Outcome {
  const outcome: Outcome = { actions: [], skipped: [] };
  for (const target of targets) addTo(outcome, workloadAction(action, policy, target, facts, why));
  return outcome;
}

function workloadAction(
  action: PolicyAction,
  policy: Policy,
  target: WorkloadTarget,
  facts: ClusterFacts,
  why: string,
): WorkloadPlanAction | { skip: string } {
  const finish = <A extends WorkloadPlanAction>(planned: Omit<A, "reason">): A =>
    ({ ...planned, reason: `${why}: ${describeAction({ ...planned, reason: "" } as A)}` }) as A;
  switch (action.verb) {
    case "scale":
      return scaleAction(action, policy, target, facts, finish);
    case "restart":
      return finish<WorkloadPlanAction>({ policy: policy.name, verb: "restart", target, params: {} });
    case "rollback":
      return finish<WorkloadPlanAction>({
        policy: policy.name,
        verb: "rollback",
        target,
        params: action.toRevision === undefined ? {} : { toRevision: action.toRevision },
      });
    default:
      return { skip: `${action.verb} acts on nodes, and the target is ${describeTarget(target)}` };
  }
}

/**
 * A scale by the configured change, or back to the count remembered before a scale-down (`restore`);
 * undone by scaling back to the count read before deciding.
 */
function scaleAction(
  action: Extract<PolicyAction, { verb: "scale" }>,
  policy: Policy,
  target: WorkloadTarget,
  facts: ClusterFacts,
  finish: (planned: Omit<WorkloadPlanAction, "reason">) => WorkloadPlanAction,
): WorkloadPlanAction | { skip: string } {
  const current = facts.workloads[target.namespace]?.find(
    (workload) => workload.name === target.name && workload.kind === target.kind,
  )?.replicas;
  const undo = verbUndo("scale", target, current === undefined ? undefined : { replicas: current });
  const bounds = {
    ...(action.min === undefined ? {} : { min: action.min }),
    ...(action.max === undefined ? {} : { max: action.max }),
  };
  if (action.restore) {
    const key = `${target.namespace}/${target.name}`;
    const prior = facts.priorReplicas[key];
    if (prior === undefined) return { skip: `no prior replica count remembered for ${key}: not restoring` };
    const planned = finish({
      policy: policy.name,
      verb: "scale",
      target,
      params: { change: String(prior), restore: true, ...bounds },
      ...(undo ? { undo } : {}),
    });
    return { ...planned, reason: `${planned.reason}, the count remembered before the scale-down` };
  }
  return finish({
    policy: policy.name,
    verb: "scale",
    target,
    params: {
      change: String(action.change),
      ...bounds,
      ...(action.remember ? { remember: true } : {}),
      ...(current === undefined ? {} : { currentReplicas: current }),
    },
    ...(undo ? { undo } : {}),
  });
}
