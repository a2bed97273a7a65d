// Shared by the decide and guard tests and the bench (not exported from the package).
import { defineConfig, type HomeostatConfig, type HomeostatConfigInput } from "../config/index.ts";
import type { AlarmTrigger, CommandTrigger, InstanceTrigger, ScheduleTrigger } from "../events/trigger.ts";
import type { ClusterFacts, NodeFact } from "./plan.ts";

export const NOW = new Date("2025-06-05T12:00:00Z");

export function node(index: number, overrides: Partial<NodeFact> = {}): NodeFact {
  return {
    name: `ip-10-0-0-${index}.eu-west-1.compute.internal`,
    instanceId: `i-0${index.toString(16).padStart(16, "0")}`,
    labels: { "karpenter.sh/capacity-type": index % 2 === 0 ? "spot" : "on-demand" },
    ready: true,
    unschedulable: false,
    ...overrides,
  };
}

export function facts(overrides: Partial<ClusterFacts> = {}): ClusterFacts {
  return {
    cluster: "prod",
    now: NOW,
    nodes: Array.from({ length: 10 }, (_, index) => node(index + 1)),
    workloads: {
      shop: [
        { kind: "Deployment", name: "checkout", replicas: 4 },
        { kind: "Deployment", name: "cart", replicas: 2 },
      ],
      dev: [
        { kind: "Deployment", name: "web", replicas: 3 },
        { kind: "Deployment", name: "api", replicas: 2 },
        { kind: "StatefulSet", name: "db", replicas: 1 },
      ],
      "kube-system": [{ kind: "Deployment", name: "coredns", replicas: 2 }],
    },
    priorReplicas: { "dev/web": 3, "dev/api": 2 },
    ...overrides,
  };
}

let sequence = 0;
const nextId = () => `00000000-0000-4000-8000-${String(++sequence).padStart(12, "0")}`;

export function alarm(overrides: Partial<AlarmTrigger> = {}): AlarmTrigger {
  return {
    kind: "alarm",
    id: nextId(),
    time: NOW.toISOString(),
    origin: "aws.cloudwatch via EventBridge",
    alarmName: "shop-checkout-cpu-high",
    alarmType: "metric",
    state: "ALARM",
    previousState: "OK",
    reason: "Threshold Crossed: 1 datapoint [91.0] was greater than the threshold (80.0).",
    dimensions: { ClusterName: "shop-prod", Namespace: "shop", Service: "checkout" },
    metric: { namespace: "ContainerInsights", name: "pod_cpu_utilization" },
    ...overrides,
  };
}

export function instance(
  event: InstanceTrigger["event"],
  overrides: Partial<InstanceTrigger> = {},
): InstanceTrigger {
  return {
    kind: "instance",
    id: nextId(),
    time: NOW.toISOString(),
    origin: "aws.ec2 via EventBridge",
    event,
    instanceId: node(2).instanceId ?? "",
    ...(event === "spot-interruption" ? { instanceAction: "terminate" as const } : {}),
    ...(event === "asg-terminate"
      ? {
          lifecycle: {
            autoScalingGroupName: "prod-spot",
            lifecycleHookName: "drain",
            lifecycleActionToken: "87654321-4321-4321-4321-210987654321",
          },
        }
      : {}),
    ...overrides,
  };
}

export function schedule(policy: string, entry: string): ScheduleTrigger {
  return { kind: "schedule", id: nextId(), time: NOW.toISOString(), origin: "aws.scheduler", policy, entry };
}

export function command(text: string): CommandTrigger {
  return { kind: "command", id: `cmd-${text}`, time: NOW.toISOString(), origin: "cli", actor: "alice", text };
}

/** Dev scaled to zero on weekday evenings (remembering the counts) and restored in the morning. */
export function officeHoursPolicy(): NonNullable<HomeostatConfigInput["policies"]>[number] {
  return {
    name: "dev-office-hours",
    match: {
      schedule: {
        entries: [
          {
            name: "night",
            cron: "cron(0 20 ? * MON-FRI *)",
            timezone: "Europe/Berlin",
            action: { verb: "scale", target: "dev/*", kind: "Deployment", change: 0, remember: true },
          },
          {
            name: "morning",
            cron: "cron(30 7 ? * MON-FRI *)",
            timezone: "Europe/Berlin",
            action: { verb: "scale", target: "dev/*", restore: true },
          },
        ],
      },
    },
  };
}

export function config(overrides: Partial<HomeostatConfigInput> = {}): HomeostatConfig {
  return defineConfig({
    clusters: {
      prod: { eks: { name: "shop-prod", region: "eu-west-1" } },
      staging: { eks: { name: "shop-staging", region: "eu-west-1" } },
    },
    defaultCluster: "prod",
    policies: [
      {
        name: "scale-out-on-cpu",
        match: { alarm: { names: ["shop-*-cpu-high"], dimensions: { ClusterName: "shop-prod" } } },
        action: { verb: "scale", target: { fromDimensions: {} }, change: "+2", max: 20 },
      },
      {
        name: "drain-on-spot",
        match: { instance: { events: ["spot-interruption", "asg-terminate"] } },
        action: { verb: "drain", target: "trigger-node", deleteEmptyDirData: true, timeout: "2m" },
        guard: { freeze: false },
      },
    ],
    ...overrides,
  });
}
