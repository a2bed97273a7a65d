import { describe, expect, it } from "vitest";
import { decide } from "../policy/decide.ts";
import { config, facts, instance, NOW, node } from "../policy/test-fixtures.ts";
import { stateKeys } from "../state/keys.ts";
import { disruptionHolders } from "../state/records.ts";
import { SqliteStateStore } from "../state/sqlite.ts";
import { eventClaimKey, plannedActionKey } from "./claims.ts";
import { guard } from "./guard.ts";

describe("the reservation a guard hands back", () => {
  it("owns the claim lifecycle: release gives back budget places; a retry marks what ran and frees the rest", async () => {
    const store = new SqliteStateStore({ clock: () => NOW.getTime() });
    const cfg = config();
    const clusterFacts = facts({ nodes: [1, 2, 3, 4, 5].map((index) => node(index)) });
    const trigger = instance("spot-interruption");
    const guarded = await guard(decide(trigger, cfg, clusterFacts), {
      store,
      config: cfg,
      cluster: "prod",
      now: NOW,
      facts: clusterFacts,
    });
    const [drain] = guarded.run;
    expect(drain?.verb).toBe("drain");
    if (!drain) return;
    expect(guarded.reservation.claims).toContain(eventClaimKey("prod", trigger.id, false));
    expect(await disruptionHolders(store, "prod", { now: NOW })).toEqual(drain.reservedNodes);

    await guarded.reservation.release(guarded.run);
    expect(await disruptionHolders(store, "prod", { now: NOW })).toEqual([]);

    // the drain failed transiently: nothing is marked done, and every claim is free for the retry
    await guarded.reservation.markDone([{ action: drain, ok: false }], NOW);
    await guarded.reservation.releaseForRetry([{ action: drain, ok: false }]);
    expect(
      await store.get(stateKeys.actionDone("prod", trigger.id, plannedActionKey(drain))),
    ).toBeUndefined();
    for (const claim of guarded.reservation.claims) expect(await store.get(claim)).toBeUndefined();
    expect(JSON.parse(JSON.stringify(guarded)).reservation.claims).toEqual(guarded.reservation.claims);
    await store.close();
  });
});
