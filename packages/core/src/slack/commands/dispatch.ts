// The hop from the ack to the run: the endpoint answers Slack within 3 s and hands the command to an
// asynchronous invocation of the same function (InvocationType Event). The job event has its own
// shape (slackJobSchema): a function URL request can never be read as one. The ack seals each job
// with an HMAC under the Slack signing secret and the run opens only sealed jobs, so holding
// lambda:InvokeFunction on the function is not enough to make it act as a Slack user.
import { createHmac, timingSafeEqual } from "node:crypto";
import { InvokeCommand, type LambdaClient } from "@aws-sdk/client-lambda";
import * as z from "zod";
import { slashCommandSchema } from "./request.ts";

/** The job's HMAC-SHA256 (hex) under the signing secret, over its other fields (sealJob). */
const seal = z.string().regex(/^[0-9a-f]{64}$/);

export const slackCommandJobSchema = z.strictObject({
  homeostat: z.literal("slack-command"),
  seal,
  /** The verified slash command, as Slack sent it. */
  command: slashCommandSchema,
});

export const slackActionJobSchema = z.strictObject({
  homeostat: z.literal("slack-action"),
  seal,
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

/** A job as the ack builds it, before it is sealed. */
export type UnsealedJob = DistributiveOmit<SlackJob, "seal">;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export type DispatchJob = (job: SlackJob) => Promise<void>;

/** JSON with object keys sorted: the same bytes whatever order the fields travel in. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value)
      .filter(([, field]) => field !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, field]) => `${JSON.stringify(key)}:${canonical(field)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

// Node's HMAC: no library seals an arbitrary JSON payload; Bolt's verifier is for Slack's requests only
function macOf(job: UnsealedJob, signingSecret: string): Buffer {
  return createHmac("sha256", signingSecret)
    .update(`homeostat-job:v1:${canonical(job)}`)
    .digest();
}

export function sealJob(job: UnsealedJob, signingSecret: string): SlackJob {
  return { ...job, seal: macOf(job, signingSecret).toString("hex") } as SlackJob;
}

/** The job in `event`, if it is one and its seal is the signing secret's; else why not. */
export function openJob(
  event: unknown,
  signingSecret: string,
): { kind: "job"; job: SlackJob } | { kind: "not-a-job" } | { kind: "bad-seal" } {
  const parsed = slackJobSchema.safeParse(event);
  if (!parsed.success) return { kind: "not-a-job" };
  const { seal: given, ...job } = parsed.data;
  const expected = macOf(job, signingSecret);
  const actual = Buffer.from(given, "hex");
  return actual.length === expected.length && timingSafeEqual(actual, expected)
    ? { kind: "job", job: parsed.data }
    : { kind: "bad-seal" };
}

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
