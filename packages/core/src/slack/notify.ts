// The notify sink: one audit record (one result event) → at most one Slack message, in its incident's
// thread, with the thread's parent kept current. Exactly once: each result's message is claimed in the
// state store before it is posted, and each thread is opened with a conditional write.
import type { KnownBlock } from "@slack/web-api";
import type { SlackConfig } from "../config/schema-slack.ts";
import type { AlarmTrigger } from "../events/trigger.ts";
import { matchesAnyGlob } from "../policy/glob.ts";
import type { AuditRecord } from "../state/audit-log.ts";
import { stateKeys } from "../state/keys.ts";
import {
  claimNotification,
  completeNotification,
  getThread,
  type IncidentThread,
  listThreads,
  releaseNotification,
  writeThread,
} from "../state/records.ts";
import type { StateStore } from "../state/store.ts";
import { parentBlocks, renderMessageBlocks } from "./blocks.ts";
import { alarmIncidentPrefix, incidentOf, worthOf } from "./incident.ts";
import type { LinkOptions } from "./links.ts";
import { clockTime, resultMessage } from "./message.ts";
import type { SlackPoster } from "./poster.ts";
import { renderMessageText } from "./text.ts";

export interface NotifyLogger {
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
}

export interface NotifyDeps {
  slack: SlackConfig;
  store: StateStore;
  poster: SlackPoster;
  links?: LinkOptions;
  now?: () => Date;
  log?: NotifyLogger;
  /**
   * How long a claim (a result's message, a thread's parent) is held while it is posted; after that a
   * redelivery takes over. Longer than one post with WebClient's retries. Default 5 minutes.
   */
  leaseMs?: number;
  /**
   * While another delivery posts an incident's parent, a reply waits for it: this often, this long
   * apart, then it asks for a redelivery. Default 20 × 250 ms.
   */
  parentWait?: { attempts: number; delayMs: number };
  sleep?: (ms: number) => Promise<void>;
}

/** What became of one result. */
export type NotifyOutcome =
  | { kind: "parent" | "reply"; channel: string; ts: string }
  | { kind: "counted"; channel: string }
  /** A routine skip with no thread to count it in. */
  | { kind: "not-worth-a-message" }
  /** A redelivery: the message was posted (or is being posted) by an earlier delivery. */
  | { kind: "duplicate" };

/** A result of an incident whose parent another delivery is still posting: try again later. */
export class ThreadBusyError extends Error {
  override readonly name = "ThreadBusyError";
}

/** The channel a result goes to: the first route whose policies and clusters match, else the default. */
export function channelFor(record: AuditRecord, slack: SlackConfig): string {
  for (const route of slack.routes) {
    if (route.policies && !matchesAnyGlob(route.policies, record.policy)) continue;
    if (route.clusters && !matchesAnyGlob(route.clusters, record.cluster ?? "")) continue;
    return route.channel;
  }
  return slack.channel;
}

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? "" : "s"}`;

function verbCounts(verbs: Record<string, number>): string {
  return Object.entries(verbs)
    .map(([verb, count]) => `${count} ${verb}`)
    .join(", ");
}

function minutesBetween(from: string, to: string): string {
  const minutes = Math.max(0, Math.round((Date.parse(to) - Date.parse(from)) / 60_000));
  return minutes < 60 ? `${minutes} min` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** The parent's last line: where the incident stands now. */
export function threadStatus(thread: IncidentThread): string {
  const { counts } = thread;
  const done = verbCounts(counts.verbs);
  const parts = [
    counts.actions > 0 ? `${plural(counts.actions, "action")}${done ? ` (${done})` : ""}` : "no action yet",
    ...(counts.failed > 0 ? [`${counts.failed} failed`] : []),
    ...(counts.held > 0 ? [`${counts.held} held`] : []),
    ...(counts.routine > 0 ? [`${plural(counts.routine, "routine skip")} (duplicates, cooldowns)`] : []),
  ];
  if (thread.resolvedAt) {
    return `Resolved: ${thread.title} back to OK after ${minutesBetween(thread.openedAt, thread.resolvedAt)} — ${parts.join(" · ")}`;
  }
  return `Open since ${clockTime(thread.openedAt)}: ${thread.title} — ${parts.join(" · ")}`;
}

function countsWith(counts: IncidentThread["counts"], record: AuditRecord, routine: boolean) {
  const next = { ...counts, verbs: { ...counts.verbs } };
  if (record.skippedReason !== undefined) {
    if (routine) next.routine++;
    else next.held++;
  } else if (!record.ok) {
    next.failed++;
  } else {
    next.actions++;
    next.verbs[record.verb] = (next.verbs[record.verb] ?? 0) + 1;
  }
  return next;
}

const noCounts: IncidentThread["counts"] = { actions: 0, failed: 0, held: 0, routine: 0, verbs: {} };

/** An alarm whose result says it is OK again ends its incident. */
function okAt(record: AuditRecord): string | undefined {
  const trigger = record.trigger.detail;
  return trigger?.kind === "alarm" && trigger.state === "OK" ? trigger.time : undefined;
}

class Notifier {
  private readonly now: () => Date;
  private readonly leaseMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly deps: NotifyDeps;

  constructor(deps: NotifyDeps) {
    this.deps = deps;
    this.now = deps.now ?? (() => new Date());
    this.leaseMs = deps.leaseMs ?? 5 * 60_000;
    this.sleep = deps.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  private render(record: AuditRecord): { text: string; blocks: KnownBlock[] } {
    const message = resultMessage(record, this.deps.links ? { links: this.deps.links } : {});
    return { text: renderMessageText(message), blocks: renderMessageBlocks(message) };
  }

  /** chat.update of the parent until what it shows is the thread's latest version. */
  async refreshParent(key: string, written: { thread: IncidentThread; version: string }): Promise<void> {
    let current = written;
    for (let attempt = 0; attempt < 3; attempt++) {
      const { thread } = current;
      if (!thread.ts) return;
      const status = threadStatus(thread);
      await this.deps.poster.update({
        channel: thread.channel,
        ts: thread.ts,
        text: `${thread.parent.text}\n${status}`,
        blocks: parentBlocks(thread.parent.blocks as KnownBlock[], status),
      });
      // A concurrent writer may have updated the message before us with a newer thread: show that one.
      const latest = await getThread(this.deps.store, key);
      if (!latest || latest.version === current.version) return;
      current = latest;
    }
  }

  /** Compare-and-set on the thread until `change` applies to its latest version. */
  private async changeThread(
    key: string,
    change: (thread: IncidentThread) => IncidentThread | undefined,
  ): Promise<{ thread: IncidentThread; version: string } | undefined> {
    for (let attempt = 0; attempt < 10; attempt++) {
      const current = await getThread(this.deps.store, key);
      if (!current) return undefined;
      const next = change(current.thread);
      if (!next) return undefined;
      const version = await writeThread(this.deps.store, key, next, {
        version: current.version,
        now: this.now(),
      });
      if (version) return { thread: next, version };
    }
    throw new ThreadBusyError(`the thread of incident ${key} kept changing; retry later`);
  }

  /** Posts the parent of a thread whose record this writer holds (`postingUntil`), then records its ts. */
  private async postParent(key: string, thread: IncidentThread, version: string) {
    const status = threadStatus(thread);
    let posted: { channel: string; ts: string };
    try {
      posted = await this.deps.poster.post({
        channel: thread.channel,
        text: `${thread.parent.text}\n${status}`,
        blocks: parentBlocks(thread.parent.blocks as KnownBlock[], status),
      });
    } catch (error) {
      // Nothing was posted: drop the thread we hold (no one writes a held thread), so the redelivery, or
      // another result of the incident, opens it afresh — in the channel its own route names.
      await this.deps.store.delete(stateKeys.thread(key));
      throw error;
    }
    const { postingUntil: _held, ...rest } = thread;
    const done: IncidentThread = { ...rest, channel: posted.channel, ts: posted.ts };
    const written = await writeThread(this.deps.store, key, done, { version, now: this.now() });
    // The parent is its first result's message: whoever posted it, that result is now posted.
    await completeNotification(this.deps.store, thread.parentClaim, posted, { now: this.now() });
    if (!written) {
      // Our hold lapsed and another delivery took the thread over mid-post: it posts its own parent.
      this.deps.log?.warn("the thread was taken over while its parent was posted", {
        incident: key,
        ts: posted.ts,
      });
    }
    return posted;
  }

  async notify(record: AuditRecord): Promise<NotifyOutcome> {
    const { store, slack } = this.deps;
    const incident = incidentOf(record);
    const routine = worthOf(record, slack.verbosity, channelFor(record, slack)) === "count";
    const claimKey = stateKeys.notification(record.id, record.time);
    const claim = await claimNotification(store, claimKey, { leaseMs: this.leaseMs, now: this.now() });
    if (claim.outcome !== "claimed") return { kind: "duplicate" };
    let posted = false;
    try {
      const outcome = await this.place(record, incident, routine, claimKey, () => {
        posted = true;
      });
      const where =
        outcome.kind === "parent" || outcome.kind === "reply"
          ? { channel: outcome.channel, ts: outcome.ts }
          : { channel: outcome.kind === "counted" ? outcome.channel : "" };
      await completeNotification(store, claimKey, where, { now: this.now() });
      return outcome;
    } catch (error) {
      // Once the message is in Slack, a redelivery must not post it again: keep the claim.
      if (posted) await completeNotification(store, claimKey, { channel: "" }, { now: this.now() });
      else await releaseNotification(store, claimKey);
      throw error;
    }
  }

  private async place(
    record: AuditRecord,
    incident: ReturnType<typeof incidentOf>,
    routine: boolean,
    claimKey: string,
    onPosted: () => void,
  ): Promise<NotifyOutcome> {
    const { store, slack } = this.deps;
    const wait = this.deps.parentWait ?? { attempts: 20, delayMs: 250 };
    const triggerTime = record.trigger.detail?.time ?? record.time;
    for (let attempt = 0; attempt <= wait.attempts; attempt++) {
      const now = this.now();
      const current = await getThread(store, incident.key);
      const ended =
        current?.thread.resolvedAt !== undefined &&
        Date.parse(triggerTime) > Date.parse(current.thread.resolvedAt);
      if (!current || ended) {
        // A new incident (or an alarm's next one after OK): this result opens the thread.
        if (routine) return { kind: "not-worth-a-message" };
        const { text, blocks } = this.render(record);
        const resolvedAt = okAt(record);
        const thread: IncidentThread = {
          channel: channelFor(record, slack),
          postingUntil: now.getTime() + this.leaseMs,
          title: incident.title,
          parentClaim: claimKey,
          openedAt: triggerTime,
          ...(resolvedAt ? { resolvedAt } : {}),
          parent: { text, blocks },
          counts: countsWith(noCounts, record, routine),
        };
        const version = await writeThread(store, incident.key, thread, { version: current?.version, now });
        if (!version) continue; // another result of this incident opened it first: join that thread
        const parent = await this.postParent(incident.key, thread, version);
        onPosted();
        return { kind: "parent", ...parent };
      }
      const { thread, version } = current;
      if (!thread.ts) {
        if ((thread.postingUntil ?? 0) > now.getTime()) {
          // Another delivery is posting this incident's parent right now: replies wait for it.
          if (attempt < wait.attempts) await this.sleep(wait.delayMs);
          continue;
        }
        // Its writer died mid-post: take the parent over (compare-and-set), then place this result —
        // unless this result is the parent (the dead writer's redelivery): then it is posted.
        const held = { ...thread, postingUntil: now.getTime() + this.leaseMs };
        const taken = await writeThread(store, incident.key, held, { version, now });
        if (!taken) continue;
        const parent = await this.postParent(incident.key, held, taken);
        if (held.parentClaim === claimKey) {
          onPosted();
          return { kind: "parent", ...parent };
        }
        continue;
      }
      let reply: { channel: string; ts: string } | undefined;
      if (!routine) {
        const { text, blocks } = this.render(record);
        reply = await this.deps.poster.post({ channel: thread.channel, text, blocks, threadTs: thread.ts });
        onPosted();
      }
      const resolvedAt = okAt(record);
      const written = await this.changeThread(incident.key, (latest) => ({
        ...latest,
        counts: countsWith(latest.counts, record, routine),
        ...(resolvedAt && !latest.resolvedAt ? { resolvedAt } : {}),
      }));
      if (written) await this.refreshParent(incident.key, written);
      return reply ? { kind: "reply", ...reply } : { kind: "counted", channel: thread.channel };
    }
    throw new ThreadBusyError(
      `the parent of incident ${incident.key} is still being posted by another delivery; retry later`,
    );
  }

  /**
   * An alarm back to OK: every open thread of that alarm (on any cluster) opened before it is
   * resolved — its parent updated, and one line in the thread — even when no policy acts on OK.
   */
  async resolveAlarm(
    trigger: AlarmTrigger,
  ): Promise<Array<{ incident: string; channel: string; ts: string }>> {
    const resolved: Array<{ incident: string; channel: string; ts: string }> = [];
    for (const { key, thread } of await listThreads(
      this.deps.store,
      alarmIncidentPrefix(trigger.alarmName),
    )) {
      if (thread.resolvedAt || !thread.ts || Date.parse(thread.openedAt) > Date.parse(trigger.time)) continue;
      let won = false;
      const written = await this.changeThread(key, (latest) => {
        if (latest.resolvedAt) return undefined;
        won = true;
        return { ...latest, resolvedAt: trigger.time };
      });
      // only the delivery that resolved it tells the thread: a redelivered OK posts nothing
      if (!written || !won || !written.thread.ts) continue;
      const ts = written.thread.ts;
      const line = `:large_green_circle: ${trigger.alarmName} is OK again (${clockTime(trigger.time)})${
        trigger.reason ? `: ${trigger.reason}` : ""
      }`;
      await this.deps.poster.post({
        channel: written.thread.channel,
        text: line,
        blocks: [{ type: "section", text: { type: "mrkdwn", text: line.slice(0, 3000) } }],
        threadTs: ts,
      });
      await this.refreshParent(key, written);
      resolved.push({ incident: key, channel: written.thread.channel, ts });
    }
    return resolved;
  }
}

/**
 * Notifies Slack of one result: a new incident's first result becomes its thread's parent; later
 * results, skips and failures reply in the thread; routine skips are counted in the parent. A
 * redelivered result posts nothing.
 */
export async function notifyResult(record: AuditRecord, deps: NotifyDeps): Promise<NotifyOutcome> {
  return await new Notifier(deps).notify(record);
}

/** An alarm's return to OK resolves its open threads (see `Notifier.resolveAlarm`). */
export async function resolveAlarmThreads(
  trigger: AlarmTrigger,
  deps: NotifyDeps,
): Promise<Array<{ incident: string; channel: string; ts: string }>> {
  return await new Notifier(deps).resolveAlarm(trigger);
}
