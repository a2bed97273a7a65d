/**
 * What both middlewares (middleware.ts, slack-middleware.ts) need per Lambda container: the
 * pipeline's logger over Powertools, and dependencies built once at the first invocation and reused
 * while the container is warm — built again by the next invocation when building failed.
 */
import type { Logger } from "@aws-lambda-powertools/logger";
import type { PipelineLogger } from "@homeostat/core/runtime";

export function pipelineLogger(logger: Logger): PipelineLogger {
  return {
    debug: (message, extra) => logger.debug(message, extra ?? {}),
    info: (message, extra) => logger.info(message, extra ?? {}),
    warn: (message, extra) => logger.warn(message, extra ?? {}),
    error: (message, extra) => logger.error(message, extra ?? {}),
  };
}

export function oncePerContainer<T>(build: () => Promise<T>): () => Promise<T> {
  let built: Promise<T> | undefined;
  return () => {
    if (!built) {
      built = build();
      built.catch(() => {
        built = undefined;
      });
    }
    return built;
  };
}
