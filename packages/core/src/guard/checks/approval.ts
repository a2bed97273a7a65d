import { describeAction } from "../../policy/describe.ts";
import { recordPendingApproval } from "../../state/records.ts";
import { needsApproval } from "../candidates.ts";
import { approvalIdFor } from "../claims.ts";
import type { GuardCheck } from "../types.ts";

/** Dry runs are marked on each action: the verbs run with dryRun=All, AWS steps are only described. */
export const dryRunNote: GuardCheck = {
  name: "dry-run",
  async run(state) {
    for (const candidate of state.candidates) {
      if (candidate.dryRun) {
        candidate.notes.push(`dry run${state.ctx.dryRun ? "" : ` (policy ${candidate.action.policy})`}`);
      }
    }
  },
};

/**
 * An action that needs approval is recorded as pending and waits for a person. It is not a failure:
 * its claims and cooldown stay, so an alarm storm asks once.
 */
export const approval: GuardCheck = {
  name: "approval",
  async run(state) {
    const { ctx, trigger, result } = state;
    const waiting = state.candidates.filter((candidate) => needsApproval(state, candidate));
    const timeoutSeconds = ctx.approval?.timeoutSeconds ?? ctx.config.defaults.approvalTimeout;
    for (const candidate of waiting) {
      const id = approvalIdFor(ctx.cluster, trigger.id, candidate.action);
      await recordPendingApproval(ctx.store, {
        id,
        action: candidate.action,
        cluster: ctx.cluster,
        ...(ctx.approval?.requester === undefined ? {} : { requester: ctx.approval.requester }),
        ...(trigger.kind === "command" ? { requestedBy: trigger.actor, origin: trigger.origin } : {}),
        // the cooldown the wait holds: the approved run gives it back and takes it again itself
        heldClaims: candidate.claims.filter((claim) => claim.startsWith("cooldown#")),
        expiresAt: new Date(ctx.now.getTime() + timeoutSeconds * 1000),
        now: ctx.now,
      });
      result.skipped.push({
        policy: candidate.action.policy,
        reason: `awaiting approval ${id}: ${describeAction(candidate.action)}`,
        stage: "approval",
        action: candidate.action,
        approvalId: id,
      });
    }
    state.candidates = state.candidates.filter((candidate) => !waiting.includes(candidate));
  },
};
