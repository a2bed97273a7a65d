import { KubeVerbError } from "../domain/errors.ts";
import type { LifecycleActionTarget, Target } from "../domain/target.ts";
import type { Verb, VerbResult } from "../domain/verb.ts";
import { isMutatingVerb, type MutatingVerb } from "../domain/verbs/index.ts";
import type { Trigger } from "../events/trigger.ts";
import type { GuardedAction } from "../guard/types.ts";
import type { Kube } from "../kube/client.ts";
import { rollbackReplicaSet } from "../kube/rollback.ts";
import { runVerb } from "../kube/verbs.ts";
import type { PlannedVerb } from "../policy/plan.ts";
import { forgetReplicas, rememberReplicas } from "../state/records.ts";
import type { StateStore } from "../state/store.ts";
import type { DeferScheduler, LifecycleHooks } from "./aws.ts";
import { intendedAction } from "./intent.ts";
import { isTransient } from "./transient.ts";

/** What running one guarded action produced: a verb's result, or one of the pipeline's own steps. */
export type ActionResult = Omit<VerbResult, "verb" | "target"> & {
  verb: Verb | PlannedVerb;
  target: Target | LifecycleActionTarget;
  /** Set on failures a later attempt could fix (API server unreachable, conflicts): the event is retried. */
  retryable?: boolean;
};

export interface ActContext {
  kube: Kube;
  trigger: Trigger;
  /** Where scheduled scale-downs remember the count a later restore brings back. */
  store: StateStore;
  cluster: string;
  lifecycle?: LifecycleHooks;
  scheduler?: DeferScheduler;
  /** Heartbeats keep an Auto Scaling hook alive while a drain runs (its timeout can be as short as 30 s). */
  heartbeatIntervalMs?: number;
  onProgress?: (line: string) => void;
}

function stepResult(
  action: GuardedAction,
  fields: Pick<ActionResult, "ok" | "changed" | "message"> & Partial<ActionResult>,
  startedAt: number,
): ActionResult {
  return {
    verb: action.verb,
    target: action.target,
    dryRun: action.dryRun,
    before: undefined,
    after: undefined,
    warnings: [],
    apiRequests: 0,
    durationMs: Date.now() - startedAt,
    ...fields,
  };
}

/** A failed verb as a result: the pipeline records failures, it does not lose them in a throw. */
function failedResult(action: GuardedAction, error: unknown, startedAt: number): ActionResult {
  const message = error instanceof Error ? error.message : String(error);
  return stepResult(
    action,
    {
      ok: false,
      changed: false,
      message,
      retryable: isTransient(error),
      ...(error instanceof KubeVerbError && error.outcomeUnknown ? { outcomeUnknown: true } : {}),
    },
    startedAt,
  );
}

/**
 * A scheduled scale-down (`remember: true`) keeps the count it is about to change, for the restore
 * later, before it scales: if remembering fails the scale does not happen (and is retried), so a
 * scale-down is never left without its count. Only the first count is kept: a second scale-down at
 * night must not replace the day's count with 0 (rememberReplicas never overwrites).
 */
async function rememberBefore(action: GuardedAction, ctx: ActContext): Promise<void> {
  if (action.verb !== "scale" || !action.params.remember || action.dryRun) return;
  const replicas = action.params.currentReplicas;
  if (replicas === undefined) {
    throw new KubeVerbError(
      "precondition",
      "cannot remember the replica count: the workload was not read before scaling",
    );
  }
  const { namespace, name, kind } = action.target;
  await rememberReplicas(ctx.store, {
    cluster: ctx.cluster,
    namespace,
    name,
    kind,
    replicas,
    policy: action.policy,
  });
}

/** A restore that ran forgets the count, so the next scale-down remembers afresh; a failure here is only a warning. */
async function forgetAfter(
  action: GuardedAction,
  result: ActionResult,
  ctx: ActContext,
): Promise<ActionResult> {
  if (action.verb !== "scale" || !action.params.restore || action.dryRun || !result.ok) return result;
  const { namespace, name, kind } = action.target;
  try {
    await forgetReplicas(ctx.store, { cluster: ctx.cluster, namespace, name, kind });
    return result;
  } catch (error) {
    return {
      ...result,
      warnings: [...result.warnings, `restored, but the remembered count was not cleared: ${String(error)}`],
    };
  }
}

/** A Kubernetes verb, run through the verb registry; the other actions are the pipeline's own AWS steps. */
type VerbAction = Extract<GuardedAction, { verb: MutatingVerb }>;
const isVerbAction = (action: GuardedAction): action is VerbAction => isMutatingVerb(action.verb);

/** Runs a Kubernetes verb; while it runs, keeps the named Auto Scaling hooks alive with heartbeats. */
async function runWithHeartbeats(
  action: VerbAction,
  ctx: ActContext,
  hooks: LifecycleActionTarget[],
): Promise<ActionResult> {
  const startedAt = Date.now();
  const beat =
    hooks.length > 0 && ctx.lifecycle && !action.dryRun
      ? setInterval(() => {
          for (const hook of hooks) {
            ctx.lifecycle?.heartbeat(hook).catch((error: unknown) => {
              ctx.onProgress?.(`lifecycle heartbeat for ${hook.instanceId} failed: ${String(error)}`);
            });
          }
        }, ctx.heartbeatIntervalMs ?? 60_000)
      : undefined;
  try {
    await rememberBefore(action, ctx);
    // a retry completes what the first attempt for this event set out to do (runtime/intent.ts)
    const intended = (await intendedAction(action, {
      store: ctx.store,
      cluster: ctx.cluster,
      eventId: ctx.trigger.id,
      rollbackTarget: (rollback) => rollbackReplicaSet(ctx.kube, rollback.target, rollback.params),
    })) as VerbAction;
    const result = await runVerb(ctx.kube, intended.verb, intended.target, intended.params, {
      dryRun: action.dryRun,
      ...(ctx.onProgress ? { onProgress: ctx.onProgress } : {}),
    });
    return await forgetAfter(action, result, ctx);
  } catch (error) {
    return failedResult(action, error, startedAt);
  } finally {
    if (beat) clearInterval(beat);
  }
}

/**
 * The drain failed in a way its retry could fix (the event is delivered again): completing the hook now
 * would terminate the instance before the retry drains it. A heartbeat keeps the hook alive instead,
 * and the completion fails retryably, so its claim goes back and the redelivery completes it after the
 * drain (as when the drain waits for the budget).
 */
async function holdLifecycle(action: GuardedAction, ctx: ActContext): Promise<ActionResult> {
  const startedAt = Date.now();
  if (action.verb !== "complete-lifecycle") throw new Error("not a lifecycle action");
  const beat = await ctx.lifecycle?.heartbeat(action.target).then(
    () => undefined,
    (error: unknown) => `the heartbeat that keeps the hook alive failed: ${String(error)}`,
  );
  return stepResult(
    action,
    {
      ok: false,
      changed: false,
      retryable: true,
      message:
        "not completed yet: the drain is retried (the event is delivered again), and the hook is completed after it",
      ...(beat ? { warnings: [beat] } : {}),
    },
    startedAt,
  );
}

async function completeLifecycle(
  action: GuardedAction,
  ctx: ActContext,
  drainOk: boolean | undefined,
): Promise<ActionResult> {
  const startedAt = Date.now();
  if (action.verb !== "complete-lifecycle") throw new Error("not a lifecycle action");
  const after =
    drainOk === undefined ? "" : drainOk ? " after the drain" : " although the drain did not finish";
  if (action.dryRun) {
    return stepResult(
      action,
      {
        ok: true,
        changed: true,
        message: `would complete the lifecycle action with CONTINUE${after} (dry run: no AWS call)`,
      },
      startedAt,
    );
  }
  if (!ctx.lifecycle) {
    return stepResult(
      action,
      {
        ok: false,
        changed: false,
        message: "cannot complete the lifecycle action: no Auto Scaling client configured",
      },
      startedAt,
    );
  }
  try {
    await ctx.lifecycle.complete(action.target, "CONTINUE");
    return stepResult(
      action,
      { ok: true, changed: true, message: `completed the lifecycle action with CONTINUE${after}` },
      startedAt,
    );
  } catch (error) {
    return failedResult(action, error, startedAt);
  }
}

async function defer(action: GuardedAction, ctx: ActContext): Promise<ActionResult> {
  const startedAt = Date.now();
  if (action.verb !== "defer") throw new Error("not a defer action");
  const { at, scheduleName, verb } = action.params;
  if (action.dryRun) {
    return stepResult(
      action,
      {
        ok: true,
        changed: true,
        message: `would schedule the ${verb} for ${at} as ${scheduleName} (dry run: no AWS call)`,
      },
      startedAt,
    );
  }
  if (!ctx.scheduler) {
    return stepResult(
      action,
      { ok: false, changed: false, message: "cannot defer: no EventBridge Scheduler target configured" },
      startedAt,
    );
  }
  try {
    const created = await ctx.scheduler.scheduleOnce({ name: scheduleName, at, trigger: ctx.trigger });
    return stepResult(
      action,
      {
        ok: true,
        changed: created,
        message: created
          ? `scheduled the ${verb} for ${at} (${scheduleName})`
          : `the ${verb} was already scheduled for ${at} (${scheduleName})`,
      },
      startedAt,
    );
  } catch (error) {
    return failedResult(action, error, startedAt);
  }
}

/**
 * Runs the guarded actions of one trigger in order. Lifecycle completions run last, after the drain
 * they wait for, whatever its final outcome: the instance terminates either way, and holding the hook
 * would only delay that until the hook's timeout. A drain that failed retryably is not final: its hook
 * is held for the redelivery (`holdLifecycle`; docs/policies.md says more).
 */
export async function act(
  actions: GuardedAction[],
  ctx: ActContext,
): Promise<Array<{ action: GuardedAction; result: ActionResult }>> {
  const hooks = actions.flatMap((action) =>
    action.verb === "complete-lifecycle" && action.params.afterDrain ? [action.target] : [],
  );
  const outcomes: Array<{ action: GuardedAction; result: ActionResult }> = [];
  let drainOk: boolean | undefined;
  let drainRetried = false;
  for (const action of actions) {
    if (action.verb === "complete-lifecycle") continue;
    const result = isVerbAction(action)
      ? await runWithHeartbeats(action, ctx, action.verb === "drain" ? hooks : [])
      : await defer(action, ctx);
    if (action.verb === "drain") {
      drainOk = (drainOk ?? true) && result.ok;
      drainRetried ||= !result.ok && result.retryable === true;
    }
    outcomes.push({ action, result });
  }
  for (const action of actions) {
    if (action.verb !== "complete-lifecycle") continue;
    const afterDrain = action.params.afterDrain;
    outcomes.push({
      action,
      result:
        afterDrain && drainRetried && !action.dryRun
          ? await holdLifecycle(action, ctx)
          : await completeLifecycle(action, ctx, afterDrain ? drainOk : undefined),
    });
  }
  return outcomes;
}
