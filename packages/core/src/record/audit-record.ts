import { targetKey } from "../domain/target.ts";
import type { VerbResult } from "../domain/verb.ts";
import type { Trigger } from "../events/trigger.ts";
import type { AuditRecord, AuditTarget, AuditVerb } from "../state/audit-log.ts";

/** Who planned the action and why: the parts of an audit record a verb result does not carry. */
export interface AuditContext {
  trigger: Trigger;
  /** The configured cluster the action was for. */
  cluster?: string;
  policy: string;
  /** Why the policy planned the action. */
  reason?: string;
  /** `homeostat` for automation; the person for commands and approvals. */
  actor: string;
  /** Defaults to `<trigger id>#<policy>#<verb>#<target>`: stable across redeliveries. */
  id?: string;
  /** Defaults to now. */
  time?: Date;
}

/** One line naming the trigger, for people reading the audit log or Slack. */
export function summarizeTrigger(trigger: Trigger): string {
  switch (trigger.kind) {
    case "alarm":
      return `alarm ${trigger.alarmName} → ${trigger.state}`;
    case "instance":
      return `${trigger.event} ${trigger.instanceId}`;
    case "schedule":
      return `schedule ${trigger.policy}/${trigger.entry}`;
    case "rollout-stalled":
      return `rollout stalled ${trigger.namespace}/${trigger.deployment}`;
    case "command":
      return `${trigger.actor}: ${trigger.text}`;
  }
}

/** The id of the audit record of `policy`'s action for a trigger: stable across redeliveries. */
export function auditRecordId(
  triggerId: string,
  policy: string,
  verb: AuditVerb,
  target: AuditTarget,
): string {
  return `${triggerId}#${policy}#${verb}#${targetKey(target)}`;
}

function base(context: AuditContext, verb: AuditVerb, target: AuditTarget) {
  return {
    id: context.id ?? auditRecordId(context.trigger.id, context.policy, verb, target),
    time: (context.time ?? new Date()).toISOString(),
    trigger: {
      id: context.trigger.id,
      kind: context.trigger.kind,
      summary: summarizeTrigger(context.trigger),
      detail: context.trigger,
    },
    ...(context.cluster === undefined ? {} : { cluster: context.cluster }),
    policy: context.policy,
    ...(context.reason === undefined ? {} : { reason: context.reason }),
    actor: context.actor,
    verb,
    target,
  };
}

/** The audit record of an action that ran (or was dry-run). */
export function auditRecordFromResult(
  result: Omit<VerbResult, "verb" | "target"> & { verb: AuditVerb; target: AuditTarget },
  context: AuditContext,
): AuditRecord {
  return {
    ...base(context, result.verb, result.target),
    dryRun: result.dryRun,
    ok: result.ok,
    changed: result.changed,
    before: result.before,
    after: result.after,
    message: result.message,
    warnings: result.warnings,
    durationMs: result.durationMs,
    apiRequests: result.apiRequests,
    ...(result.undo && result.ok && result.changed && !result.dryRun ? { undo: result.undo } : {}),
  };
}

/** The audit record of an action the guard skipped; `reason` is what a person reads. */
export function skippedAuditRecord(
  action: { verb: AuditVerb; target: AuditTarget; dryRun?: boolean },
  reason: string,
  context: AuditContext & { skippedBy?: string; approvalId?: string },
): AuditRecord {
  return {
    ...base(context, action.verb, action.target),
    dryRun: action.dryRun ?? false,
    ok: true,
    changed: false,
    before: undefined,
    after: undefined,
    message: `skipped: ${reason}`,
    warnings: [],
    durationMs: 0,
    apiRequests: 0,
    skippedReason: reason,
    ...(context.skippedBy === undefined ? {} : { skippedBy: context.skippedBy }),
    ...(context.approvalId === undefined ? {} : { approvalId: context.approvalId }),
  };
}
