// The Slack endpoint: one Lambda behind a function URL. A request from Slack is verified first (401
// and nothing else when it is not Slack's), read with the one grammar, and acknowledged at once — help
// and refusals answered in the ack, a command with "working on …" and handed to an asynchronous run
// of the same function (dispatch.ts). That run arrives as a job event and is runSlackCommand.
import type { PipelineLogger } from "../runtime/pipeline.ts";
import { runSlackCommand, type SlackRunDeps, type SlackRunOutcome } from "./commands.ts";
import { type DispatchJob, slackJobSchema } from "./dispatch.ts";
import { readSlackText } from "./reading.ts";
import {
  type FunctionUrlEvent,
  type FunctionUrlResult,
  isFunctionUrlEvent,
  rawRequestOf,
  readInteraction,
} from "./request.ts";
import { verifySlackSignature } from "./verify.ts";

export interface SlackEndpointDeps extends SlackRunDeps {
  signingSecret: string;
  dispatch: DispatchJob;
  /** Milliseconds since the epoch: the signature's window is checked against it. */
  nowMs?: () => number;
}

export class SlackEventError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SlackEventError";
  }
}

const noLog: PipelineLogger = { info() {}, warn() {}, error() {} };

function ephemeral(text: string): FunctionUrlResult {
  return {
    statusCode: 200,
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ response_type: "ephemeral", text }),
  };
}

const UNAUTHORIZED: FunctionUrlResult = { statusCode: 401, body: "" };

/** Answers one HTTP request of Slack's within its 3 seconds; changes nothing itself. */
export async function answerSlackRequest(
  event: FunctionUrlEvent,
  deps: SlackEndpointDeps,
): Promise<FunctionUrlResult> {
  const log = deps.pipeline.log ?? noLog;
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
    // Buttons (approve, deny, undo) are not served yet: say so instead of leaving the click unanswered.
    return ephemeral("Homeostat does not act on buttons yet: nothing was done.");
  }
  const { command } = interaction;
  const reading = readSlackText(command.text, deps.pipeline.config);
  if (reading.kind === "help") return ephemeral(`\`\`\`${reading.text}\`\`\``);
  if (reading.kind === "refused") return ephemeral(`:warning: ${reading.text}`);
  try {
    await deps.dispatch({ homeostat: "slack-command", command });
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

/**
 * The Slack function's two kinds of event: a function URL request (answered within 3 s), or the job
 * its ack handed over (run to the end).
 */
export async function handleSlackEvent(
  event: unknown,
  deps: SlackEndpointDeps,
): Promise<FunctionUrlResult | SlackRunOutcome> {
  if (isFunctionUrlEvent(event)) return await answerSlackRequest(event, deps);
  const job = slackJobSchema.safeParse(event);
  if (job.success) return await runSlackCommand(job.data, deps);
  throw new SlackEventError(
    "the Slack function takes a function URL request (payload format 2.0) or its own slack-command job; this event is neither",
  );
}
