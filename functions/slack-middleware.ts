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
import type { PipelineLogger } from "@homeostat/core/runtime";
import {
  buildSlackDeps,
  type FunctionUrlResult,
  handleSlackEvent,
  type SlackDepsOptions,
  type SlackEndpointDeps,
  type SlackRunOutcome,
} from "@homeostat/core/slack/commands";
import middy from "@middy/core";
import type { Context } from "aws-lambda";
import bundledConfig from "../homeostat.config.ts";

export interface SlackHandlerOptions extends SlackDepsOptions {
  logger?: Logger;
}

function pipelineLogger(logger: Logger): PipelineLogger {
  return {
    debug: (message, extra) => logger.debug(message, extra ?? {}),
    info: (message, extra) => logger.info(message, extra ?? {}),
    warn: (message, extra) => logger.warn(message, extra ?? {}),
    error: (message, extra) => logger.error(message, extra ?? {}),
  };
}

export function createSlackHandler(options: SlackHandlerOptions = {}) {
  const env = options.env ?? process.env;
  const logger =
    options.logger ??
    new Logger({
      serviceName: env.POWERTOOLS_SERVICE_NAME ?? "homeostat",
      persistentKeys: { handler: "slack" },
    });
  let deps: Promise<SlackEndpointDeps> | undefined;
  const depsOnce = () => {
    if (!deps) {
      deps = buildSlackDeps({
        defaultConfig: bundledConfig,
        ...options,
        deps: { log: pipelineLogger(logger), ...options.deps },
      });
      deps.catch(() => {
        deps = undefined;
      });
    }
    return deps;
  };
  return middy<unknown, FunctionUrlResult | SlackRunOutcome, Error, Context>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .handler(async (event) => await handleSlackEvent(event, await depsOnce()));
}
