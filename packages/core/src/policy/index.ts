export { decide } from "./decide.ts";
export { describeAction, describeNode } from "./describe.ts";
export { isGlob, matchesAnyGlob, matchesGlob } from "./glob.ts";
export type * from "./plan.ts";
