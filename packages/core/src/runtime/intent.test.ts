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

describe("intents: a retry completes what the first attempt set out to do", () => {
  it("a relative scale keeps the count its first attempt was based on", async () => {
    const store = new SqliteStateStore({ path: ":memory:" });
    const context = { store, cluster: "prod", eventId: "evt-1" };
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
    const context = { store, cluster: "prod", eventId: "evt-1" };
    const first = await intendedAction(restart, { ...context, now: new Date("2026-12-01T09:00:00Z") });
    const retry = await intendedAction(restart, { ...context, now: new Date("2026-12-01T09:03:00Z") });
    expect(first.params).toEqual({ restartedAt: "2026-12-01T09:00:00Z" });
    expect(retry.params).toEqual(first.params);
    await store.close();
  });

  it("a dry run records nothing", async () => {
    const store = new SqliteStateStore({ path: ":memory:" });
    const context = { store, cluster: "prod", eventId: "evt-1" };
    await intendedAction({ ...scale(3), dryRun: true }, context);
    expect((await intendedAction(scale(4), context)).params).toMatchObject({ currentReplicas: 4 });
    await store.close();
  });
});
