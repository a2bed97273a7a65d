// The Slack endpoint: one Lambda behind a function URL, with two kinds of event — a request from Slack,
// acknowledged within its 3 seconds (ack.ts), and the job that ack handed to an asynchronous run of the
// same function, run to the end (run.ts). The run's code and dependencies (the pipeline, the
// cluster client, the state store, the Web API) are loaded only when a job arrives, so a cold ack
// does not pay for them.
import { answerSlackRequest, type SlackAckDeps } from "./ack.ts";
import { openJob } from "./dispatch.ts";
import { type FunctionUrlResult, isFunctionUrlEvent } from "./request.ts";
import type { SlackRunDeps, SlackRunOutcome } from "./run.ts";

export interface SlackEndpointDeps extends SlackAckDeps {
  /** The run's dependencies, built at the first job (and kept while the container is warm). */
  run: () => Promise<SlackRunDeps>;
}

export class SlackEventError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SlackEventError";
  }
}

/** A function URL request (answered within 3 s), or the job its ack handed over (run to the end). */
export async function handleSlackEvent(
  event: unknown,
  deps: SlackEndpointDeps,
): Promise<FunctionUrlResult | SlackRunOutcome> {
  if (isFunctionUrlEvent(event)) return await answerSlackRequest(event, deps);
  const opened = openJob(event, deps.signingSecret);
  if (opened.kind === "bad-seal") {
    // not retried (a redelivery has the same seal): the log says why nothing ran
    deps.log?.error("refused a Slack job whose seal is not the signing secret's: nothing ran", {});
    return {
      kind: "refused",
      reason: "the job's seal is not the signing secret's (it was not handed over by this endpoint's ack)",
    };
  }
  if (opened.kind === "job") {
    const { job } = opened;
    const { runSlackAction, runSlackCommand } = await import("./run.ts");
    return job.homeostat === "slack-command"
      ? await runSlackCommand(job, await deps.run())
      : await runSlackAction(job, await deps.run());
  }
  throw new SlackEventError(
    "the Slack function takes a function URL request (payload format 2.0) or its own slack-command / slack-action job; this event is neither",
  );
}
