// Which results belong together in one Slack thread, and which are worth a message of their own.
import type { SlackVerbosity } from "../config/schema-slack.ts";
import type { AuditRecord } from "../state/audit-log.ts";

/**
 * One incident: the thread its results go to. Keys put the subject first and the cluster last, so
 * every cluster's thread of one alarm shares a prefix (an alarm's return to OK finds them all).
 */
export interface Incident {
  key: string;
  /** What the thread is about, for its parent ("alarm checkout-cpu-high on prod"). */
  title: string;
  /** Alarms are incidents until they return to OK; an OK result resolves the thread. */
  resolvesOnOk: boolean;
}

/** The prefix of every thread of one alarm, on any cluster. */
export function alarmIncidentPrefix(alarmName: string): string {
  return `alarm#${alarmName}#`;
}

/**
 * The incident of a result, per trigger kind: an alarm on a cluster (until it returns to OK), an
 * instance, a stalled rollout revision, one run of a schedule entry, one command. Records written
 * without their trigger are each their own incident.
 */
export function incidentOf(record: AuditRecord): Incident {
  const trigger = record.trigger.detail;
  const cluster = record.cluster ?? "-";
  const on = record.cluster === undefined ? "" : ` on ${record.cluster}`;
  switch (trigger?.kind) {
    case "alarm":
      return {
        key: `${alarmIncidentPrefix(trigger.alarmName)}${cluster}`,
        title: `alarm ${trigger.alarmName}${on}`,
        resolvesOnOk: true,
      };
    case "instance":
      return {
        key: `instance#${trigger.instanceId}#${cluster}`,
        title: `instance ${trigger.instanceId}${on}`,
        resolvesOnOk: false,
      };
    case "rollout-stalled":
      return {
        key: `rollout#${trigger.namespace}/${trigger.deployment}#${trigger.revision ?? "?"}#${cluster}`,
        title: `stalled rollout of deployment ${trigger.namespace}/${trigger.deployment}${
          trigger.revision === undefined ? "" : ` revision ${trigger.revision}`
        }${on}`,
        resolvesOnOk: false,
      };
    case "schedule":
      return {
        key: `schedule#${trigger.policy}/${trigger.entry}#${trigger.scheduledTime ?? trigger.time}#${cluster}`,
        title: `schedule ${trigger.policy}/${trigger.entry}${on}`,
        resolvesOnOk: false,
      };
    case "command":
      return {
        key: `command#${trigger.id}#${cluster}`,
        title: `command \`${trigger.text}\` by ${trigger.actor}${on}`,
        resolvesOnOk: false,
      };
    default:
      return {
        key: `trigger#${record.trigger.id}#${cluster}`,
        title: record.trigger.summary,
        resolvesOnOk: false,
      };
  }
}

/**
 * A change a Slack command made that would be posted in the channel it was asked in: the endpoint's
 * answer there (in_channel, with its Undo) already says it, so the notify stage counts it rather than
 * say it twice. Routed to another channel, it is posted there as any result.
 */
export function answeredWhereAsked(record: AuditRecord, channel: string): boolean {
  const trigger = record.trigger.detail;
  const asked = trigger?.kind === "command" ? trigger.slackChannel : undefined;
  const named = asked?.name !== undefined && (channel === asked.name || channel === `#${asked.name}`);
  return (
    asked !== undefined &&
    (channel === asked.id || named) &&
    record.skippedReason === undefined &&
    record.changed &&
    !record.dryRun
  );
}

/** Every trigger the Slack endpoint runs (a slash command, an Undo, an approval) has an id starting so. */
export const SLACK_TRIGGER_ID_PREFIX = "slack#";

/** What the notifier does with a result: a message of its own, a count in the parent, or nothing. */
export type Worth = "post" | "count";

/** Guard checks whose skips are routine: a duplicate delivery, a cooldown. Counted, never posted alone. */
const routineChecks = new Set(["idempotency", "cooldown"]);

/**
 * Whether a result is worth a message. Every action that ran or failed is; so are decisions a person
 * must know about (held by the disruption budget or a freeze, awaiting approval, refused by a bound or
 * a protected namespace). Routine skips are only counted in the thread's parent.
 *
 * - `actions`: only actions and approvals get a message; every other decision is counted.
 * - `decisions` (default): actions and the decisions a person must know about.
 * - `everything`: routine skips too.
 *
 * `channel` is where the result would go: a Slack command's change is counted there when it was asked
 * in that channel (`answeredWhereAsked`).
 */
export function worthOf(record: AuditRecord, verbosity: SlackVerbosity, channel: string): Worth {
  if (record.skippedReason === undefined) return answeredWhereAsked(record, channel) ? "count" : "post";
  if (record.skippedBy === "approval" || record.approvalId !== undefined) {
    // the Slack endpoint posts its own approval request (with the dry run) where it was asked
    return record.trigger.id.startsWith(SLACK_TRIGGER_ID_PREFIX) ? "count" : "post";
  }
  if (verbosity === "everything") return "post";
  if (verbosity === "actions") return "count";
  return routineChecks.has(record.skippedBy ?? "") ? "count" : "post";
}
