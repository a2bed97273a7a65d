// One audit record of each result kind, fixed in time: what the golden files, the unit tests and
// docs/slack.md render. Built with the record stage's own constructors, so they are real records.
import type { Trigger } from "../events/trigger.ts";
import { auditRecordFromResult, skippedAuditRecord } from "../record/audit-record.ts";
import type { AuditRecord } from "../state/audit-log.ts";

const at = (iso: string) => new Date(iso);

const spot: Trigger = {
  kind: "instance",
  id: "5d1c0e0a-spot",
  time: "2026-12-01T09:14:00Z",
  origin: "aws.ec2 via EventBridge",
  region: "eu-west-1",
  event: "spot-interruption",
  instanceId: "i-0abc1234def567890",
  instanceAction: "terminate",
};

const cpuAlarm: Trigger = {
  kind: "alarm",
  id: "8f2e-alarm",
  time: "2026-12-01T09:20:00Z",
  origin: "aws.cloudwatch via EventBridge",
  region: "eu-west-1",
  alarmName: "checkout-cpu-high",
  alarmType: "metric",
  state: "ALARM",
  previousState: "OK",
  reason:
    "Threshold Crossed: 3 out of the last 3 datapoints [91.2 (01/12/26 09:19:00), 88.0 (01/12/26 09:18:00), 85.4 (01/12/26 09:17:00)] were greater than the threshold (80.0) (minimum 3 datapoints for OK -> ALARM transition).",
  dimensions: { ClusterName: "prod", Namespace: "shop", Service: "checkout" },
};

const stalled: Trigger = {
  kind: "rollout-stalled",
  id: "rollout#prod#shop/cart#7",
  time: "2026-12-01T10:02:00Z",
  origin: "homeostat rollout guard",
  namespace: "shop",
  deployment: "cart",
  revision: 7,
  reason: "new pods crash looping: cart-7c9d-x2x (CrashLoopBackOff, 4 restarts)",
};

const nightly: Trigger = {
  kind: "schedule",
  id: "sched-nightly-1",
  time: "2026-12-01T22:00:00Z",
  origin: "aws.scheduler",
  policy: "nightly-scale-down",
  entry: "scale-down",
  scheduledTime: "2026-12-01T22:00:00Z",
};

const command: Trigger = {
  kind: "command",
  id: "cmd-U024BE7LH-1",
  time: "2026-12-01T11:30:00Z",
  origin: "slack",
  actor: "U024BE7LH",
  text: "scale shop/checkout +3",
};

const node = {
  kind: "Node",
  name: "ip-10-0-1-5.eu-west-1.compute.internal",
  instanceId: "i-0abc1234def567890",
} as const;
const checkout = { kind: "Deployment", namespace: "shop", name: "checkout" } as const;
const cart = { kind: "Deployment", namespace: "shop", name: "cart" } as const;

const drainReport = (evicted: number) => ({
  unschedulable: true,
  evicted: Array.from({ length: evicted }, (_, n) => `shop/checkout-7d4b9c-${String(n).padStart(3, "0")}`),
  skipped: [{ pod: "kube-system/aws-node-x7k2p", reason: "DaemonSet-managed" }],
  failed: [],
});

/** Each kind of result, by name: spot drain, alarm scale, rollback, held drain, approval, failure, … */
export const sampleRecords = {
  "spot-drain": auditRecordFromResult(
    {
      verb: "drain",
      target: node,
      ok: true,
      changed: true,
      dryRun: false,
      before: { unschedulable: false, pods: ["shop/checkout-7d4b9c-000"] },
      after: drainReport(3),
      message: "drained node ip-10-0-1-5.eu-west-1.compute.internal: 3 pods evicted, 1 skipped",
      warnings: ["ignoring DaemonSet-managed Pods: kube-system/aws-node-x7k2p"],
      apiRequests: 9,
      durationMs: 41_200,
      undo: { verb: "uncordon", target: node, params: {} },
    },
    {
      trigger: spot,
      cluster: "prod",
      policy: "drain-on-spot-interruption",
      reason:
        "spot interruption warning for i-0abc1234def567890 (node ip-10-0-1-5.eu-west-1.compute.internal)",
      actor: "homeostat",
      time: at("2026-12-01T09:14:42Z"),
    },
  ),
  "alarm-scale": auditRecordFromResult(
    {
      verb: "scale",
      target: checkout,
      ok: true,
      changed: true,
      dryRun: false,
      before: { replicas: 3 },
      after: { replicas: 5 },
      message: "scaled deployment shop/checkout from 3 to 5 replicas (+2)",
      warnings: [],
      apiRequests: 2,
      durationMs: 180,
      undo: { verb: "scale", target: checkout, params: { replicas: 3 } },
    },
    {
      trigger: cpuAlarm,
      cluster: "prod",
      policy: "scale-out-on-cpu",
      reason: "alarm checkout-cpu-high is ALARM: scale +2 (max 20)",
      actor: "homeostat",
      time: at("2026-12-01T09:20:01Z"),
    },
  ),
  "rollout-rollback": auditRecordFromResult(
    {
      verb: "rollback",
      target: cart,
      ok: true,
      changed: true,
      dryRun: false,
      before: { revision: 7, images: ["shop/cart:2.4.0"] },
      after: { revision: 8, templateRevision: 6, images: ["shop/cart:2.3.1"] },
      message: "rolled back deployment shop/cart to revision 6",
      warnings: [],
      apiRequests: 4,
      durationMs: 320,
    },
    {
      trigger: stalled,
      cluster: "prod",
      policy: "rollback-stalled-rollouts",
      reason: "rollout of shop/cart stalled at revision 7: roll back to the previous revision",
      actor: "homeostat",
      time: at("2026-12-01T10:02:01Z"),
    },
  ),
  "drain-held-by-budget": skippedAuditRecord(
    { verb: "drain", target: node },
    "node disruption budget full: 1 of 1 nodes already cordoned or draining (ip-10-0-2-9.eu-west-1.compute.internal); the drain waits for a place",
    {
      trigger: spot,
      cluster: "prod",
      policy: "drain-on-spot-interruption",
      reason: "spot interruption warning for i-0abc1234def567890",
      actor: "homeostat",
      time: at("2026-12-01T09:14:01Z"),
      skippedBy: "disruption-budget",
    },
  ),
  "awaiting-approval": skippedAuditRecord(
    { verb: "restart", target: checkout },
    "awaiting approval appr-5f0c: restart deployment shop/checkout",
    {
      trigger: { ...cpuAlarm, id: "9a1b-alarm", alarmName: "checkout-memory-high" },
      cluster: "prod",
      policy: "restart-on-memory-leak",
      reason: "alarm checkout-memory-high is ALARM: restart shop/checkout",
      actor: "homeostat",
      time: at("2026-12-01T09:31:00Z"),
      skippedBy: "approval",
      approvalId: "appr-5f0c",
    },
  ),
  failed: auditRecordFromResult(
    {
      verb: "restart",
      target: checkout,
      ok: false,
      changed: false,
      dryRun: false,
      before: undefined,
      after: undefined,
      message:
        'deployments.apps "checkout" is forbidden: User "homeostat" cannot patch resource "deployments" in the namespace "shop"',
      warnings: [],
      apiRequests: 1,
      durationMs: 95,
    },
    {
      trigger: cpuAlarm,
      cluster: "prod",
      policy: "restart-on-cpu",
      reason: "alarm checkout-cpu-high is ALARM: restart shop/checkout",
      actor: "homeostat",
      time: at("2026-12-01T09:20:02Z"),
    },
  ),
  "dry-run-scale": auditRecordFromResult(
    {
      verb: "scale",
      target: checkout,
      ok: true,
      changed: true,
      dryRun: true,
      before: { replicas: 5 },
      after: { replicas: 2 },
      message: "would scale deployment shop/checkout from 5 to 2 replicas (dry run)",
      warnings: [],
      apiRequests: 2,
      durationMs: 140,
    },
    {
      trigger: nightly,
      cluster: "staging",
      policy: "nightly-scale-down",
      reason: "schedule nightly-scale-down/scale-down: 2 replicas",
      actor: "homeostat",
      time: at("2026-12-01T22:00:01Z"),
    },
  ),
  "cooldown-skip": skippedAuditRecord(
    { verb: "scale", target: checkout },
    "cooldown: deployment shop/checkout was scaled 2 min ago (until 09:30 UTC)",
    {
      trigger: { ...cpuAlarm, id: "8f2f-alarm", time: "2026-12-01T09:22:00Z" },
      cluster: "prod",
      policy: "scale-out-on-cpu",
      actor: "homeostat",
      time: at("2026-12-01T09:22:01Z"),
      skippedBy: "cooldown",
    },
  ),
  "command-scale": auditRecordFromResult(
    {
      verb: "scale",
      target: checkout,
      ok: true,
      changed: true,
      dryRun: false,
      before: { replicas: 5 },
      after: { replicas: 8 },
      message: "scaled deployment shop/checkout from 5 to 8 replicas (+3)",
      warnings: [],
      apiRequests: 2,
      durationMs: 150,
      undo: { verb: "scale", target: checkout, params: { replicas: 5 } },
    },
    {
      trigger: command,
      cluster: "prod",
      policy: "slack-commands",
      reason: "U024BE7LH: scale shop/checkout +3",
      actor: "U024BE7LH",
      time: at("2026-12-01T11:30:01Z"),
    },
  ),
  "large-drain": auditRecordFromResult(
    {
      verb: "drain",
      target: node,
      ok: true,
      changed: true,
      dryRun: false,
      before: { unschedulable: false, pods: [] },
      after: drainReport(400),
      message: "drained node ip-10-0-1-5.eu-west-1.compute.internal: 400 pods evicted, 1 skipped",
      warnings: [],
      apiRequests: 820,
      durationMs: 95_000,
    },
    {
      trigger: { ...spot, id: "5d1c0e0b-spot" },
      cluster: "prod",
      policy: "drain-on-spot-interruption",
      actor: "homeostat",
      time: at("2026-12-01T09:16:00Z"),
    },
  ),
} satisfies Record<string, AuditRecord>;

export type SampleName = keyof typeof sampleRecords;
