import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type AuditRecord, defaultAuditRetentionDays, listAudit, putAudit, readAudit } from "./audit-log.ts";
import { stateKeys } from "./keys.ts";
import {
  acquireCooldown,
  claimEvent,
  claimNotification,
  completeNotification,
  describeApprovalRequest,
  disruptionHolders,
  forgetReplicas,
  getApproval,
  getThread,
  type IncidentThread,
  listThreads,
  priorReplicas,
  recordPendingApproval,
  releaseClaim,
  releaseDisruption,
  releaseNotification,
  rememberReplicas,
  reserveDisruption,
  resolveApproval,
  writeThread,
} from "./records.ts";
import { SqliteStateStore } from "./sqlite.ts";

// The records run on the in-memory sqlite store with a clock the test moves, so expiry is exercised
// without waiting. The same records on DynamoDB run in test/state-contract.int.ts.
let nowMs = Date.parse("2025-03-01T12:00:00Z");
const now = () => new Date(nowMs);
let store: SqliteStateStore;

beforeEach(() => {
  nowMs = Date.parse("2025-03-01T12:00:00Z");
  store = new SqliteStateStore({ clock: () => nowMs });
});
afterEach(() => store.close());

describe("claimEvent", () => {
  it("lets exactly one of 20 concurrent deliveries of one event through", async () => {
    const claims = await Promise.all(
      Array.from({ length: 20 }, () =>
        claimEvent(store, stateKeys.event("evt-1"), { ttlSeconds: 3600, now: now() }),
      ),
    );
    expect(claims.filter(Boolean)).toHaveLength(1);
  });

  it("claims per node action, and again once the claim expires or is released", async () => {
    const key = stateKeys.nodeAction("prod", "ip-10-0-0-1", "drain");
    expect(key).toBe("node#prod#ip-10-0-0-1#drain");
    expect(await claimEvent(store, key, { ttlSeconds: 60, now: now() })).toBe(true);
    expect(await claimEvent(store, key, { ttlSeconds: 60, now: now() })).toBe(false);
    nowMs += 60_000;
    expect(await claimEvent(store, key, { ttlSeconds: 60, now: now() })).toBe(true);
    await releaseClaim(store, key);
    expect(await claimEvent(store, key, { ttlSeconds: 60, now: now() })).toBe(true);
  });
});

describe("acquireCooldown", () => {
  it("acquires once per cooldown and says until when", async () => {
    const key = stateKeys.cooldown(
      "prod",
      { kind: "Deployment", namespace: "shop", name: "checkout" },
      "scale-out",
    );
    expect(key).toBe("cooldown#prod#deployment/shop/checkout#scale-out");
    const first = await acquireCooldown(store, key, { cooldownSeconds: 300, now: now() });
    expect(first).toEqual({ acquired: true, until: new Date(nowMs + 300_000) });
    const storm = await Promise.all(
      Array.from({ length: 50 }, () => acquireCooldown(store, key, { cooldownSeconds: 300, now: now() })),
    );
    expect(storm.every((result) => !result.acquired && result.until.getTime() === nowMs + 300_000)).toBe(
      true,
    );
    nowMs += 300_000;
    expect((await acquireCooldown(store, key, { cooldownSeconds: 300, now: now() })).acquired).toBe(true);
  });
});

describe("disruption budget", () => {
  it("never grants more than max places, and a released or lapsed place is free again", async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        reserveDisruption(store, "prod", `node-${index}`, { max: 2, ttlSeconds: 900, now: now() }),
      ),
    );
    const holders = results.flatMap((result, index) => (result.reserved ? [`node-${index}`] : []));
    expect(holders).toHaveLength(2);
    expect(await disruptionHolders(store, "prod", { now: now() })).toEqual([...holders].sort());
    // a retried event for a node that holds a place keeps it
    expect(
      (await reserveDisruption(store, "prod", holders[0] ?? "", { max: 2, ttlSeconds: 900, now: now() }))
        .reserved,
    ).toBe(true);
    await releaseDisruption(store, "prod", holders[0] ?? "");
    expect(
      (await reserveDisruption(store, "prod", "node-new", { max: 2, ttlSeconds: 900, now: now() })).reserved,
    ).toBe(true);
    nowMs += 901_000;
    expect(await disruptionHolders(store, "prod", { now: now() })).toEqual([]);
    expect(
      (await reserveDisruption(store, "other", "n", { max: 2, ttlSeconds: 9, now: now() })).holders,
    ).toEqual(["n"]);
  });
});

describe("prior replicas", () => {
  const ref = { cluster: "dev", namespace: "shop", kind: "Deployment", name: "web" };

  it("keeps the first remembered count: a second scale-down does not overwrite it with 0", async () => {
    expect(await priorReplicas(store, ref)).toBeUndefined();
    const first = await rememberReplicas(store, { ...ref, replicas: 5, policy: "nightly", now: now() });
    expect(first).toMatchObject({ remembered: true, prior: { replicas: 5, policy: "nightly" } });
    const second = await rememberReplicas(store, { ...ref, replicas: 0, policy: "nightly", now: now() });
    expect(second).toMatchObject({ remembered: false, prior: { replicas: 5 } });
    expect((await priorReplicas(store, ref))?.replicas).toBe(5);
    await forgetReplicas(store, ref);
    expect(await priorReplicas(store, ref)).toBeUndefined();
    expect(
      (await rememberReplicas(store, { ...ref, replicas: 2, policy: "nightly", now: now() })).prior.replicas,
    ).toBe(2);
  });
});

describe("approvals", () => {
  it("lets exactly one of two concurrent approvers decide", async () => {
    await recordPendingApproval(store, {
      id: "a1",
      action: { verb: "drain", node: "n1" },
      requestedBy: "homeostat",
      expiresAt: new Date(nowMs + 3_600_000),
      now: now(),
    });
    expect((await getApproval(store, "a1", { now: now() }))?.status).toBe("pending");
    const [alice, bob] = await Promise.all([
      resolveApproval(store, "a1", { decision: "approved", by: "alice", now: now() }),
      resolveApproval(store, "a1", { decision: "denied", by: "bob", now: now() }),
    ]);
    const results = [alice, bob];
    expect(results.filter((result) => result.ok)).toHaveLength(1);
    const loser = results.find((result) => !result.ok);
    expect(loser).toMatchObject({ ok: false, reason: "already-resolved" });
    const stored = await getApproval(store, "a1", { now: now() });
    expect(stored?.resolvedBy).toBe(alice.ok ? "alice" : "bob");
  });

  it("keeps the first record on a redelivery, and reports expired and unknown approvals", async () => {
    const expiresAt = new Date(nowMs + 60_000);
    expect(
      (await recordPendingApproval(store, { id: "a2", action: 1, expiresAt, now: now() })).recorded,
    ).toBe(true);
    const again = await recordPendingApproval(store, { id: "a2", action: 2, expiresAt, now: now() });
    expect(again).toMatchObject({ recorded: false, approval: { action: 1 } });
    nowMs += 61_000;
    expect(
      await resolveApproval(store, "a2", { decision: "approved", by: "alice", now: now() }),
    ).toMatchObject({
      ok: false,
      reason: "expired",
    });
    expect(await resolveApproval(store, "nope", { decision: "approved", by: "alice", now: now() })).toEqual({
      ok: false,
      reason: "not-found",
    });
  });
  it("keeps the request's fields, and records its Slack message only while it is pending", async () => {
    const expiresAt = new Date(nowMs + 60_000);
    await recordPendingApproval(store, {
      id: "a3",
      action: { verb: "scale" },
      cluster: "prod",
      requestedBy: "slack:U0ALICE (alice)",
      requester: "U0ALICE",
      origin: "slack /homeostat in C0OPS",
      heldClaims: ["cooldown#prod#deployment/shop/web"],
      expiresAt,
      now: now(),
    });
    const message = { channel: "C0OPS", ts: "1700000000.000100" };
    expect(await describeApprovalRequest(store, "a3", { message })).toBe(true);
    expect(await getApproval(store, "a3", { now: now() })).toMatchObject({
      cluster: "prod",
      requester: "U0ALICE",
      origin: "slack /homeostat in C0OPS",
      heldClaims: ["cooldown#prod#deployment/shop/web"],
      message,
      status: "pending",
    });
    await resolveApproval(store, "a3", { decision: "denied", by: "bob", now: now() });
    expect(await describeApprovalRequest(store, "a3", { message: { channel: "C0X", ts: "1" } })).toBe(false);
    expect(await getApproval(store, "a3", { now: now() })).toMatchObject({ status: "denied", message });
    expect(await describeApprovalRequest(store, "nope", { message })).toBe(false);
  });
});

describe("Slack threads and notifications", () => {
  const thread = (channel: string): IncidentThread => ({
    channel,
    title: "alarm HighCPU on prod",
    parentClaim: "notified#evt-1#2025-03-01T12:00:00.000Z",
    openedAt: "2025-03-01T12:00:00Z",
    parent: { text: "scaled", blocks: [] },
    counts: { actions: 1, failed: 0, held: 0, routine: 0, verbs: { scale: 1 } },
  });

  it("lets one of two racing writers open an incident's thread, and the other update it only by version", async () => {
    const [a, b] = await Promise.all([
      writeThread(store, "alarm#HighCPU#prod", thread("C1"), { version: undefined, now: now() }),
      writeThread(store, "alarm#HighCPU#prod", thread("C2"), { version: undefined, now: now() }),
    ]);
    expect([a, b].filter(Boolean)).toHaveLength(1);
    const read = await getThread(store, "alarm#HighCPU#prod");
    expect(read?.version).toBe(a ?? b);
    const stale = "not-the-version";
    expect(await writeThread(store, "alarm#HighCPU#prod", thread("C3"), { version: stale, now: now() })).toBe(
      undefined,
    );
    expect(
      await writeThread(
        store,
        "alarm#HighCPU#prod",
        { ...thread("C1"), ts: "1.2" },
        { version: read?.version, now: now() },
      ),
    ).toBeDefined();
    expect((await listThreads(store, "alarm#HighCPU#")).map(({ key, thread }) => [key, thread.ts])).toEqual([
      ["alarm#HighCPU#prod", "1.2"],
    ]);
  });

  it("claims a result's notification once; a completed one is posted, a lapsed lease is taken over", async () => {
    const key = "notified#evt-1#2025-03-01T12:00:00.000Z";
    const claims = await Promise.all(
      Array.from({ length: 5 }, () => claimNotification(store, key, { leaseMs: 60_000, now: now() })),
    );
    expect(claims.filter((claim) => claim.outcome === "claimed")).toHaveLength(1);
    expect(claims.filter((claim) => claim.outcome === "in-flight")).toHaveLength(4);
    await completeNotification(store, key, { channel: "C1", ts: "1.1" }, { now: now() });
    expect((await claimNotification(store, key, { leaseMs: 60_000, now: now() })).outcome).toBe("posted");

    const lapsed = "notified#evt-2#2025-03-01T12:00:00.000Z";
    await claimNotification(store, lapsed, { leaseMs: -1, now: now() });
    expect((await claimNotification(store, lapsed, { leaseMs: 60_000, now: now() })).outcome).toBe("claimed");
    await releaseNotification(store, lapsed);
    expect((await claimNotification(store, lapsed, { leaseMs: 60_000, now: now() })).outcome).toBe("claimed");
  });
});

describe("audit", () => {
  const record = (id: string, time: string): AuditRecord => ({
    id,
    time,
    trigger: { id: `t-${id}`, kind: "alarm", summary: "alarm HighCPU → ALARM" },
    policy: "scale-out",
    actor: "homeostat",
    verb: "scale",
    target: { kind: "Deployment", namespace: "shop", name: "checkout" },
    dryRun: false,
    ok: true,
    changed: true,
    before: { replicas: 2 },
    after: { replicas: 4 },
    message: "scaled shop/checkout from 2 to 4",
    warnings: [],
    durationMs: 12,
    apiRequests: 2,
  });

  it("lists newest first, from a time, with a limit, and expires after the retention", async () => {
    const key = await putAudit(store, record("r1", "2025-03-01T10:00:00+00:00"));
    expect(key).toBe("audit#2025-03-01T10:00:00.000Z#r1");
    await putAudit(store, record("r2", "2025-03-01T11:00:00Z"));
    await putAudit(store, record("r3", "2025-03-01T11:30:00Z"));
    expect((await listAudit(store)).map((r) => r.id)).toEqual(["r3", "r2", "r1"]);
    expect((await listAudit(store, { limit: 1 })).map((r) => r.id)).toEqual(["r3"]);
    expect((await listAudit(store, { since: new Date("2025-03-01T11:00:00Z") })).map((r) => r.id)).toEqual([
      "r3",
      "r2",
    ]);
    expect((await listAudit(store))[2]).toEqual(record("r1", "2025-03-01T10:00:00.000Z"));
    nowMs = Date.parse("2025-03-01T10:00:00Z") + defaultAuditRetentionDays * 86_400_000;
    expect((await listAudit(store)).map((r) => r.id)).toEqual(["r3", "r2"]);
  });

  it("reads a record by its id: the attempt with an undo, whichever attempt came later", async () => {
    expect(await readAudit(store, "r1")).toBeUndefined();
    const failed = { ...record("r1", "2025-03-01T10:00:00Z"), ok: false, changed: false };
    await putAudit(store, failed);
    expect(await readAudit(store, "r1")).toEqual({ ...failed, time: "2025-03-01T10:00:00.000Z" });
    const target = { kind: "Deployment", namespace: "shop", name: "checkout" } as const;
    const undo = { verb: "scale", target, params: { change: "2" } } as const;
    const done = { ...record("r1", "2025-03-01T10:01:00.000Z"), undo };
    await putAudit(store, done);
    const skipped = { ...record("r1", "2025-03-01T10:02:00.000Z"), changed: false, skippedBy: "idempotency" };
    await putAudit(store, skipped);
    expect(await readAudit(store, "r1")).toEqual(done);
    expect((await listAudit(store)).map((r) => r.time)).toHaveLength(3);
    nowMs = Date.parse("2025-03-01T10:01:00Z") + defaultAuditRetentionDays * 86_400_000;
    expect(await readAudit(store, "r1")).toBeUndefined();
  });

  it("rejects a record without a valid time", async () => {
    await expect(putAudit(store, record("bad", "yesterday"))).rejects.toThrow(/invalid time "yesterday"/);
  });
});
