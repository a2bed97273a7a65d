import { type Command, isLocalCommand } from "../command/index.ts";
import type {
  HomeostatConfig,
  Policy,
  PolicyAction,
  PolicyMatch,
  ScheduleEntry,
  WorkloadTargetConfig,
} from "../config/schema.ts";
import { formatDuration } from "../domain/duration.ts";
import type { NodeTarget, Target, WorkloadKind, WorkloadTarget } from "../domain/target.ts";
import { describeTarget, targetKey } from "../domain/target.ts";
import {
  isMutatingRequest,
  type MutatingVerb,
  type VerbRequest,
  verbRequest,
  verbUndo,
} from "../domain/verbs/index.ts";
import type {
  AlarmTrigger,
  CommandTrigger,
  InstanceTrigger,
  RolloutStalledTrigger,
  ScheduleTrigger,
  Trigger,
} from "../events/trigger.ts";
import { describeAction } from "./describe.ts";
import { isGlob, matchesAnyGlob, matchesGlob } from "./glob.ts";
import { type MatchedPolicy, matchPolicies, type UnmatchedPolicy } from "./match.ts";
import type {
  ClusterFacts,
  DrainParams,
  NodeFact,
  NodePlanAction,
  Plan,
  PlannedAction,
  VerbPlanAction,
  WorkloadPlanAction,
} from "./plan.ts";

/** What one policy makes of a trigger: actions, and reasons for whatever it does not do. */
interface Outcome {
  actions: PlannedAction[];
  skipped: string[];
}

const skip = (reason: string): Outcome => ({ actions: [], skipped: [reason] });

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

// ---------------------------------------------------------------------------------------------- alarms

function decideAlarm(
  trigger: AlarmTrigger,
  policy: Policy,
  match: Extract<PolicyMatch, { alarm: unknown }>["alarm"],
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
  const action = policy.action;
  if (!action) return skip("has no action");
  const why = `alarm ${trigger.alarmName} is ${trigger.state}`;
  if (action.verb === "cordon" || action.verb === "uncordon" || action.verb === "drain") {
    return nodeActionsFor(action, policy, resolveNamedNode(action.target, facts), why);
  }
  const targets = workloadTargets(action.target, "kind" in action ? action.kind : undefined, trigger, facts);
  if ("skip" in targets) return skip(targets.skip);
  return workloadActions(action, policy, targets.targets, facts, why);
}

// ------------------------------------------------------------------------------------ instance events

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

function decideInstance(
  trigger: InstanceTrigger,
  policy: Policy,
  match: Extract<PolicyMatch, { instance: unknown }>["instance"],
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
  const event = describeInstanceEvent(trigger);
  const node =
    action.target === "trigger-node"
      ? facts.nodes.find((candidate) => candidate.instanceId === trigger.instanceId)
      : findNode(action.target, facts);
  // An Auto Scaling hook waits for us whatever happens to the node: without a drain, complete it now.
  const completeHookInstead = (why: string): Outcome => {
    const complete = completeLifecycle(
      trigger,
      policy,
      false,
      `${why}: completing the lifecycle action with CONTINUE`,
    );
    return "skip" in complete ? skip(`${why}; ${complete.skip}`) : { actions: [complete], skipped: [] };
  };
  if (!node) {
    const why =
      action.target === "trigger-node"
        ? `instance ${trigger.instanceId} is not a node of cluster ${facts.cluster}: nothing to ${action.verb}`
        : `node ${action.target} is not in cluster ${facts.cluster}: nothing to ${action.verb}`;
    return trigger.event === "asg-terminate" ? completeHookInstead(why) : skip(why);
  }
  for (const [label, value] of Object.entries(match.nodeSelector ?? {})) {
    if (node.labels[label] !== value) {
      const has =
        node.labels[label] === undefined ? "does not carry" : `has ${label}=${node.labels[label]}, not`;
      const why = `node ${node.name} ${has} ${has.startsWith("does") ? `label ${label}=${value}` : value}`;
      return trigger.event === "asg-terminate" ? completeHookInstead(why) : skip(why);
    }
  }

  if (trigger.event === "scheduled-maintenance") {
    return decideMaintenance(trigger, policy, action, node, config, facts, event);
  }
  const outcome = nodeActionsFor(action, policy, { node }, `${event} (node ${node.name})`);
  if (trigger.event === "asg-terminate") {
    const afterDrain = outcome.actions.some((planned) => planned.verb === "drain");
    const complete = completeLifecycle(
      trigger,
      policy,
      afterDrain,
      afterDrain
        ? `${event}: complete with CONTINUE once the drain ends (also if it fails or times out: the instance terminates either way)`
        : `${event}: complete with CONTINUE`,
    );
    if ("skip" in complete) outcome.skipped.push(complete.skip);
    else outcome.actions.push(complete);
  }
  return outcome;
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
  action: Extract<PolicyAction, { verb: "cordon" | "uncordon" | "drain" }>,
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

// ------------------------------------------------------------------------------------------ schedules

function decideSchedule(
  trigger: ScheduleTrigger,
  policy: Policy,
  entry: ScheduleEntry,
  action: PolicyAction | undefined,
  facts: ClusterFacts,
): Outcome {
  if (!action) return skip(`schedule entry ${entry.name} has no action`);
  const why = `schedule ${entry.name} (${entry.cron} ${entry.timezone})`;
  if (action.verb === "cordon" || action.verb === "uncordon" || action.verb === "drain") {
    return nodeActionsFor(action, policy, resolveNamedNode(action.target, facts), why);
  }
  const targets = workloadTargets(action.target, "kind" in action ? action.kind : undefined, trigger, facts);
  if ("skip" in targets) return skip(targets.skip);
  return workloadActions(action, policy, targets.targets, facts, why);
}

// ---------------------------------------------------------------------------------- stalled rollouts

function decideRolloutStalled(
  trigger: RolloutStalledTrigger,
  policy: Policy,
  match: Extract<PolicyMatch, { rolloutStalled: unknown }>["rolloutStalled"],
  facts: ClusterFacts,
): Outcome {
  if (!matchesAnyGlob(match.namespaces, trigger.namespace)) {
    return skip(`namespace ${trigger.namespace} is not one of ${match.namespaces.join(", ")}`);
  }
  const action = policy.action;
  if (!action) return skip("has no action");
  const why = `the rollout of ${trigger.namespace}/${trigger.deployment}${trigger.revision ? ` (revision ${trigger.revision})` : ""} stalled: ${trigger.reason}`;
  if (action.verb === "cordon" || action.verb === "uncordon" || action.verb === "drain") {
    return nodeActionsFor(action, policy, resolveNamedNode(action.target, facts), why);
  }
  const targets = workloadTargets(action.target, "kind" in action ? action.kind : undefined, trigger, facts);
  if ("skip" in targets) return skip(targets.skip);
  return workloadActions(action, policy, targets.targets, facts, why);
}

// ------------------------------------------------------------------------------------------- commands

/** How long a drain asked for by a person may take when the command names no --timeout (the CLI's default). */
const COMMAND_DRAIN_TIMEOUT_MS = 5 * 60_000;

function decideCommand(
  trigger: CommandTrigger,
  policy: Policy,
  match: Extract<PolicyMatch, { command: unknown }>["command"],
  command: Command,
  facts: ClusterFacts,
): Outcome {
  if (isLocalCommand(command)) return skip(`${command.verb} works only in the CLI`);
  const request = verbRequest(command);
  if (!isMutatingRequest(request)) {
    return skip(`${request.verb} reads; it is answered directly, not planned`);
  }
  if (match.verbs && !match.verbs.includes(request.verb)) {
    return skip(`${request.verb} is not allowed by this policy (allowed: ${match.verbs.join(", ")})`);
  }
  const why = `${trigger.actor} asked: ${trigger.text.trim()}`;
  const resolved = commandTarget(request.target, match, facts);
  if ("skip" in resolved) return skip(resolved.skip);
  const { target } = resolved;
  const { params, before } = commandParams(request, target, facts);
  const undo = verbUndo(request.verb, target, before);
  // the registry's params for this very verb: TypeScript cannot pair them up through the union
  const planned = { policy: policy.name, verb: request.verb, target, params, reason: "" } as VerbPlanAction;
  if (undo) planned.undo = undo;
  planned.reason = `${why}: ${describeAction(planned)}`;
  return { actions: [planned], skipped: [] };
}

/** Where a command acts: a node of the cluster (by name or instance id), a workload in the policy's namespaces. */
function commandTarget(
  target: Target,
  match: Extract<PolicyMatch, { command: unknown }>["command"],
  facts: ClusterFacts,
): { target: Target } | { skip: string } {
  if (target.kind === "Node") {
    const resolved = resolveNamedNode(target.name, facts);
    return "skip" in resolved ? resolved : { target: nodeTargetOf(resolved.node) };
  }
  const { kind, namespace, name } = target;
  if (match.namespaces && !matchesAnyGlob(match.namespaces, namespace)) {
    return {
      skip: `namespace ${namespace} is not one this policy may touch (${match.namespaces.join(", ")})`,
    };
  }
  return { target: { kind, namespace, name } };
}

/**
 * The params as the command gave them, with what a planned action adds: a scale is based on the count
 * read before deciding (a retried relative change stays exactly-once), a drain gets a deadline.
 */
function commandParams(
  request: VerbRequest<MutatingVerb>,
  target: Target,
  facts: ClusterFacts,
): { params: VerbPlanAction["params"]; before?: { replicas: number } } {
  switch (request.verb) {
    case "scale": {
      // as before the registry: the count from the facts, not the command's --current-replicas
      const { currentReplicas: _fromCommand, ...asked } = request.params;
      const current =
        target.kind === "Node"
          ? undefined
          : facts.workloads[target.namespace]?.find(
              (workload) => workload.name === target.name && workload.kind === target.kind,
            )?.replicas;
      if (current === undefined) return { params: asked };
      return { params: { ...asked, currentReplicas: current }, before: { replicas: current } };
    }
    case "drain": {
      // as before the registry: planned drains take no --skip-wait-for-delete-timeout
      const { skipWaitForDeleteTimeoutSeconds: _fromCommand, timeoutSeconds, ...asked } = request.params;
      return {
        params: { ...asked, timeoutSeconds: Math.ceil(timeoutSeconds ?? COMMAND_DRAIN_TIMEOUT_MS / 1000) },
      };
    }
    default:
      return { params: request.params };
  }
}

// --------------------------------------------------------------------------------- targets and actions

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

function workloadActions(
  action: PolicyAction,
  policy: Policy,
  targets: WorkloadTarget[],
  facts: ClusterFacts,
  why: string,
): Outcome {
  const outcome: Outcome = { actions: [], skipped: [] };
  for (const target of targets) {
    const planned = workloadAction(action, policy, target, facts, why);
    if ("skip" in planned) outcome.skipped.push(planned.skip);
    else outcome.actions.push(planned);
  }
  return outcome;
}

function workloadAction(
  action: PolicyAction,
  policy: Policy,
  target: WorkloadTarget,
  facts: ClusterFacts,
  why: string,
): WorkloadPlanAction | { skip: string } {
  const current = facts.workloads[target.namespace]?.find(
    (workload) => workload.name === target.name && workload.kind === target.kind,
  )?.replicas;
  const undoScale =
    current === undefined
      ? undefined
      : { verb: "scale" as const, target, params: { change: String(current) } };
  const finish = <A extends WorkloadPlanAction>(planned: Omit<A, "reason">): A =>
    ({ ...planned, reason: `${why}: ${describeAction({ ...planned, reason: "" } as A)}` }) as A;
  switch (action.verb) {
    case "scale": {
      const bounds = {
        ...(action.min === undefined ? {} : { min: action.min }),
        ...(action.max === undefined ? {} : { max: action.max }),
      };
      if (action.restore) {
        const key = `${target.namespace}/${target.name}`;
        const prior = facts.priorReplicas[key];
        if (prior === undefined)
          return { skip: `no prior replica count remembered for ${key}: not restoring` };
        const planned = finish<WorkloadPlanAction>({
          policy: policy.name,
          verb: "scale",
          target,
          params: { change: String(prior), restore: true, ...bounds },
          ...(undoScale ? { undo: undoScale } : {}),
        });
        return { ...planned, reason: `${planned.reason}, the count remembered before the scale-down` };
      }
      return finish<WorkloadPlanAction>({
        policy: policy.name,
        verb: "scale",
        target,
        params: {
          change: String(action.change),
          ...bounds,
          ...(action.remember ? { remember: true } : {}),
          ...(current === undefined ? {} : { currentReplicas: current }),
        },
        ...(undoScale ? { undo: undoScale } : {}),
      });
    }
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

function nodeTargetOf(node: NodeFact): NodeTarget {
  return { kind: "Node", name: node.name, ...(node.instanceId ? { instanceId: node.instanceId } : {}) };
}

function findNode(nameOrInstanceId: string, facts: ClusterFacts): NodeFact | undefined {
  return (
    facts.nodes.find((node) => node.name === nameOrInstanceId) ??
    facts.nodes.find((node) => node.instanceId === nameOrInstanceId)
  );
}

function resolveNamedNode(target: string, facts: ClusterFacts): { node: NodeFact } | { skip: string } {
  if (target === "trigger-node") return { skip: '"trigger-node" needs an instance event' };
  const node = findNode(target, facts);
  return node ? { node } : { skip: `${target} is not a node of cluster ${facts.cluster}` };
}

function drainParams(action: Extract<PolicyAction, { verb: "drain" }>): DrainParams {
  return {
    ignoreDaemonSets: action.ignoreDaemonSets,
    deleteEmptyDirData: action.deleteEmptyDirData,
    force: action.force,
    timeoutSeconds: action.timeout,
    ...(action.gracePeriod === undefined ? {} : { gracePeriodSeconds: action.gracePeriod }),
  };
}

function nodeActionsFor(
  action: PolicyAction,
  policy: Policy,
  resolved: { node: NodeFact } | { skip: string },
  why: string,
): Outcome {
  if ("skip" in resolved) return skip(resolved.skip);
  const target = nodeTargetOf(resolved.node);
  let planned: NodePlanAction;
  switch (action.verb) {
    case "cordon":
    case "uncordon":
      planned = {
        policy: policy.name,
        verb: action.verb,
        target,
        params: {},
        reason: "",
        undo: { verb: action.verb === "cordon" ? "uncordon" : "cordon", target, params: {} },
      };
      break;
    case "drain":
      planned = {
        policy: policy.name,
        verb: "drain",
        target,
        params: drainParams(action),
        reason: "",
        undo: { verb: "uncordon", target, params: {} },
      };
      break;
    default:
      return skip(`${action.verb} acts on workloads, and the target is ${describeTarget(target)}`);
  }
  planned.reason = `${why}: ${describeAction(planned)}`;
  return { actions: [planned], skipped: [] };
}
