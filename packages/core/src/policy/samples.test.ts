import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { type HomeostatConfig, loadConfig } from "../config/index.ts";
import { normalize, type SampleKind, sampleEvent, sampleInstanceIds } from "../events/index.ts";
import { decide } from "./decide.ts";
import type { ClusterFacts } from "./plan.ts";

// The documented AWS event shapes (events/samples.ts), through normalize and decide, with the
// repository's worked homeostat.config.ts: what `homeostat plan --event <sample>` shows.
let config: HomeostatConfig;
beforeAll(async () => {
  config = await loadConfig(fileURLToPath(new URL("../../../../homeostat.config.ts", import.meta.url)));
});

const clusterFacts = (cluster: string): ClusterFacts => ({
  cluster,
  now: new Date("2024-03-14T12:00:00Z"),
  nodes: Object.values(sampleInstanceIds).map((instanceId, index) => ({
    name: `ip-10-0-1-${index}.ec2.internal`,
    instanceId,
    labels: { "karpenter.sh/capacity-type": "spot" },
    ready: true,
    unschedulable: false,
  })),
  workloads: {
    shop: [{ kind: "Deployment", name: "checkout", replicas: 4 }],
    dev: [{ kind: "Deployment", name: "web", replicas: 2 }],
  },
  priorReplicas: {},
});

function plansFor(kind: SampleKind, cluster = "prod") {
  const result = normalize(sampleEvent(kind));
  if (!result.ok) throw new Error(`sample ${kind} did not normalize: ${result.error.reason}`);
  return result.triggers.map((trigger) => decide(trigger, config, clusterFacts(cluster)));
}

const verbs = (kind: SampleKind, cluster?: string) =>
  plansFor(kind, cluster).map((plan) => plan.actions.map((action) => `${action.policy}:${action.verb}`));

describe("samples through normalize and decide", () => {
  it.each<[SampleKind, string[][]]>([
    ["alarm", [["scale-out-on-cpu:scale"]]],
    ["alarm-sns", [["scale-out-on-cpu:scale"]]],
    ["alarm-metric-math", [[]]],
    ["alarm-composite", [["restart-on-memory-leak:restart"]]],
    ["spot-interruption", [["drain-on-spot-interruption:drain"]]],
    ["rebalance-recommendation", [["cordon-on-rebalance:cordon"]]],
    ["instance-state-change", [["drain-before-termination:drain"]]],
    ["health-scheduled-change", [["drain-before-maintenance:defer"], ["drain-before-maintenance:defer"]]],
    ["asg-terminate", [["drain-before-termination:drain", "drain-before-termination:complete-lifecycle"]]],
    [
      "asg-terminate-sqs",
      [["drain-before-termination:drain", "drain-before-termination:complete-lifecycle"]],
    ],
    [
      "asg-terminate-sns",
      [["drain-before-termination:drain", "drain-before-termination:complete-lifecycle"]],
    ],
  ])("%s", (kind, expected) => {
    expect(verbs(kind)).toEqual(expected);
  });

  it("accounts for every policy with a reason in every plan", () => {
    for (const plan of plansFor("spot-interruption")) {
      expect(plan.actions.length + plan.skipped.length).toBeGreaterThanOrEqual(config.policies.length);
      for (const skipped of plan.skipped) expect(skipped.reason).not.toBe("");
    }
  });

  it("scales dev down on the schedule in the staging cluster", () => {
    expect(verbs("schedule", "staging")).toEqual([["dev-office-hours:scale"]]);
    expect(plansFor("schedule", "staging")[0]?.actions[0]).toMatchObject({
      params: { change: "0", remember: true, currentReplicas: 2 },
    });
  });

  it("explains the metric-math alarm it does not act on", () => {
    const [plan] = plansFor("alarm-metric-math");
    expect(plan?.skipped.find((skipped) => skipped.policy === "scale-out-on-cpu")?.reason).toBe(
      "alarm checkout-restarts-ratio matches none of *-cpu-high",
    );
  });
});
