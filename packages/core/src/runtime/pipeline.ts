import type { HomeostatConfig } from "../config/schema.ts";
import type { NormalizeError } from "../events/normalize.ts";
import { normalizeBatch } from "../events/normalize.ts";
import type { Trigger } from "../events/trigger.ts";
import { guard } from "../guard/guard.ts";
import type { ApprovalRun, GuardedAction, GuardedPlan } from "../guard/types.ts";
import type { Kube } from "../kube/client.ts";
import { decide } from "../policy/decide.ts";
import type { ClusterFacts, Plan } from "../policy/plan.ts";
import { auditRecordsOf, writeRecords } from "../record/record.ts";
import { auditLogSink, type ResultSink } from "../record/sinks.ts";
import type { LinkOptions } from "../slack/links.ts";
import type { SlackPoster } from "../slack/poster.ts";
import type { StateStore } from "../state/store.ts";
import { type ActionResult, act } from "./act.ts";
import type { DeferScheduler, LifecycleHooks } from "./aws.ts";
import { candidateActions, couldAct, gatherFacts, listNodes } from "./facts.ts";
import { isTransient, reasonOf } from "./transient.ts";

/** Structured log lines; Powertools Logger fits, and so does a console adapter for the CLI. */
export interface PipelineLogger {
  debug?(message: string, extra?: Record<string, unknown>): void;
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

export interface PipelineDeps {
  config: HomeostatConfig;
  store: StateStore;
  /** A client for a configured cluster; cache it across warm invocations (kube/access.ts does). */
  connect: (cluster: string) => Promise<Kube>;
  /** The clusters this deployment serves (default: every cluster in the config). */
  clusters?: string[];
  /**
   * Where the record stage writes each audit record, in order, each failing on its own. Default: the
   * store's audit log alone (`auditLogSink`); the Lambda runtime adds the result bus.
   */
  sinks?: ResultSink[];
  lifecycle?: LifecycleHooks;
  scheduler?: DeferScheduler;
  /** Slack, for the notify function (config `slack` says where and how much). */
  slack?: SlackPoster;
  /** Where the messages' console links point. */
  slackLinks?: LinkOptions;
  now?: () => Date;
  /** Force a dry run of everything (the CLI's --dry-run). */
  dryRun?: boolean;
  /** A run that requires approval (a Slack rule's), or carries one out. */
  approval?: ApprovalRun;
  /** Who acts: `homeostat` for automation, the person for commands. */
  actor?: string;
  log?: PipelineLogger;
  onProgress?: (line: string) => void;
  heartbeatIntervalMs?: number;
}

export interface ActionOutcome {
  action: GuardedAction;
  result: ActionResult;
}

/** Everything that happened for one trigger on one cluster: the decision, the guard, the results. */
export interface TriggerOutcome {
  trigger: Trigger;
  cluster: string;
  plan: Plan;
  guarded: GuardedPlan;
  results: ActionOutcome[];
  /** An action failed in a way a redelivery could fix; its claims were released so a retry can act. */
  retry: boolean;
}

/** One record of the input (one SQS/SNS record, or the whole event). */
export interface RecordOutcome {
  index: number;
  messageId?: string;
  /** Why the record was rejected (never retried) — absent when it was understood. */
  rejected?: NormalizeError;
  outcomes: TriggerOutcome[];
  /**
   * Why the record could not be handled at all (a cluster or the state store unreachable, a bug),
   * naming the cluster — what a retry or the dead-letter queue keeps.
   */
  error?: string;
  /**
   * A redelivery could help: an action failed transiently (its claims were released so a retry can
   * act), or the record could not be handled for a transient reason.
   */
  retry: boolean;
}

const noLog: PipelineLogger = { info() {}, warn() {}, error() {} };

function emptyFacts(cluster: string, now: Date): ClusterFacts {
  return { cluster, now, nodes: [], workloads: {}, priorReplicas: {} };
}

/** What was decided for one trigger on one cluster, before anything ran. */
export interface TriggerPlan {
  facts: ClusterFacts;
  plan: Plan;
  guarded: GuardedPlan;
  /** The client, when the cluster had to be read (only then can anything run). */
  kube: Kube | undefined;
}

/**
 * gather facts → decide → guard, for one trigger on one cluster. Clusters with no policy that could
 * act on the trigger (a configured action, or a command policy for a person's command) are decided without touching the cluster (every policy still gets its reason).
 * `homeostat plan` stops here (with a throwaway store); `handleTrigger` goes on to act.
 */
export async function planTrigger(
  trigger: Trigger,
  cluster: string,
  deps: PipelineDeps & { offline?: boolean },
): Promise<TriggerPlan> {
  const now = deps.now?.() ?? new Date();
  const needsCluster = !deps.offline && couldAct(trigger, deps.config, cluster);
  const kube = needsCluster ? await deps.connect(cluster) : undefined;
  const facts = kube
    ? await gatherFacts(kube, trigger, deps.config, cluster, deps.store, now)
    : emptyFacts(cluster, now);
  const plan = decide(trigger, deps.config, facts);
  const guarded = await guard(plan, {
    store: deps.store,
    config: deps.config,
    cluster,
    now,
    facts,
    ...(deps.dryRun ? { dryRun: true } : {}),
    ...(deps.approval ? { approval: deps.approval } : {}),
    ...(kube ? { currentNodes: () => listNodes(kube) } : {}),
  });
  return { facts, plan, guarded, kube };
}

/** decide → guard → act → record, for one trigger on one cluster. */
export async function handleTrigger(
  trigger: Trigger,
  cluster: string,
  deps: PipelineDeps,
): Promise<TriggerOutcome> {
  const now = deps.now?.() ?? new Date();
  const log = deps.log ?? noLog;
  const { plan, guarded, kube } = await planTrigger(trigger, cluster, deps);
  log.info("decided", {
    trigger: trigger.id,
    cluster,
    run: guarded.run.map((action) => ({ policy: action.policy, verb: action.verb, reason: action.reason })),
    skipped: guarded.skipped.map(({ policy, stage, reason }) => ({ policy, stage, reason })),
  });

  const results: ActionOutcome[] = [];
  if (guarded.run.length > 0 && kube) {
    try {
      results.push(
        ...(await act(guarded.run, {
          kube,
          trigger,
          store: deps.store,
          cluster,
          ...(deps.lifecycle ? { lifecycle: deps.lifecycle } : {}),
          ...(deps.scheduler ? { scheduler: deps.scheduler } : {}),
          ...(deps.onProgress ? { onProgress: deps.onProgress } : {}),
          ...(deps.heartbeatIntervalMs ? { heartbeatIntervalMs: deps.heartbeatIntervalMs } : {}),
        })),
      );
    } finally {
      await guarded.reservation.release(guarded.run);
    }
  }
  // Hooks kept pending while their drain waits for the budget: a heartbeat buys the retry its time.
  if (guarded.retryLater && deps.lifecycle && !deps.dryRun) {
    for (const skip of guarded.skipped) {
      if (skip.action?.verb !== "complete-lifecycle") continue;
      await deps.lifecycle.heartbeat(skip.action.target).catch((error: unknown) => {
        log.warn("lifecycle heartbeat failed", { trigger: trigger.id, error: String(error) });
      });
    }
  }
  const outcome = {
    trigger,
    cluster,
    plan,
    guarded,
    results,
    retry:
      guarded.retryLater !== undefined ||
      results.some(({ result }) => !result.ok && result.retryable === true),
  };
  // Claims first, audit second: a failure to record must not keep a retryable action from its retry.
  if (outcome.retry) {
    const ends = results.map(({ action, result }) => ({ action, ok: result.ok }));
    await guarded.reservation.markDone(ends);
    await guarded.reservation.releaseForRetry(ends);
  }
  await record(trigger, cluster, guarded, results, deps, now);
  return outcome;
}

/** The record stage for one trigger on one cluster: its audit records, handed to every sink. */
async function record(
  trigger: Trigger,
  cluster: string,
  guarded: GuardedPlan,
  results: ActionOutcome[],
  deps: PipelineDeps,
  now: Date,
): Promise<void> {
  const actor = deps.actor ?? (trigger.kind === "command" ? trigger.actor : "homeostat");
  const records = auditRecordsOf(trigger, guarded, results, { actor, now, cluster });
  const { failures } = await writeRecords(records, deps.sinks ?? [auditLogSink(deps.store)]);
  for (const failure of failures) {
    // The action's outcome stands: a lost record must not undo or repeat it.
    (deps.log ?? noLog).error("could not write the audit record", { trigger: trigger.id, ...failure });
  }
}

/**
 * The clusters to run a trigger on, in order. An Auto Scaling hook goes first to the cluster that has
 * the instance as a node: it drains, then completes the hook; the other clusters, which would
 * complete it at once ("not our node"), come after and find it already claimed. In the other order
 * the hook would be completed before the drain, and the instance terminated undrained.
 */
async function clustersInOrder(trigger: Trigger, clusters: string[], deps: PipelineDeps): Promise<string[]> {
  if (trigger.kind !== "instance" || !trigger.lifecycle || clusters.length < 2) return clusters;
  const hasInstance = new Map<string, boolean>();
  for (const cluster of clusters) {
    if (candidateActions(trigger, deps.config, cluster).length === 0) continue;
    const nodes = await listNodes(await deps.connect(cluster));
    hasInstance.set(
      cluster,
      nodes.some((node) => node.instanceId === trigger.instanceId),
    );
  }
  return [...clusters].sort(
    (a, b) => Number(hasInstance.get(b) ?? false) - Number(hasInstance.get(a) ?? false),
  );
}

/**
 * The whole pipeline for one delivery: normalize (every record of a batch), then decide → guard → act →
 * record for each trigger on each served cluster. Rejected records are reported, never retried;
 * records whose action failed retryably say `retry` so the handler can ask for redelivery.
 */
export async function handleEvent(input: unknown, deps: PipelineDeps): Promise<RecordOutcome[]> {
  const log = deps.log ?? noLog;
  const now = deps.now?.() ?? new Date();
  const clusters = deps.clusters ?? Object.keys(deps.config.clusters);
  const outcomes: RecordOutcome[] = [];
  for (const { index, messageId, result } of normalizeBatch(input, { now })) {
    const base = { index, ...(messageId ? { messageId } : {}) };
    if (!result.ok) {
      log.warn("rejected input", { ...base, ...result.error });
      outcomes.push({ ...base, rejected: result.error, outcomes: [], retry: false });
      continue;
    }
    const triggerOutcomes: TriggerOutcome[] = [];
    let retry = false;
    let failure: string | undefined;
    let cluster: string | undefined;
    try {
      for (const trigger of result.triggers) {
        for (cluster of await clustersInOrder(trigger, clusters, deps)) {
          const outcome = await handleTrigger(trigger, cluster, deps);
          retry ||= outcome.retry;
          triggerOutcomes.push(outcome);
        }
      }
    } catch (error) {
      // The cluster or the state store could not be reached, or a bug: the rest of a batch goes on. A
      // failure before the guard took no claim; one after the actions ran leaves the claim in place,
      // rightly: the retry must not act twice. Only a transient failure is worth a redelivery; any
      // other would fail the same way every time until the dead-letter queue.
      failure = `${cluster === undefined ? "" : `cluster ${cluster}: `}${reasonOf(error)}`;
      const transient = isTransient(error);
      log.error("could not handle the record", { ...base, error: failure, retry: transient });
      retry ||= transient;
    }
    outcomes.push({ ...base, outcomes: triggerOutcomes, ...(failure ? { error: failure } : {}), retry });
  }
  return outcomes;
}
