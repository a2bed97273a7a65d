// Approvals from Slack. A command a rule with `approval: true` allows is first run as a server-side
// dry run, then through the pipeline with approval required: the guard records the pending approval
// (state/records.ts) and the run posts the planned action, its dry run and Approve / Deny buttons that
// carry only the approval's id. The notify stage posts the same buttons for automatic policies with
// `approval`, on the same record. A click is judged from the record (approval-click.ts), authorized
// by the clicker's rules, decided once by the store's compare-and-set, and an approval re-runs the
// action through the guard as a `command` trigger naming requester and approver. The message is
// updated with who decided and what happened.
import type { KnownBlock } from "@slack/web-api";
import type { CommandTrigger } from "../../events/trigger.ts";
import type { PlannedAction } from "../../policy/plan.ts";
import { auditLogSink, skippedAuditRecord, writeRecords } from "../../record/index.ts";
import { handleTrigger } from "../../runtime/pipeline.ts";
import { reasonOf } from "../../runtime/transient.ts";
import { describeApprovalRequest, getApproval, releaseClaim, resolveApproval } from "../../state/records.ts";
import { SLACK_TRIGGER_ID_PREFIX } from "../incident.ts";
import { APPROVE_ACTION, DENY_ACTION } from "./ack.ts";
import { describeApproved, describeDecision, judgeClick } from "./approval-click.ts";
import { authorize, groupsNamed } from "./authorize.ts";
import type { SlackActionJob } from "./dispatch.ts";
import { readSlackText } from "./reading.ts";
import { answer, auditAuthorization, commandTriggerOf, describeOutcome, slackActor } from "./report.ts";
import { clipped } from "./respond.ts";
import type { SlackRunDeps, SlackRunOutcome } from "./run.ts";
import { undoCommandText } from "./undo.ts";

/** Default for `slack.commands.approvalExpiry`: 30 minutes. */
const DEFAULT_EXPIRY_SECONDS = 1800;

/** The command trigger id of an approval's run: a redelivered click finds it already handled. */
export const approvalTriggerId = (id: string) => `${SLACK_TRIGGER_ID_PREFIX}approval#${id}`;

function section(text: string): KnownBlock {
  return { type: "section", text: { type: "mrkdwn", text: clipped(text) } };
}

/** Replaces the message with the buttons by `text` (no buttons: the decision is made). */
async function updateMessage(
  deps: SlackRunDeps,
  message: { channel: string; ts: string } | undefined,
  text: string,
  fallback: { responseUrl: string },
): Promise<void> {
  const poster = deps.pipeline.slack;
  if (message && poster) {
    try {
      await poster.update({ ...message, text, blocks: [section(text)] });
      return;
    } catch (error) {
      deps.pipeline.log?.warn("could not update the approval message", { error: reasonOf(error) });
    }
  }
  // no bot token, or the message is gone: the clicker still learns what happened
  await answer(deps, fallback, { responseType: "ephemeral", text });
}

export interface ApprovalAsk {
  trigger: CommandTrigger;
  actor: string;
  cluster: string;
  user: string;
  channel: string;
  responseUrl: string;
  /** The command as typed, for the message. */
  text: string;
}

/** Asks for a second person: the dry run, the pending approval, the message with Approve / Deny. */
export async function askForApproval(deps: SlackRunDeps, ask: ApprovalAsk): Promise<SlackRunOutcome> {
  const { pipeline } = deps;
  const expiry = pipeline.config.slack?.commands?.approvalExpiry ?? DEFAULT_EXPIRY_SECONDS;
  const dryRun = await handleTrigger(ask.trigger, ask.cluster, {
    ...pipeline,
    actor: ask.actor,
    dryRun: true,
  });
  const outcome = await handleTrigger(ask.trigger, ask.cluster, {
    ...pipeline,
    actor: ask.actor,
    approval: { required: true, requester: ask.user, timeoutSeconds: expiry },
  });
  const waiting = outcome.guarded.skipped.filter((skip) => skip.stage === "approval" && skip.approvalId);
  if (waiting.length === 0) {
    // the guard refused it, or no command policy took it: nothing to approve
    await answer(deps, ask, { responseType: "ephemeral", text: describeOutcome(outcome).text });
    return { kind: "ran", outcome };
  }
  const rehearsal = describeOutcome(dryRun).text;
  const expiresAt = new Date((pipeline.now?.() ?? new Date()).getTime() + expiry * 1000).toISOString();
  const posted: string[] = [];
  for (const skip of waiting) {
    const id = skip.approvalId ?? "";
    const text =
      `:raised_hand: <@${ask.user}> asks to run \`${ask.text.trim()}\` on ${ask.cluster}: a second person must approve (until ${expiresAt}).\n` +
      `Server-side dry run now:\n${rehearsal}`;
    const blocks: KnownBlock[] = [
      section(text),
      {
        type: "actions",
        block_id: "homeostat.approval",
        elements: [
          {
            type: "button",
            action_id: APPROVE_ACTION,
            text: { type: "plain_text", text: "Approve" },
            style: "primary",
            value: id,
          },
          {
            type: "button",
            action_id: DENY_ACTION,
            text: { type: "plain_text", text: "Deny" },
            style: "danger",
            value: id,
          },
        ],
      },
    ];
    if (!pipeline.slack) {
      await answer(deps, ask, {
        responseType: "ephemeral",
        text: `:x: approval ${id} waits, but Homeostat has no Slack bot token to post its Approve / Deny buttons: set it with \`npx sst secret set SlackBotToken xoxb-…\``,
      });
      continue;
    }
    try {
      const message = await pipeline.slack.post({ channel: ask.channel, text, blocks });
      await describeApprovalRequest(pipeline.store, id, { message });
      posted.push(id);
    } catch (error) {
      await answer(deps, ask, {
        responseType: "ephemeral",
        text: `:x: approval ${id} waits, but its message could not be posted: ${reasonOf(error)}`,
      });
    }
  }
  if (posted.length > 0) {
    await answer(deps, ask, {
      responseType: "ephemeral",
      text: `:hourglass_flowing_sand: \`${ask.text.trim()}\` waits for a second person's approval in <#${ask.channel}> (until ${expiresAt}).`,
    });
  }
  return { kind: "awaiting", approvals: waiting.map((skip) => skip.approvalId ?? "") };
}

/** An Approve or Deny click, handed over by the ack. */
export async function runApprovalClick(job: SlackActionJob, deps: SlackRunDeps): Promise<SlackRunOutcome> {
  const { action } = job;
  const { pipeline } = deps;
  const now = pipeline.now?.() ?? new Date();
  const id = action.value;
  const decision = action.actionId === APPROVE_ACTION ? "approved" : "denied";
  const commands = pipeline.config.slack?.commands;
  const approval = await getApproval<PlannedAction>(pipeline.store, id, { now });
  const verdict = judgeClick(
    id,
    approval,
    { user: action.user, decision },
    {
      twoPersonRule: commands?.twoPersonRule ?? true,
      served: pipeline.clusters ?? Object.keys(pipeline.config.clusters),
    },
  );
  const clicked = action.messageTs ? { channel: action.channel, ts: action.messageTs } : undefined;
  const message = approval?.message ?? clicked;
  if (verdict.kind === "refused") {
    if (verdict.expired && approval) {
      await updateMessage(
        deps,
        message,
        `:hourglass: Expired: the approval of ${describeApproved(approval)} lapsed at ${approval.expiresAt} without a decision. Nothing ran.`,
        action,
      );
    }
    await answer(deps, action, { responseType: "ephemeral", text: `:warning: ${verdict.reason}` });
    return { kind: "refused", reason: verdict.reason };
  }

  const rules = commands?.rules ?? [];
  const [groups, name] = await Promise.all([
    deps.directory.groupsOf(action.user, groupsNamed(rules)),
    deps.directory.nameOf(action.user),
  ]);
  const clicker = slackActor(action.user, name);
  const requestedBy = verdict.approval.requestedBy ?? `automation (policy ${verdict.approval.action.policy})`;
  const actor = `${clicker}, approving the request of ${requestedBy}`;
  const text = `${undoCommandText(verdict.action)} --cluster ${verdict.cluster}`;
  const trigger = commandTriggerOf(
    {
      triggerId: approvalTriggerId(id),
      origin: `slack approval ${id} in ${action.channel}`,
      user: action.user,
      channel: action.channel,
      text,
      responseUrl: action.responseUrl,
    },
    actor,
    now,
  );
  const authorization = authorize(
    rules,
    { user: action.user, channel: action.channel, groups },
    verdict.scope,
  );
  const asked = { verb: verdict.action.verb, target: verdict.action.target, dryRun: false };
  await auditAuthorization(deps, authorization, asked, { trigger, actor: clicker, time: now });
  if (!authorization.allowed) {
    await answer(deps, action, { responseType: "ephemeral", text: `:no_entry: ${authorization.reason}` });
    return { kind: "denied", reason: authorization.reason };
  }

  const resolved = verdict.resumed
    ? ({ ok: true } as const)
    : await resolveApproval<PlannedAction>(pipeline.store, id, { decision, by: clicker, now });
  if (!resolved.ok) {
    const reason =
      resolved.reason === "already-resolved" && resolved.approval
        ? `the approval of ${describeApproved(resolved.approval)} was already decided: ${describeDecision(resolved.approval)}`
        : `the approval ${id} is ${resolved.reason}: nothing ran`;
    await answer(deps, action, { responseType: "ephemeral", text: `:warning: ${reason}` });
    return { kind: "refused", reason };
  }

  const what = describeApproved(verdict.approval);
  if (decision === "denied") {
    const reason = `denied by ${clicker} (asked by ${requestedBy})`;
    const audit = skippedAuditRecord(asked, `${what} ${reason}`, {
      trigger,
      actor: clicker,
      time: now,
      id: `${trigger.id}#denied`,
      policy: verdict.approval.action.policy,
      skippedBy: "approval",
      approvalId: id,
    });
    const { failures } = await writeRecords([audit], pipeline.sinks ?? [auditLogSink(pipeline.store)]);
    for (const failure of failures) pipeline.log?.error("could not write the audit record", { ...failure });
    await updateMessage(
      deps,
      message,
      `:no_entry_sign: Denied by <@${action.user}>: ${what} did not run.`,
      action,
    );
    return { kind: "refused", reason };
  }

  // the cooldown the wait held is this action's own: give it back so the guard can take it again now
  for (const claim of verdict.approval.heldClaims ?? []) await releaseClaim(pipeline.store, claim);
  const reading = readSlackText(text, pipeline.config);
  if (reading.kind !== "command") {
    await updateMessage(
      deps,
      message,
      `:warning: Approved by <@${action.user}>, but ${reading.text}`,
      action,
    );
    return { kind: "refused", reason: reading.text };
  }
  const outcome = await handleTrigger(trigger, verdict.cluster, {
    ...pipeline,
    actor,
    approval: { granted: id },
  });
  if (verdict.resumed && outcome.results.length === 0) {
    // the run before acted already (its message says what happened): say nothing twice
    await answer(deps, action, {
      responseType: "ephemeral",
      text: `:information_source: your approval of ${what} was already carried out: nothing ran again`,
    });
    return { kind: "ran", outcome };
  }
  const asker = verdict.approval.requester ? `<@${verdict.approval.requester}>` : requestedBy;
  await updateMessage(
    deps,
    message,
    `:ballot_box_with_check: Approved by <@${action.user}> (asked by ${asker}): ${what} on ${verdict.cluster}\n${describeOutcome(outcome).text}`,
    action,
  );
  return { kind: "ran", outcome };
}
