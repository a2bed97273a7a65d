import { afterEach, describe, expect, it } from "vitest";
import type { HomeostatConfigInput } from "../config/schema.ts";
import { decide } from "../policy/decide.ts";
import type { ClusterFacts } from "../policy/plan.ts";
import { alarm, config, facts, instance, NOW, node } from "../policy/test-fixtures.ts";
import { stateKeys } from "../state/keys.ts";
import { disruptionHolders, getApproval } from "../state/records.ts";
import { SqliteStateStore } from "../state/sqlite.ts";
import type { PutOptions, StateStore } from "../state/store.ts";
import { disruptionLimit } from "./budget.ts";
import { plannedActionKey } from "./claims.ts";
import { activeFreeze } from "./freeze.ts";
import { guard } from "./guard.ts";
import type { GuardContext } from "./types.ts";

const stores: SqliteStateStore[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
});

/** A fresh in-memory store on a clock the test controls (the store decides expiry by its clock). */
function newStore(clock: { now: Date } = { now: NOW }) {
  const store = new SqliteStateStore({ clock: () => clock.now.getTime() });
  stores.push(store);
  return store;
}

function context(
  store: SqliteStateStore,
  overrides: Partial<HomeostatConfigInput> = {},
  clusterFacts: ClusterFacts = facts(),
): GuardContext {
  return { store, config: config(overrides), cluster: "prod", now: clusterFacts.now, facts: clusterFacts };
}

async function run(trigger: Parameters<typeof decide>[0], ctx: GuardContext) {
  return guard(decide(trigger, ctx.config, ctx.facts), ctx);
}

describe("guard: idempotency", () => {
  it("acts once on the same event delivered 20 times concurrently", async () => {
    const store = newStore();
    const ctx = context(store, { defaults: { cooldown: 0 } });
    const trigger = alarm();
    const results = await Promise.all(Array.from({ length: 20 }, () => run(trigger, ctx)));
    expect(results.flatMap((result) => result.run)).toHaveLength(1);
    const duplicates = results
      .flatMap((result) => result.skipped)
      .filter((skip) => skip.stage === "idempotency");
    expect(duplicates).toHaveLength(19);
    expect(duplicates[0]?.reason).toBe(`event ${trigger.id} was already handled (a duplicate delivery)`);
  });

  it("drains a node once for the several events one interruption produces", async () => {
    const store = newStore();
    const ctx = context(store, { defaults: { cooldown: 0 } });
    const spot = await run(instance("spot-interruption"), ctx);
    expect(spot.run.map((action) => action.verb)).toEqual(["drain"]);
    const hook = await run(instance("asg-terminate"), ctx);
    // the drain is already under way; the hook is still completed, at once
    expect(hook.run.map((action) => action.verb)).toEqual(["complete-lifecycle"]);
    expect(hook.run[0]).toMatchObject({ params: { afterDrain: false } });
    expect(hook.run[0]?.notes).toContain(
      "the drain is not running in this plan: completing the lifecycle action at once",
    );
    expect(hook.skipped.find((skip) => skip.stage === "idempotency")?.reason).toMatch(
      new RegExp(
        `^drain node .*: already done for another event about ${node(2).instanceId} \\(within 1h\\)$`,
      ),
    );
  });

  it("keeps an Auto Scaling hook pending when its drain waits for the budget, and asks for a retry", async () => {
    const store = newStore();
    const ctx = context(store, { defaults: { nodeDisruptionBudget: { maxUnavailable: 0 } } });
    const hook = await run(instance("asg-terminate"), ctx);
    // completing the hook now would terminate the node undrained: it waits, the event comes again
    expect(hook.run).toEqual([]);
    expect(
      hook.skipped.filter((skip) => skip.stage === "disruption-budget").map((skip) => skip.action?.verb),
    ).toEqual(["drain", "complete-lifecycle"]);
    expect(hook.retryLater).toMatch(/waits for a place in the node disruption budget/);
  });

  it("gives the cooldown back when a later check skips the action", async () => {
    const store = newStore();
    const ctx = context(store, { defaults: { nodeDisruptionBudget: { maxUnavailable: 0 } } });
    const first = await run(instance("spot-interruption"), ctx);
    expect(first.skipped.map((skip) => skip.stage)).toContain("disruption-budget");
    const target = { kind: "Node" as const, name: node(2).name };
    expect(await store.get(stateKeys.cooldown("prod", target))).toBeUndefined();
  });

  it("gives the node claim back when a later check skips the action", async () => {
    const store = newStore();
    const ctx = context(store, { defaults: { cooldown: 0, nodeDisruptionBudget: { maxUnavailable: 0 } } });
    const first = await run(instance("spot-interruption"), ctx);
    expect(first.skipped.map((skip) => skip.stage)).toContain("disruption-budget");
    expect(await store.get(stateKeys.nodeAction("prod", node(2).name, "drain"))).toBeUndefined();
  });
});

describe("guard: protected namespaces, freezes, bounds", () => {
  it("never touches a protected namespace", async () => {
    const store = newStore();
    const ctx = context(store);
    const result = await run(
      alarm({
        alarmName: "shop-coredns-cpu-high",
        dimensions: { ClusterName: "shop-prod", Namespace: "kube-system", Service: "coredns" },
      }),
      ctx,
    );
    expect(result.run).toEqual([]);
    expect(result.skipped.find((skip) => skip.stage === "protected-namespace")?.reason).toBe(
      "namespace kube-system is protected (defaults.protectedNamespaces): not touching deployment kube-system/coredns",
    );
  });

  it("holds actions during a freeze, except for policies that opt out", async () => {
    const store = newStore();
    const freezeWindows = [
      { name: "launch freeze", from: "2025-06-05T00:00:00Z", to: "2025-06-06T00:00:00Z" },
    ];
    const ctx = context(store, { defaults: { freezeWindows } });
    const scale = await run(alarm(), ctx);
    expect(scale.run).toEqual([]);
    expect(scale.skipped.find((skip) => skip.stage === "freeze")?.reason).toBe(
      "launch freeze is on until 2025-06-06T00:00:00.000Z: not running scale deployment shop/checkout by +2 (max 20)",
    );
    const drain = await run(instance("spot-interruption"), ctx); // drain-on-spot has guard.freeze: false
    expect(drain.run.map((action) => action.verb)).toEqual(["drain"]);
  });

  it("clamps an absolute change to the bounds and says so", async () => {
    const store = newStore();
    const ctx = context(store, {
      defaults: { replicas: { max: 10 } },
      policies: [
        {
          name: "big",
          match: { alarm: { names: ["*"] } },
          action: { verb: "scale", target: "shop/cart", change: 50 },
        },
      ],
    });
    const result = await run(alarm(), ctx);
    expect(result.run[0]).toMatchObject({ verb: "scale", params: { change: "10", max: 10 } });
    expect(result.run[0]?.notes).toEqual(["replicas clamped to 10 (max 10); asked for 50 from 2"]);
  });

  it("skips a relative change that the bound leaves without effect", async () => {
    const store = newStore();
    const atMax = facts({ workloads: { shop: [{ kind: "Deployment", name: "checkout", replicas: 20 }] } });
    const result = await run(alarm(), context(store, {}, atMax));
    expect(result.run).toEqual([]);
    expect(result.skipped.find((skip) => skip.stage === "replica-bounds")?.reason).toBe(
      "scale deployment shop/checkout by +2 (max 20): deployment shop/checkout already has 20 replicas, at its max 20",
    );
  });

  it("knows weekly freeze windows in their time zone, across midnight", () => {
    const weekly = [
      {
        name: "weekend",
        weekly: { days: ["Fri" as const], from: "22:00", to: "06:00", timezone: "Europe/Berlin" },
      },
    ];
    // Friday 2025-06-06 21:30 UTC = 23:30 Berlin (CEST): on
    expect(activeFreeze(weekly, new Date("2025-06-06T21:30:00Z"))).toMatchObject({ name: "weekend" });
    // Saturday 03:00 UTC = 05:00 Berlin: still on, from Friday
    expect(activeFreeze(weekly, new Date("2025-06-07T03:00:00Z"))?.until.toISOString()).toBe(
      "2025-06-07T04:00:00.000Z",
    );
    // Friday 19:00 UTC = 21:00 Berlin: not yet
    expect(activeFreeze(weekly, new Date("2025-06-06T19:00:00Z"))).toBeUndefined();
    // Saturday 22:30 Berlin: Saturday is not listed
    expect(activeFreeze(weekly, new Date("2025-06-07T20:30:00Z"))).toBeUndefined();
  });
});

describe("guard: cooldowns", () => {
  it("turns a storm of 1,000 alarm events for one target into one action per cooldown", async () => {
    const clock = { now: NOW };
    const store = newStore(clock);
    const ctx = context(store); // scale-out-on-cpu: default cooldown 5m
    const storm = await Promise.all(Array.from({ length: 1000 }, () => run(alarm(), ctx)));
    expect(storm.flatMap((result) => result.run)).toHaveLength(1);
    const cooling = storm.flatMap((result) => result.skipped).filter((skip) => skip.stage === "cooldown");
    expect(cooling).toHaveLength(999);
    expect(cooling[0]?.reason).toBe(
      "deployment shop/checkout is cooling down until 2025-06-05T12:05:00.000Z (cooldown 5m): not running scale deployment shop/checkout by +2 (max 20)",
    );
    // after the cooldown, the next alarm acts again
    clock.now = new Date(NOW.getTime() + 5 * 60_000 + 1000);
    const later = await run(alarm(), { ...ctx, now: clock.now, facts: facts({ now: clock.now }) });
    expect(later.run).toHaveLength(1);
  });

  it("keeps dry-run cooldowns apart from real ones", async () => {
    const store = newStore();
    const dry = context(store, {
      policies: [
        {
          name: "rehearse",
          match: { alarm: { names: ["*"] } },
          action: { verb: "restart", target: "shop/checkout" },
          guard: { dryRun: true },
        },
      ],
    });
    const real = context(store, {
      policies: [
        {
          name: "real",
          match: { alarm: { names: ["*"] } },
          action: { verb: "restart", target: "shop/checkout" },
        },
      ],
    });
    const rehearsal = await run(alarm(), dry);
    expect(rehearsal.run[0]).toMatchObject({
      verb: "restart",
      dryRun: true,
      notes: ["dry run (policy rehearse)"],
    });
    expect((await run(alarm(), real)).run[0]).toMatchObject({ verb: "restart", dryRun: false });
  });
});

describe("guard: node disruption budget", () => {
  const twentyNodes = () => facts({ nodes: Array.from({ length: 20 }, (_, index) => node(index + 1)) });

  it("reserves at most 2 of 20 simultaneous spot warnings for different nodes", async () => {
    const store = newStore();
    const clusterFacts = twentyNodes();
    const ctx = context(
      store,
      { defaults: { nodeDisruptionBudget: { maxUnavailable: 2, minHealthyNodes: 3 } } },
      clusterFacts,
    );
    const results = await Promise.all(
      clusterFacts.nodes.map((fact) =>
        run(instance("spot-interruption", { instanceId: fact.instanceId ?? "" }), ctx),
      ),
    );
    const drains = results.flatMap((result) => result.run);
    expect(drains).toHaveLength(2);
    expect(await disruptionHolders(store, "prod", { now: NOW })).toHaveLength(2);
    expect(drains.flatMap((action) => action.reservedNodes).sort()).toEqual(
      (await disruptionHolders(store, "prod", { now: NOW })).sort(),
    );
    const denied = results
      .flatMap((result) => result.skipped)
      .filter((skip) => skip.stage === "disruption-budget");
    expect(denied).toHaveLength(18);
    expect(denied[0]?.reason).toMatch(/^the node disruption budget is full: 2 of 2 places held \(ip-/);

    // a finished drain gives its place back, and the next node may go
    const first = results.find((result) => result.run.length > 0);
    if (first) await first.reservation.release(first.run);
    const next = await run(instance("spot-interruption", { instanceId: node(20).instanceId ?? "" }), ctx);
    expect(next.run.map((action) => action.verb)).toEqual(["drain"]);
  });

  it("rounds a percentage down, but allows at least one node unless it is 0%", () => {
    const budget = (maxUnavailable: number | string) => ({
      maxUnavailable,
      minHealthyNodes: 0,
      reservationTtl: 60,
    });
    expect(disruptionLimit(budget("10%"), 25)).toBe(2);
    expect(disruptionLimit(budget("10%"), 5)).toBe(1);
    expect(disruptionLimit(budget("0%"), 50)).toBe(0);
    expect(disruptionLimit(budget("100%"), 7)).toBe(7);
    expect(disruptionLimit(budget(3), 2)).toBe(3);
  });

  it("counts nodes already unschedulable or not ready against the budget", async () => {
    const store = newStore();
    const nodes = [
      node(1, { unschedulable: true }),
      node(2),
      node(3, { ready: false }),
      ...[4, 5, 6, 7].map((i) => node(i)),
    ];
    const ctx = context(
      store,
      { defaults: { nodeDisruptionBudget: { maxUnavailable: 2, minHealthyNodes: 1 } } },
      facts({ nodes }),
    );
    const result = await run(instance("spot-interruption"), ctx);
    expect(result.run).toEqual([]);
    expect(result.skipped.find((skip) => skip.stage === "disruption-budget")?.reason).toContain(
      `the node disruption budget is full: 1 held by automation + 2 already unschedulable or not ready (${node(1).name}, ${node(3).name}) > 2`,
    );
    expect(await disruptionHolders(store, "prod", { now: NOW })).toEqual([]);
  });

  it("keeps the floor of healthy nodes", async () => {
    const store = newStore();
    const nodes = [node(1), node(2), node(3)];
    const ctx = context(
      store,
      { defaults: { nodeDisruptionBudget: { maxUnavailable: 2, minHealthyNodes: 3 } } },
      facts({ nodes }),
    );
    const result = await run(instance("spot-interruption"), ctx);
    expect(result.skipped.find((skip) => skip.stage === "disruption-budget")?.reason).toBe(
      `disrupting ${node(2).name} would leave 2 healthy nodes, fewer than minHealthyNodes 3: not running drain node ${node(2).name} (${node(2).instanceId})`,
    );
  });

  it("reserves all or nothing for a plan that disrupts several nodes", async () => {
    const store = newStore();
    const ctx = context(
      store,
      {
        defaults: { cooldown: 0, nodeDisruptionBudget: { maxUnavailable: 2, minHealthyNodes: 0 } },
        policies: [
          {
            name: "cordon-2",
            match: { alarm: { names: ["*"] } },
            action: { verb: "cordon", target: node(2).name },
          },
          {
            name: "cordon-3",
            match: { alarm: { names: ["*"] } },
            action: { verb: "cordon", target: node(3).name },
          },
          {
            name: "cordon-4",
            match: { alarm: { names: ["*"] } },
            action: { verb: "cordon", target: node(4).name },
          },
        ],
      },
      facts({ nodes: [1, 2, 3, 4, 5, 6].map((i) => node(i)) }),
    );
    const result = await run(alarm(), ctx);
    expect(result.run).toEqual([]);
    expect(result.skipped.filter((skip) => skip.stage === "disruption-budget")).toHaveLength(3);
    expect(await disruptionHolders(store, "prod", { now: NOW })).toEqual([]);
  });

  it("reserves nothing for dry runs", async () => {
    const store = newStore();
    const ctx = context(store);
    const result = await guard(decide(instance("spot-interruption"), ctx.config, ctx.facts), {
      ...ctx,
      dryRun: true,
    });
    expect(result.run[0]).toMatchObject({
      verb: "drain",
      dryRun: true,
      reservedNodes: [],
      notes: ["dry run"],
    });
    expect(await disruptionHolders(store, "prod", { now: NOW })).toEqual([]);
  });
});

describe("guard: rehearsals", () => {
  it("a dry run of an event does not make its real delivery a duplicate", async () => {
    const store = newStore();
    const ctx = context(store);
    const trigger = instance("spot-interruption");
    const rehearsal = await run(trigger, { ...ctx, dryRun: true });
    expect(rehearsal.run).toEqual([expect.objectContaining({ verb: "drain", dryRun: true })]);
    const real = await run(trigger, ctx);
    expect(real.run).toEqual([expect.objectContaining({ verb: "drain", dryRun: false })]);
    // and the real one is claimed: a redelivery is a duplicate
    const again = await run(trigger, ctx);
    expect(again.run).toEqual([]);
    expect(again.skipped.map((skip) => skip.stage)).toContain("idempotency");
  });
});

describe("guard: redeliveries and failures", () => {
  it("skips an action an earlier delivery of the same event already ran", async () => {
    const store = newStore();
    const ctx = context(store, { defaults: { cooldown: 0 } });
    const trigger = instance("spot-interruption");
    const plan = decide(trigger, ctx.config, ctx.facts);
    const [drain] = plan.actions;
    if (!drain) throw new Error("no action planned");
    // what the pipeline writes for an action that ran, before it asks for a redelivery
    await store.put(stateKeys.actionDone("prod", trigger.id, plannedActionKey(drain)), {
      at: NOW.toISOString(),
    });
    const again = await guard(plan, ctx);
    expect(again.run).toEqual([]);
    expect(again.skipped).toContainEqual(
      expect.objectContaining({
        stage: "idempotency",
        reason: expect.stringMatching(/already done by an earlier delivery/),
      }),
    );
  });

  it("gives back the event claim and every place it took when the store fails half-way", async () => {
    const real = newStore();
    let failCooldown = true;
    // the real store, failing once on the cooldown write (a DynamoDB throttle, say)
    const flaky: StateStore = {
      get: real.get.bind(real),
      delete: real.delete.bind(real),
      list: real.list.bind(real),
      addToBoundedSet: real.addToBoundedSet.bind(real),
      removeFromSet: real.removeFromSet.bind(real),
      put: (async (key: string, value: unknown, options?: PutOptions) => {
        if (failCooldown && key.startsWith("cooldown#")) {
          failCooldown = false;
          throw new Error("ThrottlingException");
        }
        return real.put(key, value, options);
      }) as StateStore["put"],
    };
    const ctx = { ...context(real), store: flaky };
    const trigger = instance("spot-interruption");
    await expect(run(trigger, ctx)).rejects.toThrow("ThrottlingException");
    // the redelivery is not a duplicate: it runs
    const retried = await run(trigger, context(real));
    expect(retried.run).toEqual([expect.objectContaining({ verb: "drain" })]);
  });
});

describe("guard: approval", () => {
  it("records a pending approval and skips with its id, once per cooldown", async () => {
    const store = newStore();
    const ctx = context(store, {
      policies: [
        {
          name: "careful",
          match: { alarm: { names: ["*"] } },
          action: { verb: "restart", target: "shop/checkout" },
          guard: { approval: true },
        },
      ],
    });
    const first = await run(alarm(), ctx);
    expect(first.run).toEqual([]);
    const waiting = first.skipped.find((skip) => skip.stage === "approval");
    expect(waiting?.reason).toBe(
      `awaiting approval ${waiting?.approvalId}: restart deployment shop/checkout`,
    );
    const approval = await getApproval(store, waiting?.approvalId ?? "", { now: NOW });
    expect(approval).toMatchObject({ status: "pending", action: { verb: "restart", policy: "careful" } });
    expect(approval?.expiresAt).toBe("2025-06-05T13:00:00.000Z");
    const second = await run(alarm(), ctx);
    expect(second.skipped.map((skip) => skip.stage)).toEqual(["cooldown"]);
  });

  it("reserves no budget place for a drain awaiting approval", async () => {
    const store = newStore();
    const ctx = context(store, {
      policies: [
        {
          name: "ask-first",
          match: { instance: { events: ["spot-interruption"] } },
          action: { verb: "drain", target: "trigger-node" },
          guard: { approval: true },
        },
      ],
    });
    const result = await run(instance("spot-interruption"), ctx);
    expect(result.skipped.map((skip) => skip.stage)).toEqual(["approval"]);
    expect(await disruptionHolders(store, "prod", { now: NOW })).toEqual([]);
  });
  it("makes every action wait when the run requires approval, recording who asked, and lets the granted run through", async () => {
    const store = newStore();
    const plain = context(store, {
      policies: [
        {
          name: "restart-on-alarm",
          match: { alarm: { names: ["*"] } },
          action: { verb: "restart", target: "shop/checkout" },
        },
      ],
    });
    const asking = { ...plain, approval: { required: true, requester: "U0ALICE", timeoutSeconds: 600 } };
    const first = await run(alarm(), asking);
    expect(first.run).toEqual([]);
    const waiting = first.skipped.find((skip) => skip.stage === "approval");
    const approval = await getApproval(store, waiting?.approvalId ?? "", { now: NOW });
    expect(approval).toMatchObject({
      status: "pending",
      cluster: "prod",
      requester: "U0ALICE",
      heldClaims: [expect.stringMatching(/^cooldown#prod#/)],
      expiresAt: new Date(NOW.getTime() + 600_000).toISOString(),
    });
    // the approved run: the wait's cooldown given back (as the Slack click does), nothing waits again
    for (const claim of approval?.heldClaims ?? []) await store.delete(claim);
    const careful = context(store, {
      policies: [
        {
          name: "restart-on-alarm",
          match: { alarm: { names: ["*"] } },
          action: { verb: "restart", target: "shop/checkout" },
          guard: { approval: true },
        },
      ],
    });
    const granted = await run(alarm(), { ...careful, approval: { granted: waiting?.approvalId ?? "" } });
    expect(granted.run).toEqual([expect.objectContaining({ verb: "restart" })]);
    expect(granted.skipped.filter((skip) => skip.stage !== "decide")).toEqual([]);
  });
});

describe("guard: reporting", () => {
  it("passes decide's skips through with stage decide", async () => {
    const store = newStore();
    const ctx = context(store);
    const result = await run(alarm({ state: "OK" }), ctx);
    expect(result.run).toEqual([]);
    expect(result.skipped).toContainEqual({
      policy: "scale-out-on-cpu",
      reason: "alarm state OK is not one of ALARM",
      stage: "decide",
    });
  });
});
