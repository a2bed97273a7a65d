// The hop from the ack to the run: the endpoint answers Slack within 3 s and hands the command to an
// asynchronous invocation of the same function (InvocationType Event). The job event has its own
// shape (slackJobSchema): a function URL request can never be read as one, and only a caller allowed
// lambda:InvokeFunction can send it.
import { InvokeCommand, type LambdaClient } from "@aws-sdk/client-lambda";
import { z } from "zod";
import { slashCommandSchema } from "./request.ts";

export const slackCommandJobSchema = z.strictObject({
  homeostat: z.literal("slack-command"),
  /** The verified slash command, as Slack sent it. */
  command: slashCommandSchema,
});

export const slackActionJobSchema = z.strictObject({
  homeostat: z.literal("slack-action"),
  /**
   * The verified button click: which button, the id it carries (an audit record's for Undo, a pending
   * approval's for Approve / Deny), who clicked where, and the message it is on.
   */
  action: z.strictObject({
    actionId: z.string().min(1),
    value: z.string().max(2000),
    user: z.string().min(1),
    channel: z.string().min(1),
    messageTs: z.string().min(1).optional(),
    responseUrl: z.url(),
  }),
});

export const slackJobSchema = z.discriminatedUnion("homeostat", [
  slackCommandJobSchema,
  slackActionJobSchema,
]);
export type SlackCommandJob = z.output<typeof slackCommandJobSchema>;
export type SlackActionJob = z.output<typeof slackActionJobSchema>;
export type SlackJob = z.output<typeof slackJobSchema>;

export type DispatchJob = (job: SlackJob) => Promise<void>;

/** Invokes `functionName` (this function: AWS_LAMBDA_FUNCTION_NAME) asynchronously with the job. */
export function lambdaDispatcher(client: LambdaClient, functionName: string): DispatchJob {
  return async (job) => {
    const answer = await client.send(
      new InvokeCommand({
        FunctionName: functionName,
        InvocationType: "Event",
        Payload: new TextEncoder().encode(JSON.stringify(job)),
      }),
    );
    if (answer.StatusCode !== 202) {
      throw new Error(`Lambda did not queue the command (status ${answer.StatusCode ?? "none"})`);
    }
  };
}
