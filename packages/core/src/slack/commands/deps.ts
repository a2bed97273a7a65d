// The Slack endpoint's dependencies, built once per container. The ack's (config, signing secret, the
// asynchronous hop) at the first request; the run's (the pipeline's, from runtime/deps.ts, the user
// directory, the response_url poster) at the first job, loaded then: a cold ack does not load the
// cluster client, the state store or the Web API client.
import { LambdaClient } from "@aws-sdk/client-lambda";
import type { HomeostatConfig } from "../../config/schema.ts";
import type { AwsClientSettings, DepsOptions } from "../../runtime/deps.ts";
import { ENV, type Env, pick, RuntimeConfigError, secretFrom } from "../../runtime/env.ts";
import { lambdaDispatcher } from "./dispatch.ts";
import type { SlackEndpointDeps } from "./endpoint.ts";
import type { SlackRunDeps } from "./run.ts";

export interface SlackDepsOptions extends DepsOptions {
  /** Parts to use as they are instead of building them. */
  slack?: Partial<Omit<SlackEndpointDeps, "config" | "run">> & Partial<Omit<SlackRunDeps, "pipeline">>;
}

async function configFrom(env: Env, options: SlackDepsOptions): Promise<HomeostatConfig> {
  if (options.deps?.config) return options.deps.config;
  const path = pick(env, "HOMEOSTAT_CONFIG");
  if (path) return await (await import("../../config/load.ts")).loadConfig(path);
  if (options.defaultConfig) return options.defaultConfig;
  throw new RuntimeConfigError(
    "no config: set HOMEOSTAT_CONFIG to the path of a homeostat.config.ts or JSON file",
  );
}

function lambdaClient(aws: AwsClientSettings | undefined): LambdaClient {
  return new LambdaClient({
    ...(aws?.endpoint ? { endpoint: aws.endpoint } : {}),
    ...(aws?.region ? { region: aws.region } : {}),
    ...(aws?.credentials ? { credentials: aws.credentials } : {}),
  });
}

async function runDeps(env: Env, config: HomeostatConfig, options: SlackDepsOptions): Promise<SlackRunDeps> {
  const given = options.slack ?? {};
  const [{ buildDeps }, { webApiDirectory }, { respondViaResponseUrl }] = await Promise.all([
    import("../../runtime/deps.ts"),
    import("./directory.ts"),
    import("./respond.ts"),
  ]);
  const pipeline = await buildDeps({ ...options, deps: { ...options.deps, config } });
  let directory = given.directory;
  if (!directory) {
    const token = secretFrom(env, ENV.slackToken, ENV.slackTokenSecret);
    if (!token) {
      throw new RuntimeConfigError(
        `no Slack bot token: set it with \`npx sst secret set SlackBotToken xoxb-…\` (or ${ENV.slackToken} locally)`,
      );
    }
    const slackApiUrl = pick(env, ENV.slackApiUrl);
    directory = webApiDirectory({ token, ...(slackApiUrl ? { slackApiUrl } : {}) });
  }
  return { pipeline, directory, respond: given.respond ?? respondViaResponseUrl };
}

export async function buildSlackDeps(options: SlackDepsOptions = {}): Promise<SlackEndpointDeps> {
  const env = options.env ?? process.env;
  const given = options.slack ?? {};
  const signingSecret =
    given.signingSecret ?? secretFrom(env, ENV.slackSigningSecret, ENV.slackSigningSecretLinked);
  if (!signingSecret) {
    throw new RuntimeConfigError(
      `no Slack signing secret: set it with \`npx sst secret set SlackSigningSecret <secret>\` (or ${ENV.slackSigningSecret} locally)`,
    );
  }
  const config = await configFrom(env, options);
  const functionName = pick(env, ENV.functionName);
  const dispatch =
    given.dispatch ?? (functionName ? lambdaDispatcher(lambdaClient(options.aws), functionName) : undefined);
  if (!dispatch) {
    throw new RuntimeConfigError(
      `the Slack endpoint hands commands to an asynchronous run of itself: ${ENV.functionName} names it (Lambda sets it)`,
    );
  }
  let run: Promise<SlackRunDeps> | undefined;
  return {
    config,
    signingSecret,
    dispatch,
    ...(options.deps?.log ? { log: options.deps.log } : {}),
    ...(given.nowMs ? { nowMs: given.nowMs } : {}),
    run: () => {
      if (!run) {
        run = runDeps(env, config, options);
        // a failed build (a missing token) is tried again by the next job
        run.catch(() => {
          run = undefined;
        });
      }
      return run;
    },
  };
}
