import type { Plan } from "../policy/plan.ts";
import { releaseClaim } from "../state/records.ts";
import { approval, dryRunNote } from "./checks/approval.ts";
import { cooldown } from "./checks/cooldown.ts";
import { disruptionBudget, lifecycleHooks } from "./checks/disruption-budget.ts";
import { freezeWindow } from "./checks/freeze-window.ts";
import { idempotency } from "./checks/idempotency.ts";
import { protectedNamespace } from "./checks/protected-namespace.ts";
import { replicaBounds } from "./checks/replica-bounds.ts";
import { Reservation } from "./reservation.ts";
import type { CheckState, GuardCheck, GuardContext, GuardedAction, GuardedPlan, SkipFn } from "./types.ts";

/**
 * The guard rails, in the order they run. Order matters: claims come first (a duplicate stops
 * everything), the checks that need no state before the ones that take some (a cooldown or a budget
 * place is never taken for an action a freeze would skip), approval last.
 */
export const guardChecks: readonly GuardCheck[] = [
  idempotency,
  protectedNamespace,
  freezeWindow,
  replicaBounds,
  cooldown,
  disruptionBudget,
  lifecycleHooks,
  dryRunNote,
  approval,
];

/**
 * Checks a plan against the guard rails and the state store (`guardChecks`, in order) and returns
 * the actions to run, the ones skipped with the check and reason, and the reservation of what it
 * holds. If a check fails half-way (the store throttled, the nodes could not be read), everything
 * taken so far is given back before the error is thrown, so the redelivery the caller asks for is
 * not skipped as a duplicate.
 *
 * Dry-run actions take their cooldown under a separate key and no budget places, so rehearsing never
 * blocks real automation. Actions awaiting approval take their cooldown (so an alarm storm asks a
 * person once) but no budget places: those are reserved when the approved action runs.
 */
export async function guard(plan: Plan, ctx: GuardContext): Promise<GuardedPlan> {
  const { trigger } = plan;
  const reservation = new Reservation(ctx.store, ctx.cluster, trigger.id, ctx.dryRun === true);
  const policies = new Map(ctx.config.policies.map((policy) => [policy.name, policy]));
  const result: GuardedPlan = {
    trigger,
    cluster: ctx.cluster,
    run: [],
    skipped: plan.skipped.map((skipped) => ({ ...skipped, stage: "decide" as const })),
    reservation,
  };
  const state: CheckState = {
    ctx,
    trigger,
    result,
    reservation,
    candidates: plan.actions.map((action) => {
      const policy = policies.get(action.policy);
      return {
        action,
        policy,
        dryRun: ctx.dryRun === true || (policy?.guard.dryRun ?? ctx.config.defaults.dryRun),
        notes: [],
        claims: [],
        reservedNodes: [],
      };
    }),
  };
  if (state.candidates.length === 0) return result;

  // A skipped action did not happen: its claims go back, so the next event about its target may act.
  const skip: SkipFn = async (candidate, verdict, extra = {}) => {
    for (const claim of candidate.claims) await releaseClaim(ctx.store, claim);
    result.skipped.push({ policy: candidate.action.policy, ...verdict, action: candidate.action, ...extra });
  };
  try {
    for (const check of guardChecks) {
      await check.run(state, skip);
      if (state.stopped) return result;
    }
  } catch (error) {
    await reservation.releaseAll();
    throw error;
  }
  for (const candidate of state.candidates) {
    result.run.push({
      ...candidate.action,
      dryRun: candidate.dryRun,
      notes: candidate.notes,
      reservedNodes: candidate.reservedNodes,
      claims: candidate.claims,
    } as GuardedAction);
  }
  return result;
}
