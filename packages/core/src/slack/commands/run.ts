// The asynchronous half of a slash command (and of an Undo click, which runs the undo of the audit
// record it names as a command of the clicker's): who is asking (authorize.ts, with their groups looked up), then the
// command — a read answered at once, a change as a `command` trigger through the one pipeline
// (protected namespaces, bounds, budgets, freezes, cooldowns, idempotency, audit) — and the answer on
// the response_url. Every allow and deny is audited.
import type { VerbCommand } from "../../command/index.ts";
import { verbRequest } from "../../domain/verbs/index.ts";
import { history, status } from "../../kube/index.ts";
import { handleTrigger, type PipelineDeps, type TriggerOutcome } from "../../runtime/pipeline.ts";
import { reasonOf } from "../../runtime/transient.ts";
import { readAudit } from "../../state/audit-log.ts";
import { SLACK_TRIGGER_ID_PREFIX } from "../incident.ts";
import { APPROVE_ACTION, DENY_ACTION, UNDO_ACTION } from "./ack.ts";
import { askForApproval, runApprovalClick } from "./approvals.ts";
import { authorize, groupsNamed } from "./authorize.ts";
import type { SlackDirectory } from "./directory.ts";
import type { SlackActionJob, SlackCommandJob } from "./dispatch.ts";
import { readSlackText } from "./reading.ts";
import {
  answer,
  auditAuthorization,
  type CommandRequest,
  commandTriggerOf,
  describeOutcome,
  slackActor,
} from "./report.ts";
import { clipped, type Respond } from "./respond.ts";
import { undoPlanOf, undoTriggerId } from "./undo.ts";

export interface SlackRunDeps {
  pipeline: PipelineDeps;
  directory: SlackDirectory;
  respond: Respond;
}

/** How a command's run ended, for the log and for tests. */
export type SlackRunOutcome =
  | { kind: "refused"; reason: string }
  | { kind: "denied"; reason: string }
  | { kind: "read"; ok: boolean }
  /** Waiting for a second person: the pending approvals' ids. */
  | { kind: "awaiting"; approvals: string[] }
  | { kind: "ran"; outcome: TriggerOutcome };

function scopeOf(command: VerbCommand, cluster: string) {
  const target = verbRequest(command).target;
  return { verb: command.verb, cluster, ...(target.kind === "Node" ? {} : { namespace: target.namespace }) };
}

/** Runs one slash command handed over by the ack (dispatch.ts), and answers on its response_url. */
export async function runSlackCommand(job: SlackCommandJob, deps: SlackRunDeps): Promise<SlackRunOutcome> {
  const { command } = job;
  return await runCommand(
    {
      triggerId: `${SLACK_TRIGGER_ID_PREFIX}${command.team_id}#${command.trigger_id}`,
      origin: `slack ${command.command} in ${command.channel_id}`,
      user: command.user_id,
      channel: command.channel_id,
      ...(command.channel_name ? { channelName: command.channel_name } : {}),
      text: command.text,
      responseUrl: command.response_url,
    },
    deps,
  );
}

/**
 * Runs an Undo click: the undo of the audit record the button names, as a command of the clicker's
 * (their authorization, the guard), under a trigger id of the record's: a second click finds it
 * already handled.
 */
export async function runSlackAction(job: SlackActionJob, deps: SlackRunDeps): Promise<SlackRunOutcome> {
  const { action } = job;
  if (action.actionId === APPROVE_ACTION || action.actionId === DENY_ACTION) {
    return await runApprovalClick(job, deps);
  }
  const request = {
    triggerId: undoTriggerId(action.value),
    origin: `slack undo in ${action.channel}`,
    user: action.user,
    channel: action.channel,
    text: "",
    responseUrl: action.responseUrl,
  };
  const { pipeline } = deps;
  const served = pipeline.clusters ?? Object.keys(pipeline.config.clusters);
  const plan =
    action.actionId === UNDO_ACTION
      ? undoPlanOf(action.value, await readAudit(pipeline.store, action.value), served)
      : { kind: "refused" as const, reason: `this endpoint has no button ${action.actionId}: nothing ran` };
  if (plan.kind === "refused") {
    await answer(deps, request, { responseType: "ephemeral", text: `:warning: ${plan.reason}` });
    return { kind: "refused", reason: plan.reason };
  }
  return await runCommand({ ...request, text: plan.text }, deps, {
    cluster: plan.cluster,
    undoes: plan.undoes,
  });
}

async function runCommand(
  request: CommandRequest,
  deps: SlackRunDeps,
  undo?: { cluster: string; undoes: string },
): Promise<SlackRunOutcome> {
  const { pipeline } = deps;
  const now = pipeline.now?.() ?? new Date();
  // an undo runs on the cluster it undoes, whatever the default
  const text = undo ? `${request.text} --cluster ${undo.cluster}` : request.text;
  const reading = readSlackText(text, pipeline.config);
  if (reading.kind !== "command") {
    // a slash command's ack answered this already; an undo read from an audit record is answered here
    if (undo) await answer(deps, request, { responseType: "ephemeral", text: `:warning: ${reading.text}` });
    return { kind: "refused", reason: reading.text };
  }
  const rules = pipeline.config.slack?.commands?.rules ?? [];
  const [groups, name] = await Promise.all([
    deps.directory.groupsOf(request.user, groupsNamed(rules)),
    deps.directory.nameOf(request.user),
  ]);
  const actor = slackActor(request.user, name);
  const trigger = commandTriggerOf({ ...request, text }, actor, now);
  const scope = scopeOf(reading.command, reading.cluster);
  const authorization = authorize(rules, { user: request.user, channel: request.channel, groups }, scope);

  const target = verbRequest(reading.command).target;
  await auditAuthorization(
    deps,
    authorization,
    { verb: reading.command.verb, target, dryRun: reading.dryRun },
    { trigger, actor, time: now },
  );

  if (!authorization.allowed) {
    await answer(deps, request, { responseType: "ephemeral", text: `:no_entry: ${authorization.reason}` });
    return { kind: "denied", reason: authorization.reason };
  }

  if (!reading.mutating) {
    const read = reading.command;
    try {
      const kube = await pipeline.connect(reading.cluster);
      const result = read.verb === "history" ? await history(kube, read.target) : await status(kube, target);
      const details =
        result.after === undefined ? "" : `\n\`\`\`${JSON.stringify(result.after, null, 1)}\`\`\``;
      await answer(deps, request, { responseType: "ephemeral", text: `${result.message}${details}` });
      return { kind: "read", ok: result.ok };
    } catch (error) {
      await answer(deps, request, { responseType: "ephemeral", text: `:x: ${reasonOf(error)}` });
      return { kind: "read", ok: false };
    }
  }

  const rule = authorization.allowed ? rules.find((each) => each.name === authorization.rule) : undefined;
  // an undo is a change like any other: under such a rule it waits for a second person too
  if (rule?.approval && !reading.dryRun) {
    return await askForApproval(deps, {
      trigger,
      actor,
      cluster: reading.cluster,
      user: request.user,
      channel: request.channel,
      responseUrl: request.responseUrl,
      text: request.text,
    });
  }

  const outcome = await handleTrigger(trigger, reading.cluster, {
    ...pipeline,
    actor,
    ...(reading.dryRun ? { dryRun: true } : {}),
  });
  const described = describeOutcome(outcome);
  const who = undo
    ? `<@${request.user}> undid ${undo.undoes} on ${reading.cluster}`
    : `<@${request.user}> ran \`${request.text.trim()}\` on ${reading.cluster}`;
  const replyText = `${described.changed ? `${who}\n` : ""}${described.text}`;
  // each change's button carries only its audit record's id: the click reads the undo from there
  const undoButtons = described.undos.map((undo) => ({
    type: "button",
    action_id: UNDO_ACTION,
    text: { type: "plain_text", text: `Undo: ${undo.text}`.slice(0, 75) },
    value: undo.auditId,
  }));
  await answer(deps, request, {
    // a change is news for the channel; a refusal or a dry run is for the person who asked
    responseType: described.changed ? "in_channel" : "ephemeral",
    text: replyText,
    ...(undoButtons.length > 0
      ? {
          blocks: [
            { type: "section", text: { type: "mrkdwn", text: clipped(replyText) } },
            { type: "actions", block_id: "homeostat.undo", elements: undoButtons.slice(0, 5) },
          ],
        }
      : {}),
  });
  return { kind: "ran", outcome };
}
