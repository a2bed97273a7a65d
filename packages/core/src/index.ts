// @homeostat/core: one folder per pipeline stage or adapter, each with its own surface, imported as
// `@homeostat/core/<folder>` (events, config, policy, guard, kube, state, audit, pipeline, rollout,
// command, cli). The root exports only the shared types.

export type * from "./domain/target.ts";
export type * from "./domain/verb.ts";
export type * from "./events/trigger.ts";
