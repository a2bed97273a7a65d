import { describe, expect, it } from "vitest";
import type { HomeostatConfigInput } from "../config/schema.ts";
import type { RolloutStalledTrigger } from "../events/trigger.ts";
import { decide } from "./decide.ts";
import type { Plan } from "./plan.ts";
import {
  alarm,
  command,
  config,
  facts,
  instance,
  NOW,
  node,
  officeHoursPolicy,
  schedule,
} from "./test-fixtures.ts";

const reasonsOf = (plan: Plan, policy: string) =>
  plan.skipped.filter((skipped) => skipped.policy === policy).map((skipped) => skipped.reason);

describe("decide: every policy plans or says why not", () => {
  it("accounts for every policy of the config", () => {
    const cfg = config();
    const plan = decide(alarm(), cfg, facts());
    const mentioned = new Set([...plan.actions.map((a) => a.policy), ...plan.skipped.map((s) => s.policy)]);
    expect([...mentioned].sort()).toEqual(cfg.policies.map((p) => p.name).sort());
    expect(reasonsOf(plan, "drain-on-spot")).toEqual(["matches instance events, and this is an alarm"]);
  });

  it("is pure: the same input gives the same plan and leaves the input alone", () => {
    const cfg = config();
    const trigger = alarm();
    const clusterFacts = facts();
    const snapshot = structuredClone(clusterFacts);
    expect(decide(trigger, cfg, clusterFacts)).toEqual(decide(trigger, cfg, clusterFacts));
    expect(clusterFacts).toEqual(snapshot);
  });

  it("skips policies of other clusters", () => {
    const plan = decide(alarm(), config(), facts({ cluster: "staging" }));
    expect(plan.actions).toEqual([]);
    expect(reasonsOf(plan, "scale-out-on-cpu")).toEqual([
      "runs on cluster prod, and this run is for cluster staging",
    ]);
  });
});

describe("decide: alarms", () => {
  it("scales the workload the Container Insights dimensions name", () => {
    const plan = decide(alarm(), config(), facts());
    expect(plan.actions).toEqual([
      {
        policy: "scale-out-on-cpu",
        verb: "scale",
        target: { kind: "Deployment", namespace: "shop", name: "checkout" },
        params: { change: "+2", max: 20, currentReplicas: 4 },
        reason: "alarm shop-checkout-cpu-high is ALARM: scale deployment shop/checkout by +2 (max 20)",
        undo: {
          verb: "scale",
          target: { kind: "Deployment", namespace: "shop", name: "checkout" },
          params: { change: "4" },
        },
      },
    ]);
  });

  it("skips when the state is not one of the policy's", () => {
    const plan = decide(alarm({ state: "OK" }), config(), facts());
    expect(plan.actions).toEqual([]);
    expect(reasonsOf(plan, "scale-out-on-cpu")).toEqual(["alarm state OK is not one of ALARM"]);
  });

  it("skips alarms whose name matches no pattern", () => {
    const plan = decide(alarm({ alarmName: "shop-checkout-latency" }), config(), facts());
    expect(reasonsOf(plan, "scale-out-on-cpu")).toEqual([
      "alarm shop-checkout-latency matches none of shop-*-cpu-high",
    ]);
  });

  it("skips alarms of another cluster's dimensions", () => {
    const plan = decide(
      alarm({ dimensions: { ClusterName: "shop-staging", Namespace: "shop", Service: "checkout" } }),
      config(),
      facts(),
    );
    expect(reasonsOf(plan, "scale-out-on-cpu")).toEqual([
      "alarm dimension ClusterName is shop-staging, not shop-prod",
    ]);
  });

  it("explains that composite alarms carry no dimensions", () => {
    const plan = decide(alarm({ alarmType: "composite", dimensions: {} }), config(), facts());
    expect(reasonsOf(plan, "scale-out-on-cpu")).toEqual([
      "alarm shop-checkout-cpu-high has no dimension ClusterName (a composite alarm carries no dimensions); the policy wants ClusterName=shop-prod",
    ]);
  });

  it("cannot name a target when the dimension is missing", () => {
    const plan = decide(
      alarm({ dimensions: { ClusterName: "shop-prod", Namespace: "shop" } }),
      config(),
      facts(),
    );
    expect(reasonsOf(plan, "scale-out-on-cpu")).toEqual([
      "alarm shop-checkout-cpu-high has no Service dimension: cannot tell which workload to act on",
    ]);
  });

  it("takes the kind of a dimension-named workload from the facts", () => {
    const plan = decide(
      alarm({ alarmName: "dev-db-cpu-high", dimensions: { Namespace: "dev", Service: "db" } }),
      config({
        policies: [
          {
            name: "p",
            match: { alarm: { names: ["*-cpu-high"] } },
            action: { verb: "restart", target: { fromDimensions: {} } },
          },
        ],
      }),
      facts(),
    );
    expect(plan.actions[0]?.target).toEqual({ kind: "StatefulSet", namespace: "dev", name: "db" });
    expect(plan.actions[0]?.reason).toBe("alarm dev-db-cpu-high is ALARM: restart statefulset dev/db");
  });

  it("plans the same verb on the same target once when two policies ask", () => {
    const twin: HomeostatConfigInput["policies"] = [
      {
        name: "first",
        match: { alarm: { names: ["*"] } },
        action: { verb: "scale", target: "shop/checkout", change: "+2" },
      },
      {
        name: "second",
        match: { alarm: { names: ["shop-*"] } },
        action: { verb: "scale", target: "shop/checkout", change: "+3" },
      },
    ];
    const plan = decide(alarm(), config({ policies: twin }), facts());
    expect(plan.actions.map((action) => action.policy)).toEqual(["first"]);
    expect(reasonsOf(plan, "second")).toEqual([
      "scale deployment shop/checkout by +3 is already planned by policy first",
    ]);
  });
});

describe("decide: instance events", () => {
  it("drains exactly the node whose providerID ends in the instance id", () => {
    const nodes = [node(1), node(2), node(3, { instanceId: `${node(2).instanceId}1` })];
    const plan = decide(instance("spot-interruption"), config(), facts({ nodes }));
    expect(plan.actions).toHaveLength(1);
    expect(plan.actions[0]).toMatchObject({
      policy: "drain-on-spot",
      verb: "drain",
      target: { kind: "Node", name: node(2).name, instanceId: node(2).instanceId },
      params: {
        ignoreDaemonSets: true,
        deleteEmptyDirData: true,
        force: false,
        timeoutSeconds: 120,
      },
      undo: { verb: "uncordon", target: { kind: "Node", name: node(2).name } },
    });
    expect(plan.actions[0]?.reason).toBe(
      `spot interruption warning (terminate) for ${node(2).instanceId} (node ${node(2).name}): drain node ${node(2).name} (${node(2).instanceId})`,
    );
  });

  it("never matches an instance id by prefix", () => {
    const plan = decide(
      instance("spot-interruption", { instanceId: "i-0abc" }),
      config(),
      facts({ nodes: [node(1, { instanceId: "i-0abc1" })] }),
    );
    expect(plan.actions).toEqual([]);
    expect(reasonsOf(plan, "drain-on-spot")).toEqual([
      "instance i-0abc is not a node of cluster prod: nothing to drain",
    ]);
  });

  it("skips event kinds the policy does not list", () => {
    const plan = decide(instance("rebalance-recommendation"), config(), facts());
    expect(reasonsOf(plan, "drain-on-spot")).toEqual([
      "instance event rebalance-recommendation is not one of spot-interruption, asg-terminate",
    ]);
  });

  it("matches state changes on the exact state set", () => {
    const cfg = config({
      policies: [
        {
          name: "stopping",
          match: { instance: { events: ["instance-state-change"], states: ["stopping", "shutting-down"] } },
          action: { verb: "drain", target: "trigger-node" },
        },
      ],
    });
    expect(
      decide(instance("instance-state-change", { state: "stopping" }), cfg, facts()).actions,
    ).toHaveLength(1);
    const running = decide(instance("instance-state-change", { state: "running" }), cfg, facts());
    expect(reasonsOf(running, "stopping")).toEqual([
      "instance state running is not one of stopping, shutting-down",
    ]);
  });

  it("checks the node selector", () => {
    const cfg = config({
      policies: [
        {
          name: "cordon-spot",
          match: {
            instance: {
              events: ["rebalance-recommendation"],
              nodeSelector: { "karpenter.sh/capacity-type": "spot" },
            },
          },
          action: { verb: "cordon", target: "trigger-node" },
        },
      ],
    });
    const onSpot = decide(instance("rebalance-recommendation"), cfg, facts());
    expect(onSpot.actions[0]).toMatchObject({ verb: "cordon", undo: { verb: "uncordon" } });
    const onDemand = decide(
      instance("rebalance-recommendation", { instanceId: node(3).instanceId }),
      cfg,
      facts(),
    );
    expect(reasonsOf(onDemand, "cordon-spot")).toEqual([
      `node ${node(3).name} has karpenter.sh/capacity-type=on-demand, not spot`,
    ]);
  });

  it("drains, then completes the Auto Scaling hook with CONTINUE", () => {
    const plan = decide(instance("asg-terminate"), config(), facts());
    expect(plan.actions.map((action) => action.verb)).toEqual(["drain", "complete-lifecycle"]);
    expect(plan.actions[1]).toMatchObject({
      verb: "complete-lifecycle",
      target: {
        kind: "LifecycleAction",
        autoScalingGroupName: "prod-spot",
        lifecycleHookName: "drain",
        lifecycleActionToken: "87654321-4321-4321-4321-210987654321",
        instanceId: node(2).instanceId,
      },
      params: { result: "CONTINUE", afterDrain: true },
    });
    expect(plan.actions[1]?.reason).toContain("once it has failed for good the hook is completed anyway");
  });

  it("completes the hook when the instance is not in the cluster", () => {
    const plan = decide(instance("asg-terminate", { instanceId: "i-0ffffffffffffffff" }), config(), facts());
    expect(plan.actions).toHaveLength(1);
    expect(plan.actions[0]).toMatchObject({ verb: "complete-lifecycle", params: { afterDrain: false } });
    expect(plan.actions[0]?.reason).toBe(
      "instance i-0ffffffffffffffff is not a node of cluster prod: nothing to drain: completing the lifecycle action with CONTINUE",
    );
  });

  it("drains an instance going to a warm pool: it leaves the cluster too", () => {
    const trigger = instance("asg-terminate");
    const lifecycle = trigger.lifecycle && { ...trigger.lifecycle, destination: "WarmPool" };
    const plan = decide({ ...trigger, ...(lifecycle ? { lifecycle } : {}) }, config(), facts());
    expect(plan.actions.map((action) => action.verb)).toEqual(["drain", "complete-lifecycle"]);
    expect(plan.actions[0]?.reason).toContain("going to the warm pool, which takes it out of the cluster");
  });

  it("completes the hook only once when several policies match it", () => {
    const cfg = config({
      policies: [
        {
          name: "a",
          match: { instance: { events: ["asg-terminate"] } },
          action: { verb: "drain", target: "trigger-node" },
        },
        {
          name: "b",
          match: { instance: { events: ["asg-terminate"] } },
          action: { verb: "cordon", target: "trigger-node" },
        },
      ],
    });
    const plan = decide(instance("asg-terminate"), cfg, facts());
    expect(plan.actions.map((action) => `${action.policy}:${action.verb}`)).toEqual([
      "a:drain",
      "a:complete-lifecycle",
      "b:cordon",
    ]);
    expect(reasonsOf(plan, "b")[0]).toMatch(
      /^complete the terminate lifecycle action .* is already planned by policy a$/,
    );
  });
});

describe("decide: AWS Health scheduled maintenance", () => {
  const health = (start: string, end?: string) =>
    instance("scheduled-maintenance", { window: { start, ...(end ? { end } : {}) } });
  const cfg = () =>
    config({
      defaults: { healthLeadTime: "30m" },
      policies: [
        {
          name: "maintenance",
          match: { instance: { events: ["scheduled-maintenance"] } },
          action: { verb: "drain", target: "trigger-node" },
        },
      ],
    });

  it("defers the drain to a one-time schedule at start − lead time", () => {
    const plan = decide(health("2025-06-05T15:10:09Z"), cfg(), facts());
    expect(plan.actions).toEqual([
      expect.objectContaining({
        verb: "defer",
        target: { kind: "Node", name: node(2).name, instanceId: node(2).instanceId },
        params: {
          at: "2025-06-05T14:40:09Z",
          startTime: "2025-06-05T15:10:09.000Z",
          leadTimeSeconds: 1800,
          verb: "drain",
          scheduleName: `homeostat-${node(2).instanceId}-20250605T144009Z`,
        },
      }),
    ]);
    expect(plan.actions[0]?.reason).toBe(
      `AWS Health scheduled maintenance for ${node(2).instanceId} starts at 2025-06-05T15:10:09.000Z: drain of node ${node(2).name} deferred to 2025-06-05T14:40:09Z (30m before) with a one-time schedule`,
    );
  });

  it("uses the policy's lead time over the default", () => {
    const custom = cfg();
    const policy = custom.policies[0];
    if (policy) policy.guard.healthLeadTime = 4 * 3600;
    const plan = decide(health("2025-06-05T15:10:09Z"), custom, facts());
    expect(plan.actions[0]).toMatchObject({ verb: "drain" });
    expect(plan.actions[0]?.reason).toContain("starts within the 4h lead time): acting now");
  });

  it("drains now when already inside the lead time", () => {
    const plan = decide(health("2025-06-05T12:20:00Z"), cfg(), facts());
    expect(plan.actions.map((action) => action.verb)).toEqual(["drain"]);
    expect(plan.actions[0]?.reason).toContain("starts within the 30m lead time): acting now on node");
  });

  it("acts on a deferred delivery that arrives a few seconds early instead of deferring again", () => {
    const plan = decide(health("2025-06-05T12:30:20Z"), cfg(), facts());
    expect(plan.actions.map((action) => action.verb)).toEqual(["drain"]);
  });

  it("drains now when the maintenance already started", () => {
    const plan = decide(health("2025-06-05T11:00:00Z", "2025-06-05T13:00:00Z"), cfg(), facts());
    expect(plan.actions[0]?.reason).toContain("(already started): acting now");
  });

  it("does nothing once the window ended", () => {
    const plan = decide(health("2025-06-05T09:00:00Z", "2025-06-05T10:00:00Z"), cfg(), facts());
    expect(plan.actions).toEqual([]);
    expect(reasonsOf(plan, "maintenance")[0]).toContain(
      "the maintenance window ended at 2025-06-05T10:00:00.000Z",
    );
  });

  it("says so when the event has no start time", () => {
    const plan = decide(instance("scheduled-maintenance"), cfg(), facts());
    expect(reasonsOf(plan, "maintenance")[0]).toContain("has no start time");
  });
});

describe("decide: schedules", () => {
  const officeHours = () => config({ policies: [officeHoursPolicy()] });

  it("scales every matching workload to zero and remembers the counts", () => {
    const plan = decide(schedule("dev-office-hours", "night"), officeHours(), facts());
    expect(plan.actions.map((action) => [action.target, action.params])).toEqual([
      [
        { kind: "Deployment", namespace: "dev", name: "web" },
        { change: "0", remember: true, currentReplicas: 3 },
      ],
      [
        { kind: "Deployment", namespace: "dev", name: "api" },
        { change: "0", remember: true, currentReplicas: 2 },
      ],
    ]);
    expect(plan.actions[0]?.reason).toBe(
      "schedule night (cron(0 20 ? * MON-FRI *) Europe/Berlin): scale deployment dev/web to 0",
    );
  });

  it("restores exactly the remembered counts, and says which it cannot", () => {
    const plan = decide(
      schedule("dev-office-hours", "morning"),
      officeHours(),
      facts({ priorReplicas: { "dev/web": 5 } }),
    );
    expect(
      plan.actions.map((action) => [
        action.target.kind === "LifecycleAction" ? "" : action.target.name,
        action.params,
      ]),
    ).toEqual([["web", { change: "5", restore: true }]]);
    expect(plan.actions[0]?.reason).toContain(
      "scale deployment dev/web to 5, the count remembered before the scale-down",
    );
    expect(reasonsOf(plan, "dev-office-hours")).toEqual([
      "no prior replica count remembered for dev/api: not restoring",
      "no prior replica count remembered for dev/db: not restoring",
    ]);
  });

  it("skips other policies' schedules and unknown entries", () => {
    const cfg = officeHours();
    expect(reasonsOf(decide(schedule("other", "night"), cfg, facts()), "dev-office-hours")).toEqual([
      "the schedule that fired belongs to policy other",
    ]);
    expect(
      reasonsOf(decide(schedule("dev-office-hours", "noon"), cfg, facts()), "dev-office-hours")[0],
    ).toContain("has no schedule entry noon (entries: night, morning)");
  });

  it("says when a glob matches no workload", () => {
    const plan = decide(schedule("dev-office-hours", "night"), officeHours(), facts({ workloads: {} }));
    expect(reasonsOf(plan, "dev-office-hours")).toEqual(["no Deployment in namespace dev matches *"]);
  });
});

describe("decide: stalled rollouts and commands", () => {
  const stalled = (namespace: string): RolloutStalledTrigger => ({
    kind: "rollout-stalled",
    id: "rollout-1",
    time: NOW.toISOString(),
    origin: "rollout-guard",
    namespace,
    deployment: "checkout",
    reason: "Progressing=False (ProgressDeadlineExceeded)",
    revision: 7,
  });
  const cfg = () =>
    config({
      policies: [
        {
          name: "rollback",
          match: { rolloutStalled: { namespaces: ["shop"] } },
          action: { verb: "rollback", target: "trigger-workload" },
        },
        { name: "chatops", match: { command: { verbs: ["scale", "drain"], namespaces: ["shop"] } } },
      ],
    });

  it("rolls back the stalled deployment", () => {
    const plan = decide(stalled("shop"), cfg(), facts());
    expect(plan.actions).toEqual([
      {
        policy: "rollback",
        verb: "rollback",
        target: { kind: "Deployment", namespace: "shop", name: "checkout" },
        params: {},
        reason:
          "the rollout of shop/checkout (revision 7) stalled: Progressing=False (ProgressDeadlineExceeded): roll back deployment shop/checkout to its previous revision",
      },
    ]);
    expect(reasonsOf(decide(stalled("dev"), cfg(), facts()), "rollback")).toEqual([
      "namespace dev is not one of shop",
    ]);
  });

  it("runs a person's command within the policy's verbs and namespaces", () => {
    const plan = decide(command("scale shop/checkout +3 --max 10"), cfg(), facts());
    expect(plan.actions[0]).toMatchObject({
      verb: "scale",
      target: { kind: "Deployment", namespace: "shop", name: "checkout" },
      params: { change: "+3", max: 10, currentReplicas: 4 },
      reason: "alice asked: scale shop/checkout +3 --max 10: scale deployment shop/checkout by +3 (max 10)",
    });
    expect(reasonsOf(decide(command("restart shop/checkout"), cfg(), facts()), "chatops")).toEqual([
      "restart is not allowed by this policy (allowed: scale, drain)",
    ]);
    expect(reasonsOf(decide(command("scale dev/web 3"), cfg(), facts()), "chatops")).toEqual([
      "namespace dev is not one this policy may touch (shop)",
    ]);
    expect(reasonsOf(decide(command("scale shop/checkout lots"), cfg(), facts()), "chatops")[0]).toContain(
      "scale needs a replica change like 5, +2, -1 or x1.5; got 'lots'",
    );
  });

  it("takes a command's --current-replicas as its precondition: met, it is the basis; moved, a skip", () => {
    // facts: shop/checkout has 4 replicas
    expect(
      decide(command("scale shop/checkout +1 --current-replicas 4"), cfg(), facts()).actions[0],
    ).toMatchObject({ params: { change: "+1", currentReplicas: 4 } });
    expect(
      reasonsOf(decide(command("scale shop/checkout +1 --current-replicas 3"), cfg(), facts()), "chatops"),
    ).toEqual(["shop/checkout has 4 replicas, not the 3 --current-replicas names: nothing changed"]);
  });

  it("drains a node named by instance id", () => {
    const plan = decide(command(`drain ${node(4).instanceId}`), cfg(), facts());
    expect(plan.actions[0]).toMatchObject({ verb: "drain", target: { name: node(4).name } });
    expect(reasonsOf(decide(command("drain ip-1-2-3-4"), cfg(), facts()), "chatops")).toEqual([
      "ip-1-2-3-4 is not a node of cluster prod",
    ]);
  });
});
