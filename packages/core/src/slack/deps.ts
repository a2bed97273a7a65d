// The Slack endpoint's dependencies, built once per container: the pipeline's (runtime/deps.ts), the
// signing secret and bot token, the user directory, the response_url poster and the asynchronous hop.
import { LambdaClient } from "@aws-sdk/client-lambda";
import { buildDeps, type DepsOptions } from "../runtime/deps.ts";
import { pick, RuntimeConfigError } from "../runtime/env.ts";
import { webApiDirectory } from "./directory.ts";
import { lambdaDispatcher } from "./dispatch.ts";
import type { SlackEndpointDeps } from "./endpoint.ts";
import { respondViaResponseUrl } from "./respond.ts";

/** The variables the Slack function reads beyond the pipeline's (functions/README.md). */
export const SLACK_ENV = {
  signingSecret: "HOMEOSTAT_SLACK_SIGNING_SECRET",
  botToken: "HOMEOSTAT_SLACK_BOT_TOKEN",
  /** The Web API's base URL (default Slack's); tests point it at the stand-in. */
  apiUrl: "HOMEOSTAT_SLACK_API_URL",
  /** Set by Lambda: the function the ack invokes asynchronously (itself). */
  functionName: "AWS_LAMBDA_FUNCTION_NAME",
} as const;

export interface SlackDepsOptions extends DepsOptions {
  /** The secrets when the environment does not carry them (the deployed function: SST's Resource). */
  secrets?: { signingSecret?: string; botToken?: string };
  /** Parts to use as they are instead of building them. */
  slack?: Partial<Omit<SlackEndpointDeps, "pipeline">>;
}

export async function buildSlackDeps(options: SlackDepsOptions = {}): Promise<SlackEndpointDeps> {
  const env = options.env ?? process.env;
  const given = options.slack ?? {};
  const signingSecret =
    given.signingSecret ?? options.secrets?.signingSecret ?? pick(env, SLACK_ENV.signingSecret);
  if (!signingSecret) {
    throw new RuntimeConfigError(
      `no Slack signing secret: set it with \`npx sst secret set SlackSigningSecret <secret>\` (or ${SLACK_ENV.signingSecret} locally)`,
    );
  }
  const pipeline = await buildDeps(options);
  const directory = given.directory ?? directoryFrom(env, options);
  const functionName = pick(env, SLACK_ENV.functionName);
  const dispatch =
    given.dispatch ??
    (functionName
      ? lambdaDispatcher(
          new LambdaClient({
            ...(options.aws?.endpoint ? { endpoint: options.aws.endpoint } : {}),
            ...(options.aws?.region ? { region: options.aws.region } : {}),
            ...(options.aws?.credentials ? { credentials: options.aws.credentials } : {}),
          }),
          functionName,
        )
      : undefined);
  if (!dispatch) {
    throw new RuntimeConfigError(
      `the Slack endpoint hands commands to an asynchronous run of itself: ${SLACK_ENV.functionName} names it (Lambda sets it)`,
    );
  }
  return {
    pipeline,
    signingSecret,
    directory,
    dispatch,
    respond: given.respond ?? respondViaResponseUrl,
    ...(given.nowMs ? { nowMs: given.nowMs } : {}),
  };
}

function directoryFrom(
  env: NodeJS.ProcessEnv | Record<string, string | undefined>,
  options: SlackDepsOptions,
) {
  const token = options.secrets?.botToken ?? pick(env, SLACK_ENV.botToken);
  if (!token) {
    throw new RuntimeConfigError(
      `no Slack bot token: set it with \`npx sst secret set SlackBotToken xoxb-…\` (or ${SLACK_ENV.botToken} locally)`,
    );
  }
  const slackApiUrl = pick(env, SLACK_ENV.apiUrl);
  return webApiDirectory({ token, ...(slackApiUrl ? { slackApiUrl } : {}) });
}
