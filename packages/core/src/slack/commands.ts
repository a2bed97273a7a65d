// The asynchronous half of a slash command: who is asking (authorize.ts, with their groups looked up),
// then the command — a read answered at once, a change as a `command` trigger through the one pipeline
// (protected namespaces, bounds, budgets, freezes, cooldowns, idempotency, audit) — and the answer on
// the command's response_url. Every allow and deny is audited.
import type { VerbCommand } from "../command/index.ts";
import { verbRequest } from "../domain/verbs/index.ts";
import type { CommandTrigger } from "../events/trigger.ts";
import { history, status } from "../kube/index.ts";
import { auditLogSink, auditRecordFromResult, skippedAuditRecord, writeRecords } from "../record/index.ts";
import { handleTrigger, type PipelineDeps, type TriggerOutcome } from "../runtime/pipeline.ts";
import { reasonOf } from "../runtime/transient.ts";
import { authorize, groupsNamed } from "./authorize.ts";
import type { SlackDirectory } from "./directory.ts";
import type { SlackJob } from "./dispatch.ts";
import { readSlackText } from "./reading.ts";
import type { Respond, SlackReply } from "./respond.ts";

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
  | { kind: "ran"; outcome: TriggerOutcome };

/** The command trigger of a slash command: its id is Slack's trigger_id, so a redelivered job acts once. */
export function commandTriggerOf(job: SlackJob, actor: string, now: Date): CommandTrigger {
  const { command } = job;
  return {
    kind: "command",
    id: `slack#${command.team_id}#${command.trigger_id}`,
    time: now.toISOString(),
    origin: `slack ${command.command} in ${command.channel_id}`,
    actor,
    text: command.text,
  };
}

function scopeOf(command: VerbCommand, cluster: string) {
  const target = verbRequest(command).target;
  return { verb: command.verb, cluster, ...(target.kind === "Node" ? {} : { namespace: target.namespace }) };
}

/** What the pipeline did, in lines a person reads in Slack. */
function describeOutcome(outcome: TriggerOutcome): { text: string; changed: boolean } {
  const lines: string[] = [];
  let changed = false;
  for (const { result } of outcome.results) {
    changed ||= result.changed && !result.dryRun;
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
  return { text: lines.join("\n"), changed };
}

async function answer(deps: SlackRunDeps, job: SlackJob, reply: SlackReply): Promise<void> {
  try {
    await deps.respond(job.command.response_url, reply);
  } catch (error) {
    // the action's outcome stands and is audited: a lost answer must not undo or repeat it
    deps.pipeline.log?.warn("could not answer on the response_url", { error: String(error) });
  }
}

/** Runs one slash command handed over by the ack (dispatch.ts), and answers on its response_url. */
export async function runSlackCommand(job: SlackJob, deps: SlackRunDeps): Promise<SlackRunOutcome> {
  const { pipeline } = deps;
  const now = pipeline.now?.() ?? new Date();
  const { command } = job;
  const reading = readSlackText(command.text, pipeline.config);
  if (reading.kind !== "command") {
    // the ack answered these already; a job is only made for a command
    return { kind: "refused", reason: reading.text };
  }
  const rules = pipeline.config.slack?.commands?.rules ?? [];
  const [groups, name] = await Promise.all([
    deps.directory.groupsOf(command.user_id, groupsNamed(rules)),
    deps.directory.nameOf(command.user_id),
  ]);
  const actor = `slack:${command.user_id}${name ? ` (${name})` : ""}`;
  const trigger = commandTriggerOf(job, actor, now);
  const scope = scopeOf(reading.command, reading.cluster);
  const authorization = authorize(
    rules,
    { user: command.user_id, channel: command.channel_id, groups },
    scope,
  );

  const target = verbRequest(reading.command).target;
  const context = { trigger, actor, time: now, id: `${trigger.id}#slack-authorization` };
  const audit = authorization.allowed
    ? auditRecordFromResult(
        {
          verb: reading.command.verb,
          target,
          ok: true,
          changed: false,
          dryRun: reading.dryRun,
          before: undefined,
          after: undefined,
          message: `allowed by slack.commands rule ${authorization.rule}`,
          warnings: [],
          durationMs: 0,
          apiRequests: 0,
        },
        { ...context, policy: `slack-rule:${authorization.rule}` },
      )
    : skippedAuditRecord(
        { verb: reading.command.verb, target, dryRun: reading.dryRun },
        authorization.reason,
        { ...context, policy: "slack-rules" },
      );
  const { failures } = await writeRecords([audit], pipeline.sinks ?? [auditLogSink(pipeline.store)]);
  for (const failure of failures) pipeline.log?.error("could not write the audit record", { ...failure });

  if (!authorization.allowed) {
    await answer(deps, job, { responseType: "ephemeral", text: `:no_entry: ${authorization.reason}` });
    return { kind: "denied", reason: authorization.reason };
  }

  if (!reading.mutating) {
    const read = reading.command;
    try {
      const kube = await pipeline.connect(reading.cluster);
      const result = read.verb === "history" ? await history(kube, read.target) : await status(kube, target);
      const details =
        result.after === undefined ? "" : `\n\`\`\`${JSON.stringify(result.after, null, 1)}\`\`\``;
      await answer(deps, job, { responseType: "ephemeral", text: `${result.message}${details}` });
      return { kind: "read", ok: result.ok };
    } catch (error) {
      await answer(deps, job, { responseType: "ephemeral", text: `:x: ${reasonOf(error)}` });
      return { kind: "read", ok: false };
    }
  }

  const outcome = await handleTrigger(trigger, reading.cluster, {
    ...pipeline,
    actor,
    ...(reading.dryRun ? { dryRun: true } : {}),
  });
  const { text, changed } = describeOutcome(outcome);
  await answer(deps, job, {
    // a change is news for the channel; a refusal or a dry run is for the person who asked
    responseType: changed ? "in_channel" : "ephemeral",
    text: `${changed ? `<@${command.user_id}> ran \`${command.text.trim()}\` on ${reading.cluster}\n` : ""}${text}`,
  });
  return { kind: "ran", outcome };
}
