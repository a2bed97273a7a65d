// The notify function's run: each result event of a delivery to Slack, in order, apart from the
// action path. Its failures never touch an action or its audit record: a result Slack could not take
// comes back (SQS) or is retried (EventBridge), then lands in the dead-letter queue.

import { readInbox } from "../slack/inbox.ts";
import { notifyResult, resolveAlarmThreads, ThreadBusyError } from "../slack/notify.ts";
import { SlackDeliveryError } from "../slack/poster.ts";
import { type Delivery, isSqsEvent } from "./delivery.ts";
import { RuntimeConfigError } from "./env.ts";
import type { PipelineDeps } from "./pipeline.ts";
import { reasonOf } from "./transient.ts";

/** What became of one item of a delivery. */
export interface NotifyItemSummary {
  messageId?: string;
  /** posted as a thread's parent, a reply, counted in the parent, a duplicate, resolved threads, … */
  outcome: string;
  record?: string;
  channel?: string;
  ts?: string;
  error?: string;
  /** The token or channel is wrong: reported, not retried (a replay after the fix posts it). */
  setup?: true;
}

export interface NotifyRunResult {
  handler: "notify";
  items: NotifyItemSummary[];
}

// A setup error (bad token, missing channel) is logged as an error once per container and code,
// then only counted: every result of a burst would otherwise repeat the same line.
const reportedSetupErrors = new Set<string>();

/** Runs the notifier on one delivery: SQS (the FIFO notify queue) or one EventBridge event. */
export async function runNotify(
  event: unknown,
  deps: PipelineDeps,
): Promise<{ result: NotifyRunResult; delivery: Delivery }> {
  const now = deps.now?.() ?? new Date();
  const items: NotifyItemSummary[] = [];
  const retry: string[] = [];
  const slack = deps.config.slack;
  for (const item of readInbox(event, now)) {
    const base = item.messageId ? { messageId: item.messageId } : {};
    // FIFO: once one message must come again, every later one of the batch comes after it
    if (retry.length > 0 && item.messageId) {
      items.push({ ...base, outcome: "held back behind an earlier failure" });
      retry.push(item.messageId);
      continue;
    }
    if (item.kind === "malformed" || item.kind === "ignored") {
      if (item.kind === "malformed")
        deps.log?.warn("rejected notify input", { ...base, reason: item.reason });
      items.push({ ...base, outcome: item.kind, error: item.reason });
      continue;
    }
    if (!slack) {
      items.push({ ...base, outcome: "slack is not configured" });
      continue;
    }
    try {
      if (!deps.slack) {
        throw new RuntimeConfigError(
          "slack is configured but no bot token is set: set the SlackBotToken secret (npx sst secret set SlackBotToken xoxb-…) or HOMEOSTAT_SLACK_TOKEN",
        );
      }
      const notifyDeps = {
        slack,
        store: deps.store,
        poster: deps.slack,
        ...(deps.slackLinks ? { links: deps.slackLinks } : {}),
        ...(deps.now ? { now: deps.now } : {}),
        ...(deps.log ? { log: deps.log } : {}),
      };
      if (item.kind === "alarm-ok") {
        const resolved = await resolveAlarmThreads(item.trigger, notifyDeps);
        items.push({
          ...base,
          outcome: `resolved ${resolved.length} thread(s) of alarm ${item.trigger.alarmName}`,
        });
        continue;
      }
      const outcome = await notifyResult(item.record, notifyDeps);
      items.push({
        ...base,
        record: item.record.id,
        outcome: outcome.kind,
        ...("channel" in outcome ? { channel: outcome.channel } : {}),
        ...("ts" in outcome ? { ts: outcome.ts } : {}),
      });
    } catch (error) {
      const setup =
        error instanceof RuntimeConfigError ||
        (error instanceof SlackDeliveryError && error.kind !== "transient");
      const message = reasonOf(error);
      const record = item.kind === "result" ? { record: item.record.id } : {};
      if (setup) {
        const code = error instanceof SlackDeliveryError ? error.code : "no_token";
        if (!reportedSetupErrors.has(code)) {
          reportedSetupErrors.add(code);
          deps.log?.error("Slack cannot be posted to: fix the setup; results are dropped until then", {
            ...base,
            ...record,
            error: message,
          });
        } else {
          deps.log?.warn("Slack setup error (reported before)", { ...base, ...record, code });
        }
        items.push({ ...base, ...record, outcome: "dropped", error: message, setup: true });
        continue;
      }
      deps.log?.warn("could not notify Slack; the result comes again", {
        ...base,
        ...record,
        error: message,
      });
      items.push({ ...base, ...record, outcome: "retry", error: message });
      retry.push(item.messageId ?? "");
      if (!(error instanceof SlackDeliveryError || error instanceof ThreadBusyError)) {
        deps.log?.error("notify failed unexpectedly", { ...base, error: message });
      }
    }
  }
  const result: NotifyRunResult = { handler: "notify", items };
  deps.log?.info("notified", { result });
  if (isSqsEvent(event)) {
    return {
      result,
      delivery: { kind: "batch", batchItemFailures: retry.map((itemIdentifier) => ({ itemIdentifier })) },
    };
  }
  if (retry.length > 0) {
    return {
      result,
      delivery: {
        kind: "retry",
        reason: items
          .filter((item) => item.outcome === "retry")
          .map((item) => item.error)
          .join("; "),
      },
    };
  }
  return { result, delivery: { kind: "done" } };
}
