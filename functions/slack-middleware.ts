/**
 * The Slack function: middy with Powertools Logger around one call into the core's Slack endpoint
 * (`handleSlackEvent`): a function URL request from Slack, acknowledged within 3 s, or the job that ack
 * handed to an asynchronous run of this same function. Dependencies are built at the first invocation
 * and reused while the container is warm.
 *
 * @example
 * export const handler = createSlackHandler();
 * // tests: the real handler with other dependencies
 * const invoke = createSlackHandler({ slack: { dispatch: async (job) => { jobs.push(job); } } });
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { oncePerContainer, pipelineLogger } from "@homeostat/core/runtime";
import {
  buildSlackDeps,
  type FunctionUrlResult,
  handleSlackEvent,
  type SlackDepsOptions,
  type SlackRunOutcome,
} from "@homeostat/core/slack/commands";
import middy from "@middy/core";
import type { Context } from "aws-lambda";
import bundledConfig from "../homeostat.config.ts";

export interface SlackHandlerOptions extends SlackDepsOptions {
  logger?: Logger;
}

export function createSlackHandler(options: SlackHandlerOptions = {}) {
  const env = options.env ?? process.env;
  const logger =
    options.logger ??
    new Logger({
      serviceName: env.POWERTOOLS_SERVICE_NAME ?? "homeostat",
      persistentKeys: { handler: "slack" },
    });
  const depsOnce = oncePerContainer(() =>
    buildSlackDeps({
      defaultConfig: bundledConfig,
      ...options,
      deps: { log: pipelineLogger(logger), ...options.deps },
    }),
  );
  return middy<unknown, FunctionUrlResult | SlackRunOutcome, Error, Context>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .handler(async (event) => await handleSlackEvent(event, await depsOnce()));
}
