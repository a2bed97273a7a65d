/**
 * The domain records, written once on the StateStore primitives so both backends behave alike.
 *
 * About `now`: it sets when a record expires, while the store decides liveness by its own clock.
 * Pass the current time (the default); a test that controls time must give the store the same clock
 * (`new SqliteStateStore({ clock })`), or records written "in the past" expire on arrival.
 */
import { StateStoreError } from "./errors.ts";
import { stateKeys } from "./keys.ts";
import type { BoundedSetValue, StateStore } from "./store.ts";

interface At {
  /** Defaults to the current time. */
  now?: Date;
}

const epochSeconds = (date: Date): number => Math.floor(date.getTime() / 1000);
const nowOf = (options: At): Date => options.now ?? new Date();
/** A condition can fail and the record vanish (expire) before we read it: then try again. */
const attempts = 3;

// ── Idempotency ────────────────────────────────────────────────────────────────────────────────

/**
 * Claims `key` for `ttlSeconds`: true for exactly one caller, false for every duplicate or racing
 * delivery until the claim expires. Keys: `stateKeys.event(id)` for one delivery, and
 * `stateKeys.nodeAction(cluster, node, action)` for the several events one interruption produces.
 */
export async function claimEvent(
  store: StateStore,
  key: string,
  options: { ttlSeconds: number } & At,
): Promise<boolean> {
  const now = nowOf(options);
  const written = await store.put(
    key,
    { claimedAt: now.toISOString() },
    { ifAbsent: true, expiresAt: epochSeconds(now) + options.ttlSeconds },
  );
  return written !== undefined;
}

/** Gives a claim back, so a redelivery may act: for failures a retry can fix. */
export async function releaseClaim(store: StateStore, key: string): Promise<void> {
  await store.delete(key);
}

// ── Cooldowns ──────────────────────────────────────────────────────────────────────────────────

export type CooldownResult = { acquired: true; until: Date } | { acquired: false; until: Date };

/** Starts a cooldown at `key` unless one is running; when one is, says until when. */
export async function acquireCooldown(
  store: StateStore,
  key: string,
  options: { cooldownSeconds: number } & At,
): Promise<CooldownResult> {
  const now = nowOf(options);
  const expiresAt = epochSeconds(now) + options.cooldownSeconds;
  for (let attempt = 0; attempt < attempts; attempt++) {
    const written = await store.put(key, { since: now.toISOString() }, { ifAbsent: true, expiresAt });
    if (written) return { acquired: true, until: new Date(expiresAt * 1000) };
    const running = await store.get(key);
    if (running) return { acquired: false, until: new Date((running.expiresAt ?? expiresAt) * 1000) };
  }
  return { acquired: false, until: new Date(expiresAt * 1000) };
}

// ── Node disruption budget ─────────────────────────────────────────────────────────────────────

/**
 * Reserves one of `max` places for `node` in the cluster's disruption budget (shared by every
 * policy and trigger). The caller computes `max` from N / P% / the healthy floor. `ttlSeconds` is a
 * safety net: a function that dies mid-drain never releases its place, so the place lapses.
 * Reserving a node that already holds a place succeeds (a retried event keeps its place).
 */
export async function reserveDisruption(
  store: StateStore,
  cluster: string,
  node: string,
  options: { max: number; ttlSeconds: number } & At,
): Promise<{ reserved: boolean; holders: string[] }> {
  const now = epochSeconds(nowOf(options));
  const { added, members } = await store.addToBoundedSet(stateKeys.disruption(cluster), node, options.max, {
    expiresAt: now + options.ttlSeconds,
    now,
  });
  return { reserved: added, holders: members };
}

export async function releaseDisruption(store: StateStore, cluster: string, node: string): Promise<void> {
  await store.removeFromSet(stateKeys.disruption(cluster), node);
}

/** The nodes holding a place in the cluster's disruption budget now. */
export async function disruptionHolders(
  store: StateStore,
  cluster: string,
  options: At = {},
): Promise<string[]> {
  const now = epochSeconds(nowOf(options));
  const record = await store.get<BoundedSetValue>(stateKeys.disruption(cluster));
  return Object.entries(record?.value ?? {})
    .filter(([, expiresAt]) => expiresAt > now)
    .map(([node]) => node)
    .sort();
}

// ── Prior replica counts (scheduled scaling) ───────────────────────────────────────────────────

export interface WorkloadRef {
  cluster: string;
  namespace: string;
  kind: string;
  name: string;
}

export interface RememberedReplicas {
  replicas: number;
  /** The policy that scaled the workload away from this count. */
  policy: string;
  rememberedAt: string;
}

const replicasKey = (ref: WorkloadRef) => stateKeys.replicas(ref.cluster, ref.namespace, ref.kind, ref.name);

/**
 * Remembers a workload's replica count before a scheduled scale-down — only when nothing is
 * remembered yet. A second scale-down (a retried schedule, or a second policy) sees the workload
 * already at 0; overwriting would replace the true prior count with 0 and "restore" to 0.
 * Returns the count in effect: the one just written, or the one remembered earlier.
 */
export async function rememberReplicas(
  store: StateStore,
  options: WorkloadRef & { replicas: number; policy: string; ttlSeconds?: number } & At,
): Promise<{ remembered: boolean; prior: RememberedReplicas }> {
  const now = nowOf(options);
  const prior: RememberedReplicas = {
    replicas: options.replicas,
    policy: options.policy,
    rememberedAt: now.toISOString(),
  };
  const expiresAt = options.ttlSeconds === undefined ? undefined : epochSeconds(now) + options.ttlSeconds;
  for (let attempt = 0; attempt < attempts; attempt++) {
    if (await store.put(replicasKey(options), prior, { ifAbsent: true, expiresAt })) {
      return { remembered: true, prior };
    }
    const existing = await store.get<RememberedReplicas>(replicasKey(options));
    if (existing) return { remembered: false, prior: existing.value };
  }
  return { remembered: false, prior };
}

export async function priorReplicas(
  store: StateStore,
  ref: WorkloadRef,
): Promise<RememberedReplicas | undefined> {
  return (await store.get<RememberedReplicas>(replicasKey(ref)))?.value;
}

/** After a restore, so the next scale-down remembers afresh. */
export async function forgetReplicas(store: StateStore, ref: WorkloadRef): Promise<void> {
  await store.delete(replicasKey(ref));
}

// ── Approvals ──────────────────────────────────────────────────────────────────────────────────

export type ApprovalDecision = "approved" | "denied";

export interface Approval<A = unknown> {
  id: string;
  /** The planned action waiting for a person. */
  action: A;
  /** The cluster the action is for: what an approval runs it on. */
  cluster?: string;
  /** Who asked (the audit's actor); absent for automation. */
  requestedBy?: string;
  /** The Slack member id of who asked: the two-person rule compares the approver with it. */
  requester?: string;
  /** Where it was asked (`slack /homeostat in C0OPS`, `alarm checkout-cpu-high`). */
  origin?: string;
  /** The Slack message with the Approve / Deny buttons, updated with the decision. */
  message?: { channel: string; ts: string };
  /** Cooldown keys the wait holds (so a storm asks once): handed to the approved run, which takes them again. */
  heldClaims?: string[];
  requestedAt: string;
  expiresAt: string;
  /** `expired` is computed on read: a pending approval past `expiresAt`. */
  status: "pending" | "expired" | ApprovalDecision;
  resolvedBy?: string;
  resolvedAt?: string;
}

/** Approvals stay readable this long after they expire, so a late click is told "expired", not "unknown". */
const approvalRetentionSeconds = 7 * 24 * 3600;

/** Records an action awaiting approval; recording the same id again keeps the first (a redelivery). */
export async function recordPendingApproval<A>(
  store: StateStore,
  options: Pick<
    Approval<A>,
    "id" | "action" | "cluster" | "requestedBy" | "requester" | "origin" | "heldClaims"
  > & {
    expiresAt: Date;
  } & At,
): Promise<{ recorded: boolean; approval: Approval<A> }> {
  const approval: Approval<A> = {
    id: options.id,
    action: options.action,
    requestedAt: nowOf(options).toISOString(),
    expiresAt: options.expiresAt.toISOString(),
    status: "pending",
  };
  if (options.cluster !== undefined) approval.cluster = options.cluster;
  if (options.requestedBy !== undefined) approval.requestedBy = options.requestedBy;
  if (options.requester !== undefined) approval.requester = options.requester;
  if (options.origin !== undefined) approval.origin = options.origin;
  if (options.heldClaims && options.heldClaims.length > 0) approval.heldClaims = options.heldClaims;
  const written = await store.put(stateKeys.approval(options.id), approval, {
    ifAbsent: true,
    expiresAt: epochSeconds(options.expiresAt) + approvalRetentionSeconds,
  });
  if (written) return { recorded: true, approval };
  return { recorded: false, approval: (await getApproval<A>(store, options.id, options)) ?? approval };
}

export async function getApproval<A>(
  store: StateStore,
  id: string,
  options: At = {},
): Promise<Approval<A> | undefined> {
  const record = await store.get<Approval<A>>(stateKeys.approval(id));
  return record && withExpiry(record.value, nowOf(options));
}

export type ResolveApprovalResult<A> =
  | { ok: true; approval: Approval<A> }
  | { ok: false; reason: "not-found" | "expired" | "already-resolved"; approval?: Approval<A> };

/**
 * Approves or rejects a pending approval. Compare-and-set on the record's version: when two people
 * click at once exactly one decision stands; the other is told it was already resolved, and by whom.
 */
export async function resolveApproval<A>(
  store: StateStore,
  id: string,
  options: { decision: ApprovalDecision; by: string } & At,
): Promise<ResolveApprovalResult<A>> {
  const now = nowOf(options);
  for (let attempt = 0; attempt < 5; attempt++) {
    const record = await store.get<Approval<A>>(stateKeys.approval(id));
    if (!record) return { ok: false, reason: "not-found" };
    const current = withExpiry(record.value, now);
    if (current.status === "expired") return { ok: false, reason: "expired", approval: current };
    if (current.status !== "pending") return { ok: false, reason: "already-resolved", approval: current };
    const resolved: Approval<A> = {
      ...current,
      status: options.decision,
      resolvedBy: options.by,
      resolvedAt: now.toISOString(),
    };
    const written = await store.put(stateKeys.approval(id), resolved, {
      ifVersion: record.version,
      expiresAt: record.expiresAt,
    });
    if (written) return { ok: true, approval: resolved };
    // Someone else changed it between our read and write: read again and report what they did.
  }
  throw new StateStoreError(
    "contention",
    `Approval ${id} kept changing while we tried to ${options.decision === "approved" ? "approve" : "deny"} it; try again.`,
  );
}

/**
 * Adds where a person was asked (the Slack message with the buttons) to a pending approval, compare-and-set on its version so a decision made meanwhile is never overwritten.
 * Returns false when the approval is gone or no longer pending.
 */
export async function describeApprovalRequest(
  store: StateStore,
  id: string,
  details: { message: { channel: string; ts: string } },
): Promise<boolean> {
  for (let attempt = 0; attempt < attempts; attempt++) {
    const record = await store.get<Approval>(stateKeys.approval(id));
    if (record?.value.status !== "pending") return false;
    const written = await store.put(
      stateKeys.approval(id),
      { ...record.value, ...details },
      { ifVersion: record.version, expiresAt: record.expiresAt },
    );
    if (written) return true;
  }
  return false;
}

function withExpiry<A>(approval: Approval<A>, now: Date): Approval<A> {
  return approval.status === "pending" && Date.parse(approval.expiresAt) <= now.getTime()
    ? { ...approval, status: "expired" }
    : approval;
}

// ── Slack: one thread per incident, one message per result ──────────────────────────────────────

/** What Slack's notifier keeps per incident: where its thread is and what its parent says. */
export interface IncidentThread {
  channel: string;
  /** The parent message's ts, once posted. */
  ts?: string;
  /**
   * While the parent is being posted: until when (epoch ms) its writer holds it. A writer that died
   * mid-post lets the next one take over once this passed.
   */
  postingUntil?: number;
  /** What the thread is about ("alarm checkout-cpu-high on prod"). */
  title: string;
  /** The notification claim of the result whose message is the parent: posting the parent posts it. */
  parentClaim: string;
  /** The first result's trigger time: when the incident began. */
  openedAt: string;
  /** Set when the incident ended (an alarm back to OK). */
  resolvedAt?: string;
  /** The first result's message, re-rendered with the incident's status on every update. */
  parent: { text: string; blocks: unknown[] };
  counts: {
    actions: number;
    failed: number;
    /** Decisions a person must know about (held, awaiting approval). */
    held: number;
    /** Routine skips (duplicates, cooldowns), counted and never posted alone. */
    routine: number;
    /** Actions that ran, per verb: "1 scale, 1 restart". */
    verbs: Record<string, number>;
  };
}

const threadRetentionSeconds = 14 * 24 * 3600;

export async function getThread(
  store: StateStore,
  incidentKey: string,
): Promise<{ thread: IncidentThread; version: string } | undefined> {
  const record = await store.get<IncidentThread>(stateKeys.thread(incidentKey));
  return record && { thread: record.value, version: record.version };
}

/** Every live thread whose incident key starts with `prefix` (all clusters' threads of one alarm). */
export async function listThreads(
  store: StateStore,
  prefix: string,
): Promise<Array<{ key: string; thread: IncidentThread; version: string }>> {
  const records = await store.list<IncidentThread>(stateKeys.thread(prefix));
  return records.map((record) => ({
    key: record.key.slice(stateKeys.thread("").length),
    thread: record.value,
    version: record.version,
  }));
}

/**
 * Writes an incident's thread: the first writer (`version` undefined: only when there is none) or a
 * compare-and-set on the version read. Returns the new version, or undefined when someone else wrote
 * first — two results of one incident at once still give one parent.
 */
export async function writeThread(
  store: StateStore,
  incidentKey: string,
  thread: IncidentThread,
  options: { version: string | undefined; ttlSeconds?: number } & At,
): Promise<string | undefined> {
  const expiresAt = epochSeconds(nowOf(options)) + (options.ttlSeconds ?? threadRetentionSeconds);
  const written = await store.put(stateKeys.thread(incidentKey), thread, {
    ...(options.version === undefined ? { ifAbsent: true } : { ifVersion: options.version }),
    expiresAt,
  });
  return written?.version;
}

/** One result's notification: being posted (until a lease ends), or posted. */
export type NotificationClaim =
  | { state: "posting"; until: number }
  | { state: "posted"; channel: string; ts?: string; at: string };

const notificationRetentionSeconds = 7 * 24 * 3600;

/**
 * Claims the notification of one result (`stateKeys.notification(record id, time)`) for `leaseMs`.
 * `claimed`: post it, then `completeNotification` (or `releaseNotification` on failure). `posted`:
 * a redelivery — nothing to do. `in-flight`: another delivery holds it now. A claim whose lease
 * ended without being completed (its writer died) is taken over.
 */
export async function claimNotification(
  store: StateStore,
  key: string,
  options: { leaseMs: number } & At,
): Promise<{ outcome: "claimed"; version: string } | { outcome: "posted" | "in-flight" }> {
  const now = nowOf(options);
  const claim: NotificationClaim = { state: "posting", until: now.getTime() + options.leaseMs };
  const expiresAt = epochSeconds(now) + notificationRetentionSeconds;
  for (let attempt = 0; attempt < attempts; attempt++) {
    const written = await store.put(key, claim, { ifAbsent: true, expiresAt });
    if (written) return { outcome: "claimed", version: written.version };
    const existing = await store.get<NotificationClaim>(key);
    if (!existing) continue;
    if (existing.value.state === "posted") return { outcome: "posted" };
    if (existing.value.until > now.getTime()) return { outcome: "in-flight" };
    const taken = await store.put(key, claim, { ifVersion: existing.version, expiresAt });
    if (taken) return { outcome: "claimed", version: taken.version };
  }
  return { outcome: "in-flight" };
}

export async function completeNotification(
  store: StateStore,
  key: string,
  posted: { channel: string; ts?: string },
  options: At = {},
): Promise<void> {
  const now = nowOf(options);
  const claim: NotificationClaim = { state: "posted", ...posted, at: now.toISOString() };
  await store.put(key, claim, { expiresAt: epochSeconds(now) + notificationRetentionSeconds });
}

/** Gives a claim back after a failed post, so the redelivery posts it. */
export async function releaseNotification(store: StateStore, key: string): Promise<void> {
  await store.delete(key);
}
