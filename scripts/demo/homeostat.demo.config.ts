/**
 * The policies of `npm start`'s demo: an online shop on the local test cluster (namespace `shop`) and
 * its staging copy (`staging`). `npm start` runs `homeostat dev` with this file and replays an incident
 * through it (scripts/demo/start.ts). The cluster is the one `--kubeconfig` names.
 */
import { defineConfig } from "@homeostat/core/config";

export const DEMO_CLUSTER = "demo";
/** The ClusterName dimension Container Insights would publish for the demo cluster. */
export const DEMO_CLUSTER_DIMENSION = "homeostat-demo";

export default defineConfig({
  clusters: { [DEMO_CLUSTER]: { kubeconfig: {} } },
  defaultCluster: DEMO_CLUSTER,
  defaults: {
    protectedNamespaces: ["kube-system", "kube-node-lease"],
    cooldown: "5m",
    replicas: { min: 0, max: 20 },
    // one node cordoned or draining at a time, and never fewer than two healthy ones
    nodeDisruptionBudget: { maxUnavailable: 1, minHealthyNodes: 2 },
  },
  policies: [
    {
      name: "scale-out-on-cpu",
      description: "A Container Insights CPU alarm on a shop service adds two replicas, up to 10.",
      match: {
        alarm: {
          names: ["*-cpu-high"],
          dimensions: { ClusterName: DEMO_CLUSTER_DIMENSION, Namespace: "shop" },
        },
      },
      action: {
        verb: "scale",
        target: { fromDimensions: { namespace: "Namespace", name: "Service" } },
        change: "+2",
        max: 10,
      },
      guard: { cooldown: "10m" },
    },
    {
      name: "drain-on-spot-interruption",
      description: "Two minutes' notice: drain the node at once, PodDisruptionBudgets honoured.",
      match: { instance: { events: ["spot-interruption"] } },
      action: { verb: "drain", target: "trigger-node", deleteEmptyDirData: true, timeout: "100s" },
      guard: { freeze: false, cooldown: "0s" },
    },
    {
      name: "rollback-stalled-rollouts",
      description: "A shop Deployment whose rollout stalled goes back to its previous revision.",
      match: { rolloutStalled: { namespaces: ["shop"] } },
      action: { verb: "rollback", target: "trigger-workload" },
    },
    {
      name: "staging-office-hours",
      description: "Staging scales to zero at 20:00 on weekdays and back to what it had at 07:30.",
      match: {
        schedule: {
          entries: [
            {
              name: "evening",
              cron: "cron(0 20 ? * MON-FRI *)",
              timezone: "Europe/Berlin",
              action: { verb: "scale", target: "staging/*", change: 0, remember: true },
            },
            {
              name: "morning",
              cron: "cron(30 7 ? * MON-FRI *)",
              timezone: "Europe/Berlin",
              action: { verb: "scale", target: "staging/*", restore: true },
            },
          ],
        },
      },
      guard: { cooldown: "0s", freeze: false },
    },
  ],
});
