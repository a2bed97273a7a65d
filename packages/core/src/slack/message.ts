// What one audit record says to a person, before it is Block Kit or terminal text: both renderers
// (blocks.ts, text.ts) draw from this one model, so Slack and the CLI never disagree.
import { describeTarget } from "../domain/target.ts";
import type { Trigger } from "../events/trigger.ts";
import type { AuditRecord } from "../state/audit-log.ts";
import { type ResultLinks, resultLinks } from "./links.ts";

/** How an action ended, as the message's marker says it. */
export type ResultStatus = "done" | "unchanged" | "failed" | "dry-run" | "held" | "awaiting-approval";

/** A list a message shows (pods evicted, skipped, failed); renderers cut it to fit with "… and N more". */
export interface MessageList {
  title: string;
  items: string[];
}

/** A button: Undo (carries the audit record id) or Approve / Deny (carry the pending approval id). */
export interface MessageButton {
  actionId: "homeostat.undo" | "homeostat.approve" | "homeostat.deny";
  text: string;
  /** Only an id: the endpoint looks the action up, so a click can never carry a forged action. */
  value: string;
  style?: "primary" | "danger";
}

export interface ResultMessage {
  status: ResultStatus;
  /** One line: the marker, what was done and to what, on which cluster. */
  headline: string;
  /** What the verb said happened (or why not). */
  outcome: string;
  /** Labelled facts: before → after, policy, duration, … in display order. */
  fields: Array<[label: string, value: string]>;
  /** The trigger in words ("Spot interruption warning for i-0abc… at 09:14 UTC"). */
  why: string;
  lists: MessageList[];
  warnings: string[];
  links: ResultLinks;
  buttons: MessageButton[];
}

const markers: Record<ResultStatus, string> = {
  done: "Done",
  unchanged: "No change",
  failed: "Failed",
  "dry-run": "Dry run",
  held: "Held",
  "awaiting-approval": "Awaiting approval",
};

/** The marker word of a status, for both renderers ("Dry run", "Failed", …). */
export function statusMarker(status: ResultStatus): string {
  return markers[status];
}

export function statusOf(record: AuditRecord): ResultStatus {
  if (record.skippedReason !== undefined) {
    return record.skippedBy === "approval" || record.approvalId !== undefined ? "awaiting-approval" : "held";
  }
  if (!record.ok) return "failed";
  if (record.dryRun) return "dry-run";
  return record.changed ? "done" : "unchanged";
}

/** `09:14 UTC` for today's events, else `2026-12-01 09:14 UTC`: what a responder scans for. */
export function clockTime(iso: string, now?: Date): string {
  const time = new Date(iso);
  if (Number.isNaN(time.getTime())) return iso;
  const stamp = time.toISOString();
  const hhmm = `${stamp.slice(11, 16)} UTC`;
  return now && now.toISOString().slice(0, 10) === stamp.slice(0, 10)
    ? hhmm
    : `${stamp.slice(0, 10)} ${hhmm}`;
}

const comparisons: Array<[RegExp, string]> = [
  [/greater than or equal to/, "≥"],
  [/greater than/, ">"],
  [/less than or equal to/, "≤"],
  [/less than/, "<"],
];

/**
 * CloudWatch's reason in a responder's words: "Threshold Crossed: 3 out of the last 3 datapoints
 * [85.1 (…)] were greater than the threshold (80.0)" → "3 of 3 datapoints > 80". Anything else is
 * kept as CloudWatch wrote it (shortened).
 */
export function alarmReasonInWords(reason: string): string {
  const match =
    /(\d+) out of the last (\d+) datapoints?.*?(?:was|were) ([a-z ]+?) the threshold \(([-\d.eE+]+)\)/.exec(
      reason,
    );
  if (match) {
    const [, breaching, of, comparison = "", threshold = ""] = match;
    const operator = comparisons.find(([pattern]) => pattern.test(comparison))?.[1] ?? comparison;
    return `${breaching} of ${of} datapoints ${operator} ${Number(threshold)}`;
  }
  return reason.length > 200 ? `${reason.slice(0, 199)}…` : reason;
}

const instanceEvents: Record<string, string> = {
  "spot-interruption": "Spot interruption warning",
  "rebalance-recommendation": "Rebalance recommendation",
  "instance-state-change": "Instance state change",
  "scheduled-maintenance": "Scheduled maintenance",
  "asg-terminate": "Auto Scaling termination",
};

/** The trigger in words, with its time. */
export function triggerInWords(trigger: Trigger): string {
  const at = clockTime(trigger.time);
  switch (trigger.kind) {
    case "alarm":
      return `alarm ${trigger.alarmName} ${trigger.state}${trigger.reason ? `: ${alarmReasonInWords(trigger.reason)}` : ""} (${at})`;
    case "instance": {
      const what = instanceEvents[trigger.event] ?? trigger.event;
      const detail = trigger.state
        ? ` (${trigger.state})`
        : trigger.window
          ? ` (from ${clockTime(trigger.window.start)})`
          : trigger.lifecycle
            ? ` (group ${trigger.lifecycle.autoScalingGroupName})`
            : "";
      return `${what} for ${trigger.instanceId}${detail} at ${at}`;
    }
    case "schedule":
      return `schedule ${trigger.policy}/${trigger.entry} at ${clockTime(trigger.scheduledTime ?? trigger.time)}`;
    case "rollout-stalled":
      return `rollout of deployment ${trigger.namespace}/${trigger.deployment}${
        trigger.revision === undefined ? "" : ` (revision ${trigger.revision})`
      } stalled: ${trigger.reason} (${at})`;
    case "command":
      return `${trigger.actor} ran \`${trigger.text}\` (${at})`;
  }
}

function record_(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function podList(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  return value.map((entry) => {
    if (typeof entry === "string") return entry;
    const pod = record_(entry);
    return pod && typeof pod.pod === "string"
      ? `${pod.pod}${typeof pod.reason === "string" ? ` — ${pod.reason}` : ""}`
      : JSON.stringify(entry);
  });
}

/** before → after, per verb, in the words kubectl users know. */
function changeOf(record: AuditRecord): string | undefined {
  const before = record_(record.before);
  const after = record_(record.after);
  if (!before && !after) return undefined;
  switch (record.verb) {
    case "scale":
      return `${before?.replicas ?? "?"} → ${after?.replicas ?? "?"} replicas`;
    case "cordon":
    case "uncordon":
    case "drain": {
      const state = (fields: Record<string, unknown> | undefined) =>
        fields?.unschedulable === undefined
          ? "?"
          : fields.unschedulable === true
            ? "unschedulable"
            : "schedulable";
      return `${state(before)} → ${state(after)}`;
    }
    case "rollback":
      return `revision ${before?.revision ?? "?"} → ${after?.revision ?? "?"}${
        after?.templateRevision === undefined ? "" : ` (template of revision ${after.templateRevision})`
      }`;
    case "restart":
      return after?.restartedAt === undefined ? undefined : `restartedAt ${String(after.restartedAt)}`;
    default:
      return undefined;
  }
}

function drainLists(record: AuditRecord): MessageList[] {
  if (record.verb !== "drain") return [];
  const after = record_(record.after);
  if (!after) return [];
  const lists: MessageList[] = [
    { title: record.dryRun ? "Would evict" : "Evicted", items: podList(after.evicted) },
    { title: "Skipped", items: podList(after.skipped) },
    { title: "Failed", items: podList(after.failed) },
  ];
  return lists.filter((list) => list.items.length > 0);
}

function drainCounts(record: AuditRecord): string | undefined {
  if (record.verb !== "drain") return undefined;
  const after = record_(record.after);
  if (!after) return undefined;
  const count = (value: unknown) => (Array.isArray(value) ? value.length : 0);
  return `${count(after.evicted)} evicted, ${count(after.skipped)} skipped, ${count(after.failed)} failed`;
}

const pastTense: Record<string, string> = {
  scale: "Scaled",
  restart: "Restarted",
  rollback: "Rolled back",
  cordon: "Cordoned",
  uncordon: "Uncordoned",
  drain: "Drained",
  "complete-lifecycle": "Completed",
  defer: "Deferred",
};

function headlineOf(record: AuditRecord, status: ResultStatus): string {
  const target = describeTarget(record.target);
  const on = record.cluster === undefined ? "" : ` on ${record.cluster}`;
  const action =
    status === "done" ? `${pastTense[record.verb] ?? record.verb} ${target}` : `${record.verb} ${target}`;
  return `${statusMarker(status)}: ${action}${on}`;
}

function seconds(ms: number): string {
  return ms < 1000
    ? `${ms} ms`
    : ms < 120_000
      ? `${(ms / 1000).toFixed(1)} s`
      : `${Math.round(ms / 60_000)} min`;
}

export interface MessageOptions {
  /** Where the console links point (the region, the functions' log group prefix). */
  links?: Parameters<typeof resultLinks>[1];
}

/** The message of one audit record. */
export function resultMessage(record: AuditRecord, options: MessageOptions = {}): ResultMessage {
  const status = statusOf(record);
  const fields: ResultMessage["fields"] = [];
  const change = changeOf(record);
  if (change && status !== "held" && status !== "awaiting-approval") fields.push(["Change", change]);
  const drain = drainCounts(record);
  if (drain) fields.push(["Pods", drain]);
  fields.push(["Policy", record.policy]);
  if (record.reason) fields.push(["Decision", record.reason]);
  if (record.skippedReason === undefined) fields.push(["Took", seconds(record.durationMs)]);
  if (record.actor !== "homeostat") fields.push(["By", record.actor]);
  const buttons: MessageButton[] = [];
  if (status === "awaiting-approval" && record.approvalId) {
    buttons.push(
      { actionId: "homeostat.approve", text: "Approve", value: record.approvalId, style: "primary" },
      { actionId: "homeostat.deny", text: "Deny", value: record.approvalId, style: "danger" },
    );
  }
  if (record.undo && status === "done") {
    buttons.push({ actionId: "homeostat.undo", text: "Undo", value: record.id });
  }
  return {
    status,
    headline: headlineOf(record, status),
    outcome: record.skippedReason ?? record.message,
    fields,
    why: record.trigger.detail ? triggerInWords(record.trigger.detail) : record.trigger.summary,
    lists: drainLists(record),
    warnings: record.warnings,
    links: resultLinks(record, options.links),
    buttons,
  };
}

/** The first `max` items, the last one saying how many were left out ("… and 12 more"). */
export function cutList(items: readonly string[], max: number): string[] {
  if (items.length <= max) return [...items];
  const kept = Math.max(0, max - 1);
  return [...items.slice(0, kept), `… and ${items.length - kept} more`];
}
