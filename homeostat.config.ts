/**
 * A worked example of Homeostat's policies as code: one production EKS cluster, one staging cluster,
 * and a local kind/kwok cluster for trying events out with `homeostat plan`.
 */
import { defineConfig } from "@homeostat/core/config";

export default defineConfig({
  clusters: {
    prod: { eks: { name: "prod", region: "eu-west-1" } },
    staging: { eks: { name: "staging", region: "eu-west-1" } },
    local: { kubeconfig: { context: "kind-homeostat" } },
  },
  defaultCluster: "prod",

  defaults: {
    protectedNamespaces: ["kube-system", "kube-node-lease", "amazon-cloudwatch"],
    cooldown: "5m",
    replicas: { min: 0, max: 50 },
    // 10% of the nodes (rounded down, at least 1) cordoned or draining at once, never fewer than 3 healthy
    nodeDisruptionBudget: { maxUnavailable: "10%", minHealthyNodes: 3 },
    freezeWindows: [
      { name: "year-end freeze", from: "2025-12-22T00:00:00+01:00", to: "2026-01-02T09:00:00+01:00" },
      {
        name: "Friday release night",
        weekly: { days: ["Fri"], from: "18:00", to: "23:59", timezone: "Europe/Berlin" },
      },
    ],
    healthLeadTime: "30m",
  },

  policies: [
    {
      name: "scale-out-on-cpu",
      description: "A Container Insights CPU alarm on a shop service adds two replicas, up to 20.",
      match: {
        alarm: {
          names: ["*-cpu-high"],
          dimensions: { ClusterName: "prod", Namespace: "shop" },
        },
      },
      action: {
        verb: "scale",
        target: { fromDimensions: { namespace: "Namespace", name: "Service" } },
        change: "+2",
        max: 20,
      },
      guard: { cooldown: "10m" },
    },
    {
      name: "restart-on-memory-leak",
      description:
        "Checkout degraded (a composite alarm: no dimensions, so the target is named) restarts it, after a person approves in Slack.",
      match: { alarm: { names: ["checkout-degraded", "checkout-memory-high"] } },
      action: { verb: "restart", target: "shop/checkout" },
      guard: { approval: true, cooldown: "30m" },
    },
    {
      name: "drain-on-spot-interruption",
      description: "Two minutes' notice: drain at once, freeze or not.",
      match: { instance: { events: ["spot-interruption"] } },
      action: { verb: "drain", target: "trigger-node", deleteEmptyDirData: true, timeout: "100s" },
      guard: { freeze: false },
    },
    {
      name: "cordon-on-rebalance",
      description: "A rebalance recommendation is an early hint: stop scheduling onto the node.",
      match: {
        instance: {
          events: ["rebalance-recommendation"],
          nodeSelector: { "karpenter.sh/capacity-type": "spot" },
        },
      },
      action: { verb: "cordon", target: "trigger-node" },
      guard: { freeze: false },
    },
    {
      name: "drain-before-termination",
      description:
        "Scale-in and instance refresh (ASG hook, completed with CONTINUE) and stopping instances.",
      match: {
        instance: {
          events: ["asg-terminate", "instance-state-change"],
          states: ["stopping", "shutting-down"],
        },
      },
      action: { verb: "drain", target: "trigger-node", deleteEmptyDirData: true, timeout: "10m" },
      guard: { freeze: false },
    },
    {
      name: "drain-before-maintenance",
      description: "AWS Health scheduled maintenance: drain 45 minutes before it starts.",
      match: { instance: { events: ["scheduled-maintenance"] } },
      action: { verb: "drain", target: "trigger-node", deleteEmptyDirData: true, timeout: "14m" },
      guard: { healthLeadTime: "45m" },
    },
    {
      name: "dev-office-hours",
      description: "Scale dev to zero at 20:00 on weekdays and back to exactly what it had at 07:30.",
      cluster: "staging",
      match: {
        schedule: {
          entries: [
            {
              name: "scale-down",
              cron: "cron(0 20 ? * MON-FRI *)",
              timezone: "Europe/Berlin",
              action: { verb: "scale", target: "dev/*", change: 0, remember: true },
            },
            {
              name: "restore",
              cron: "cron(30 7 ? * MON-FRI *)",
              timezone: "Europe/Berlin",
              action: { verb: "scale", target: "dev/*", restore: true },
            },
          ],
        },
      },
      guard: { cooldown: "0s", freeze: false },
    },
    {
      name: "rollback-stalled-rollouts",
      description:
        "A Deployment whose rollout stalled in shop or payments goes back to its previous revision.",
      match: { rolloutStalled: { namespaces: ["shop", "payments"] } },
      action: { verb: "rollback", target: "trigger-workload" },
    },
    {
      name: "try-scale-out-in-staging",
      description: "The same CPU rule on staging, in dry run while we tune it.",
      cluster: "staging",
      match: { alarm: { names: ["*-cpu-high"], dimensions: { ClusterName: "staging" } } },
      action: { verb: "scale", target: { fromDimensions: {} }, change: "x1.5", max: 10 },
      guard: { dryRun: true },
    },
    {
      name: "chatops",
      description: "People may scale, restart and roll back shop and dev workloads from Slack or the CLI.",
      match: { command: { verbs: ["scale", "restart", "rollback"], namespaces: ["shop", "dev"] } },
      guard: { cooldown: "1m" },
    },
  ],
});
