import { describe, expect, it } from "vitest";
import type { GuardedAction } from "../guard/types.ts";
import { SqliteStateStore } from "../state/sqlite.ts";
import { intendedAction } from "./intent.ts";

const guarded = { dryRun: false, notes: [], reservedNodes: [], claims: [], policy: "p", reason: "r" };
const scale = (currentReplicas: number): GuardedAction => ({
  ...guarded,
  verb: "scale",
  target: { kind: "Deployment", namespace: "shop", name: "checkout" },
  params: { change: "+1", currentReplicas },
});
const restart: GuardedAction = {
  ...guarded,
  verb: "restart",
  target: { kind: "Deployment", namespace: "shop", name: "web" },
  params: {},
};

const rollback: GuardedAction = {
  ...guarded,
  verb: "rollback",
  target: { kind: "Deployment", namespace: "shop", name: "web" },
  params: {},
};
const noRollback = async (): Promise<string> => {
  throw new Error("only a rollback reads its target");
};

describe("intents: a retry completes what the first attempt set out to do", () => {
  it("a relative scale keeps the count its first attempt was based on", async () => {
    const store = new SqliteStateStore({ path: ":memory:" });
    const context = { store, cluster: "prod", eventId: "evt-1", rollbackTarget: noRollback };
    // the first attempt read 3; its write landed (4) but the answer was lost, so the retry read 4
    const first = await intendedAction(scale(3), context);
    const retry = await intendedAction(scale(4), context);
    expect(first.params).toMatchObject({ currentReplicas: 3 });
    expect(retry.params).toMatchObject({ currentReplicas: 3 });
    // another event is another intent
    expect((await intendedAction(scale(4), { ...context, eventId: "evt-2" })).params).toMatchObject({
      currentReplicas: 4,
    });
    await store.close();
  });

  it("a restart writes the stamp of its first attempt", async () => {
    const store = new SqliteStateStore({ path: ":memory:" });
    const context = { store, cluster: "prod", eventId: "evt-1", rollbackTarget: noRollback };
    // times near the store's own clock: the intent's record expires a day after its first attempt
    const firstAt = new Date(Math.floor(Date.now() / 1000) * 1000);
    const first = await intendedAction(restart, { ...context, now: firstAt });
    const retry = await intendedAction(restart, {
      ...context,
      now: new Date(firstAt.getTime() + 3 * 60_000),
    });
    expect(first.params).toEqual({ restartedAt: firstAt.toISOString().replace(".000Z", "Z") });
    expect(retry.params).toEqual(first.params);
    await store.close();
  });

  it("a rollback restores the template its first attempt chose, read once, not 'the previous revision' again", async () => {
    const store = new SqliteStateStore({ path: ":memory:" });
    // the first attempt would restore web-2's template; after it landed, "previous" would be the bad web-3
    const choices = ["web-7d9f", "web-5c4b"];
    const reads: string[] = [];
    const context = {
      store,
      cluster: "prod",
      eventId: "evt-1",
      rollbackTarget: async () => {
        const next = choices[reads.length] ?? "";
        reads.push(next);
        return next;
      },
    };
    const first = await intendedAction(rollback, context);
    const retry = await intendedAction(rollback, context);
    expect(first.params).toEqual({ toReplicaSet: "web-7d9f" });
    expect(retry.params).toEqual({ toReplicaSet: "web-7d9f" });
    expect(reads).toEqual(["web-7d9f"]);
    await store.close();
  });

  it("a dry run records nothing", async () => {
    const store = new SqliteStateStore({ path: ":memory:" });
    const context = { store, cluster: "prod", eventId: "evt-1", rollbackTarget: noRollback };
    await intendedAction({ ...scale(3), dryRun: true }, context);
    expect((await intendedAction(scale(4), context)).params).toMatchObject({ currentReplicas: 4 });
    await store.close();
  });
});
