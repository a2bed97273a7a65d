export { decide } from "./decide.ts";
export { describeAction } from "./describe.ts";
export { describeNode, nodeFactOf } from "./facts.ts";
export { isGlob, matchesAnyGlob, matchesGlob } from "./glob.ts";
export type * from "./plan.ts";
