// What a Slack run tells people and the audit log, shared by commands, Undo and approvals: the
// command trigger it runs as, the pipeline's outcome in lines a person reads, the answer on the
// response_url, and the audit record of every allow and deny of the rules.
import type { CommandTrigger } from "../../events/trigger.ts";
import {
  auditLogSink,
  auditRecordFromResult,
  auditRecordId,
  skippedAuditRecord,
  writeRecords,
} from "../../record/index.ts";
import type { TriggerOutcome } from "../../runtime/pipeline.ts";
import type { AuditTarget, AuditVerb } from "../../state/audit-log.ts";
import type { Authorization } from "./authorize.ts";
import type { SlackReply } from "./respond.ts";
import type { SlackRunDeps } from "./run.ts";
import { undoCommandText } from "./undo.ts";

/**
 * A command to run for a person: from a slash command, the undo an Undo click asks for, or the action
 * an Approve click lets run.
 */
export interface CommandRequest {
  /** The command trigger's id: Slack's trigger_id, or the undone audit record's, so a redelivery acts once. */
  triggerId: string;
  origin: string;
  user: string;
  channel: string;
  /** The channel's name, when Slack sent it (slash commands do): the config may name channels so. */
  channelName?: string;
  text: string;
  responseUrl: string;
}

/** The command trigger of a request, acting as `actor`. */
export function commandTriggerOf(request: CommandRequest, actor: string, now: Date): CommandTrigger {
  return {
    kind: "command",
    id: request.triggerId,
    time: now.toISOString(),
    origin: request.origin,
    actor,
    text: request.text,
    slackChannel: { id: request.channel, ...(request.channelName ? { name: request.channelName } : {}) },
  };
}

/** An undo a reply offers: its button's value is the audit record id of the change it undoes. */
interface OfferedUndo {
  auditId: string;
  text: string;
}

/** What the pipeline did, in lines a person reads in Slack, and the undo of each change made. */
export function describeOutcome(outcome: TriggerOutcome): {
  text: string;
  changed: boolean;
  undos: OfferedUndo[];
} {
  const lines: string[] = [];
  const undos: OfferedUndo[] = [];
  let changed = false;
  for (const { action, result } of outcome.results) {
    changed ||= result.changed && !result.dryRun;
    // the audit record keeps the undo on these same terms (auditRecordFromResult): a button offers
    // only what a click will find there
    if (result.undo && result.ok && result.changed && !result.dryRun) {
      undos.push({
        auditId: auditRecordId(outcome.trigger.id, action.policy, result.verb, result.target),
        text: undoCommandText(result.undo),
      });
    }
    const mark = !result.ok ? ":x:" : result.dryRun ? ":test_tube: dry run:" : ":white_check_mark:";
    lines.push(`${mark} ${result.message}`);
  }
  const guardSkips = outcome.guarded.skipped.filter((skip) => skip.stage !== "decide");
  for (const skip of guardSkips) lines.push(`:no_entry: not run (${skip.stage}): ${skip.reason}`);
  if (lines.length === 0) {
    // no command policy planned anything: say why, policy by policy
    const reasons = outcome.plan.skipped.map((skip) => `• ${skip.policy}: ${skip.reason}`);
    lines.push(
      `:no_entry: nothing ran: no command policy on cluster ${outcome.cluster} took it`,
      ...(reasons.length > 0
        ? reasons
        : ["• homeostat.config.ts has no command policy (match: { command: {} })"]),
    );
  }
  return { text: lines.join("\n"), changed, undos };
}

export async function answer(
  deps: SlackRunDeps,
  request: { responseUrl: string },
  reply: SlackReply,
): Promise<void> {
  try {
    await deps.respond(request.responseUrl, reply);
  } catch (error) {
    // the action's outcome stands and is audited: a lost answer must not undo or repeat it
    deps.pipeline.log?.warn("could not answer on the response_url", { error: String(error) });
  }
}

/** The audit's actor for a Slack user: `slack:U0ALICE (alice)`. */
export function slackActor(user: string, name: string | undefined): string {
  return `slack:${user}${name ? ` (${name})` : ""}`;
}

/**
 * Audits one decision of the rules (allowed by rule X, or the refusal), as its own record in the
 * audit log only: it is not an action's result, so it is not published on the result bus, whose
 * every event the notify stage turns into a channel message (each command would post "allowed by").
 */
export async function auditAuthorization(
  deps: SlackRunDeps,
  authorization: Authorization,
  asked: { verb: AuditVerb; target: AuditTarget; dryRun: boolean },
  context: { trigger: CommandTrigger; actor: string; time: Date },
): Promise<void> {
  const { pipeline } = deps;
  const ids = { ...context, id: `${context.trigger.id}#slack-authorization` };
  const audit = authorization.allowed
    ? auditRecordFromResult(
        {
          ...asked,
          ok: true,
          changed: false,
          before: undefined,
          after: undefined,
          message: `allowed by slack.commands rule ${authorization.rule}`,
          warnings: [],
          durationMs: 0,
          apiRequests: 0,
        },
        { ...ids, policy: `slack-rule:${authorization.rule}` },
      )
    : skippedAuditRecord(asked, authorization.reason, { ...ids, policy: "slack-rules" });
  const { failures } = await writeRecords([audit], [auditLogSink(pipeline.store)]);
  for (const failure of failures) pipeline.log?.error("could not write the audit record", { ...failure });
}
