// The ack: a request from Slack is verified first (401 and nothing else when it is not Slack's), read
// with the one grammar, and answered at once — help and refusals in the ack, a command with "Working
// on …" after handing it to an asynchronous run of the same function (dispatch.ts). It loads only what
// that needs (no cluster client, no state store, no Web API): a cold start pays for little else.
import type { HomeostatConfig } from "../../config/schema.ts";
import type { PipelineLogger } from "../../runtime/pipeline.ts";
import { type DispatchJob, sealJob, type UnsealedJob } from "./dispatch.ts";
import { readSlackText } from "./reading.ts";
import { type FunctionUrlEvent, type FunctionUrlResult, rawRequestOf, readInteraction } from "./request.ts";
import { verifySlackSignature } from "./verify.ts";

export interface SlackAckDeps {
  config: Pick<HomeostatConfig, "clusters" | "defaultCluster">;
  signingSecret: string;
  dispatch: DispatchJob;
  /** Milliseconds since the epoch: the signature's window is checked against it. */
  nowMs?: () => number;
  log?: PipelineLogger;
}

const noLog: PipelineLogger = { info() {}, warn() {}, error() {} };

function ephemeral(text: string): FunctionUrlResult {
  return {
    statusCode: 200,
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ response_type: "ephemeral", text }),
  };
}

/** The Undo button on a result (value: the id of its audit record). */
export const UNDO_ACTION = "homeostat.undo";
/** Approve and Deny on an action waiting for a person (value: the id of its pending approval). */
export const APPROVE_ACTION = "homeostat.approve";
export const DENY_ACTION = "homeostat.deny";
const BUTTONS: ReadonlySet<string> = new Set([UNDO_ACTION, APPROVE_ACTION, DENY_ACTION]);

const UNAUTHORIZED: FunctionUrlResult = { statusCode: 401, body: "" };

/** Hands a job to the asynchronous run, sealed so the run knows this ack sent it. */
async function dispatchSealed(deps: SlackAckDeps, job: UnsealedJob): Promise<void> {
  await deps.dispatch(sealJob(job, deps.signingSecret));
}

/** Answers one HTTP request of Slack's within its 3 seconds; changes nothing itself. */
export async function answerSlackRequest(
  event: FunctionUrlEvent,
  deps: SlackAckDeps,
): Promise<FunctionUrlResult> {
  const log = deps.log ?? noLog;
  const { body, headers } = rawRequestOf(event);
  const verification = verifySlackSignature({
    body,
    headers,
    signingSecret: deps.signingSecret,
    nowMs: deps.nowMs?.() ?? Date.now(),
  });
  if (!verification.ok) {
    log.warn("refused a request that is not Slack's", { reason: verification.reason });
    return UNAUTHORIZED;
  }
  if (event.requestContext.http.method !== "POST") return { statusCode: 405, body: "" };
  const interaction = readInteraction(body);
  if (interaction.kind === "unreadable") {
    log.warn("unreadable Slack request", { reason: interaction.reason });
    return { statusCode: 400, body: interaction.reason };
  }
  if (interaction.kind === "block-actions") {
    const { actions, user, channel, container, response_url: responseUrl } = interaction.actions;
    const [action] = actions;
    if (!action || !BUTTONS.has(action.action_id) || !action.value || !channel || !responseUrl) {
      return ephemeral("Homeostat has no such button: nothing was done.");
    }
    const messageTs = container?.message_ts;
    try {
      await dispatchSealed(deps, {
        homeostat: "slack-action",
        action: {
          actionId: action.action_id,
          value: action.value,
          user: user.id,
          channel: channel.id,
          ...(messageTs ? { messageTs } : {}),
          responseUrl,
        },
      });
    } catch (error) {
      log.error("could not hand the click over", { error: String(error) });
      return ephemeral(`:x: Homeostat could not take the click: ${String(error)}. Nothing ran.`);
    }
    // the run answers on the response_url; Slack wants only a 200 within 3 s here
    return { statusCode: 200, body: "" };
  }
  const { command } = interaction;
  const reading = readSlackText(command.text, deps.config);
  if (reading.kind === "help") return ephemeral(`\`\`\`${reading.text}\`\`\``);
  if (reading.kind === "refused") return ephemeral(`:warning: ${reading.text}`);
  try {
    await dispatchSealed(deps, { homeostat: "slack-command", command });
  } catch (error) {
    log.error("could not hand the command over", { error: String(error) });
    return ephemeral(
      `:x: Homeostat could not start \`${command.text.trim()}\`: ${String(error)}. Nothing ran.`,
    );
  }
  const dryRun = reading.dryRun ? " (dry run)" : "";
  return ephemeral(
    `:hourglass_flowing_sand: Working on \`${command.text.trim()}\`${dryRun} on ${reading.cluster}…`,
  );
}
