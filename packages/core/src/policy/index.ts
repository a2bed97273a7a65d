export { decide } from "./decide.ts";
export { describeAction, describeNode } from "./describe.ts";
export { isGlob, matchesAnyGlob, matchesGlob } from "./glob.ts";
export type { CommandReading, MatchedPolicy, TriggerMatch, UnmatchedPolicy } from "./match.ts";
export { candidateActions, couldAct, matchedActions, matchPolicies, readCommand } from "./match.ts";
export type * from "./plan.ts";
