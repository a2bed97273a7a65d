// The Lambda handlers Homeostat deploys, by name: what functions/ builds, stacks/ deploys and
// `homeostat invoke` runs locally. Imports nothing, so stacks/ (which cannot load packages/core's
// types) can use it too.

/** Each is `functions/<name>.ts` and the function `homeostat-<stage>-<name>`. */
export const HANDLER_NAMES = ["alarm", "node-events", "schedule", "rollout-guard", "notify"] as const;
export type HandlerName = (typeof HANDLER_NAMES)[number];

export function isHandlerName(value: string): value is HandlerName {
  return (HANDLER_NAMES as readonly string[]).includes(value);
}
