// What an Approve or Deny click may do, decided from the stored approval alone (pure): the record is
// authoritative, the button carries only its id. Whether the clicker's rules allow the action is
// authorize.ts's; that exactly one decision stands is the store's compare-and-set (resolveApproval).
import { describeTarget } from "../../domain/target.ts";
import type { PlannedAction, VerbPlanAction } from "../../policy/plan.ts";
import type { Approval, ApprovalDecision } from "../../state/records.ts";
import type { CommandScope } from "./authorize.ts";

export interface ApprovalClick {
  /** The clicker's Slack member id. */
  user: string;
  decision: ApprovalDecision;
}

export interface ClickRules {
  /** An approver must not be the requester (`slack.commands.twoPersonRule`). */
  twoPersonRule: boolean;
  /** The clusters this deployment serves. */
  served: readonly string[];
}

export type ClickVerdict =
  /** Go on: authorize the clicker for `scope`, then decide (compare-and-set). */
  | {
      kind: "decide";
      /**
       * The approval stands already, by this clicker: the job is a redelivery (the run before may have
       * died after deciding, before acting). Run again under the same trigger id; the pipeline's
       * idempotency makes it act at most once.
       */
      resumed: boolean;
      approval: Approval<PlannedAction>;
      /** The cluster verb it runs (a pipeline step never waits for a person). */
      action: VerbPlanAction;
      cluster: string;
      scope: CommandScope;
    }
  /** Nothing runs; `expired`: the message is updated to say so. */
  | { kind: "refused"; reason: string; expired: boolean };

/** `scale deployment shop/web`: what an approval is for, in words. */
export function describeApproved(approval: Approval<PlannedAction>): string {
  return `${approval.action.verb} ${describeTarget(approval.action.target)}`;
}

/** Who decided, and when: for "already decided" and the updated message. */
export function describeDecision(approval: Approval<PlannedAction>): string {
  const by = approval.resolvedBy ?? "someone";
  return `${approval.status} by ${by}${approval.resolvedAt ? ` at ${approval.resolvedAt}` : ""}`;
}

/** Whether Slack member `user` made the decision the approval holds (`resolvedBy` is their audit actor). */
function decidedBy(approval: Approval<PlannedAction>, user: string): boolean {
  const by = approval.resolvedBy ?? "";
  return by === `slack:${user}` || by.startsWith(`slack:${user} `);
}

function refused(reason: string, expired = false): ClickVerdict {
  return { kind: "refused", reason, expired };
}

/** The command scope an approval's action needs the approver's rules to allow. */
export function approvalScope(action: VerbPlanAction, cluster: string): CommandScope {
  const { target } = action;
  return { verb: action.verb, cluster, ...(target.kind === "Node" ? {} : { namespace: target.namespace }) };
}

/**
 * Judges a click on approval `id` (`approval`: what the store holds for it, expiry computed): unknown,
 * expired, already decided, for a cluster not served, or the requester approving their own → refused.
 * The requester may deny (withdraw) their own request.
 */
export function judgeClick(
  id: string,
  approval: Approval<PlannedAction> | undefined,
  click: ApprovalClick,
  rules: ClickRules,
): ClickVerdict {
  if (!approval) return refused(`no pending approval ${id} (it may be older than a week): nothing ran`);
  const what = describeApproved(approval);
  if (approval.status === "expired") {
    return refused(`the approval of ${what} expired at ${approval.expiresAt}: nothing ran`, true);
  }
  const resumed =
    approval.status === "approved" && click.decision === "approved" && decidedBy(approval, click.user);
  if (approval.status !== "pending" && !resumed) {
    return refused(`the approval of ${what} was already decided: ${describeDecision(approval)}`);
  }
  const cluster = approval.cluster;
  if (cluster === undefined || !rules.served.includes(cluster)) {
    return refused(
      `the approval of ${what} is for cluster ${cluster ?? "(unnamed)"}, which this deployment does not serve (it serves ${rules.served.join(", ")}): nothing ran`,
    );
  }
  if (rules.twoPersonRule && click.decision === "approved" && approval.requester === click.user) {
    return refused(
      `you asked for ${what}: a second person must approve it (two-person rule, slack.commands.twoPersonRule): nothing ran`,
    );
  }
  const { action } = approval;
  if (action.verb === "complete-lifecycle" || action.verb === "defer") {
    return refused(`the approval of ${what} is for a pipeline step, which no one approves: nothing ran`);
  }
  return { kind: "decide", resumed, approval, action, cluster, scope: approvalScope(action, cluster) };
}
