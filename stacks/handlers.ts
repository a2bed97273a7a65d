// a file that imports nothing but a type, so it is safe here (see tsconfig.infra.json on packages/ imports)
import type { HandlerName } from "../packages/core/src/domain/handlers.ts";

/**
 * The four Lambda handlers. Each is a thin middy adapter in functions/ around one call into
 * packages/core; SST bundles it (esbuild, ESM) with what it imports.
 *
 * Names are fixed (`homeostat-<stage>-<handler>`) rather than generated so that ARNs are known before
 * the functions exist: the scheduler role and the functions' own environment (targets of the
 * schedules they create) refer to them without a dependency cycle.
 */
export const HANDLERS = {
  alarm: { handler: "functions/alarm.handler", timeout: "2 minutes" },
  // drains run here: the ASG hook and spot warnings need time (heartbeats keep a hook alive meanwhile)
  nodeEvents: { handler: "functions/node-events.handler", timeout: "15 minutes" },
  schedule: { handler: "functions/schedule.handler", timeout: "5 minutes" },
  rolloutGuard: { handler: "functions/rollout-guard.handler", timeout: "5 minutes" },
} as const satisfies Record<string, { handler: string; timeout: `${number} ${"minute" | "minutes"}` }>;

export type HandlerKey = keyof typeof HANDLERS;

export const FUNCTION_SUFFIX: Record<HandlerKey, HandlerName> = {
  alarm: "alarm",
  nodeEvents: "node-events",
  schedule: "schedule",
  rolloutGuard: "rollout-guard",
};
