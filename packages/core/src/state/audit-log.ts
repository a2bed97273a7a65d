import type { Target } from "../domain/target.ts";
import type { UndoAction, Verb } from "../domain/verb.ts";
import type { Trigger, TriggerKind } from "../events/trigger.ts";
import { StateStoreError } from "./errors.ts";
import { stateKeys } from "./keys.ts";
import type { StateStore } from "./store.ts";

/**
 * One record per planned action — done, failed, dry-run or skipped — kept in the state store and
 * published on the project's EventBridge bus. JSON only: `before`/`after` are stored as JSON, so
 * Kubernetes objects come back as plain objects with string timestamps.
 */
/** A Kubernetes verb, or one of the pipeline's own steps (completing an ASG hook, deferring a drain). */
export type AuditVerb = Verb | "complete-lifecycle" | "defer";

/** What an audited action acted on: a Kubernetes target, or an Auto Scaling lifecycle action. */
export type AuditTarget =
  | Target
  | {
      kind: "LifecycleAction";
      autoScalingGroupName: string;
      lifecycleHookName: string;
      lifecycleActionToken: string;
      instanceId: string;
    };

export interface AuditRecord {
  /** Names the action: `<trigger id>#<policy>#<verb>#<target>`; the store key adds the time, so each attempt is kept. */
  id: string;
  /** When the action finished (or was skipped), RFC 3339 UTC. */
  time: string;
  trigger: {
    id: string;
    kind: TriggerKind;
    summary: string;
    /**
     * The normalized trigger itself (alarm reason, instance id, stalled revision, …): what Slack's
     * messages and incident threads are made from. Absent in records written before it was added.
     */
    detail?: Trigger;
  };
  /** The configured cluster the action was for. */
  cluster?: string;
  policy: string;
  /** Why the policy planned the action (the decision's reason). */
  reason?: string;
  /** Who acted: `homeostat` for automation, or the person behind a command or an approval. */
  actor: string;
  verb: AuditVerb;
  target: AuditTarget;
  dryRun: boolean;
  ok: boolean;
  changed: boolean;
  before: unknown;
  after: unknown;
  message: string;
  warnings: string[];
  durationMs: number;
  apiRequests: number;
  /** The action that reverses this one, when there is one (Slack's Undo button carries the record id). */
  undo?: UndoAction;
  /** Set when the guard skipped the action; the reason a person reads. */
  skippedReason?: string;
  /** Which guard check skipped it (`idempotency`, `cooldown`, `disruption-budget`, `approval`, …). */
  skippedBy?: string;
  /** The pending approval an action awaiting a person waits on (Slack's Approve / Deny carry it). */
  approvalId?: string;
}

/** How long audit records are kept unless told otherwise. */
export const defaultAuditRetentionDays = 90;

/** What `audit-id#<id>` holds: the key of the record that id names. */
interface AuditIdEntry {
  key: string;
}

/**
 * Stores the record under `audit#<time>#<id>`, expiring `retentionDays` after its time, and points
 * `audit-id#<id>` at it so it can be read by id. Returns the key. Each attempt keeps its own record;
 * the id names the attempt that has an undo once there is one: a later attempt (a redelivery the
 * guard skips) does not take the name from it.
 */
export async function putAudit(
  store: StateStore,
  record: AuditRecord,
  options: { retentionDays?: number } = {},
): Promise<string> {
  const time = new Date(record.time);
  if (Number.isNaN(time.getTime())) {
    throw new StateStoreError(
      "invalid",
      `Audit record ${record.id} has an invalid time "${record.time}"; use RFC 3339.`,
    );
  }
  // One normalized form (UTC, milliseconds) keeps keys in time order.
  const iso = time.toISOString();
  const key = stateKeys.audit(iso, record.id);
  const retentionSeconds = (options.retentionDays ?? defaultAuditRetentionDays) * 24 * 3600;
  const expiresAt = Math.floor(time.getTime() / 1000) + retentionSeconds;
  await store.put(key, { ...record, time: iso }, { expiresAt });
  // the attempt with an undo takes the id; any other only names it while nothing else does
  await store.put(stateKeys.auditById(record.id), { key } satisfies AuditIdEntry, {
    expiresAt,
    ...(record.undo === undefined ? { ifAbsent: true } : {}),
  });
  return key;
}

/**
 * The audit record an id names (the attempt that changed something, else the first), or `undefined`
 * when there is none (never written, or past its retention).
 */
export async function readAudit(store: StateStore, id: string): Promise<AuditRecord | undefined> {
  const entry = await store.get<AuditIdEntry>(stateKeys.auditById(id));
  return entry ? (await store.get<AuditRecord>(entry.value.key))?.value : undefined;
}

/** Audit records, newest first; with `since`, only those at or after it. */
export async function listAudit(
  store: StateStore,
  options: { since?: Date; limit?: number } = {},
): Promise<AuditRecord[]> {
  const records = await store.list<AuditRecord>("audit#", {
    reverse: true,
    limit: options.limit,
    from: options.since === undefined ? undefined : stateKeys.audit(options.since.toISOString(), ""),
  });
  return records.map((record) => record.value);
}
