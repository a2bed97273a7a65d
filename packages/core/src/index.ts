export type * from "./kube/types.ts";
