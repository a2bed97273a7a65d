// The shape of one verb's declaration: everything about a verb that needs no client. The kube adapter
// adds how it runs (kube/verbs.ts); policy, the CLI and act read the rest from here.
import type { z } from "zod";
import type { NodeTarget, Target, WorkloadTarget } from "../target.ts";
import type { UndoAction } from "../verb.ts";

/** What a verb acts on: a Deployment or StatefulSet, a node, or either (status). */
export type VerbTargetKind = "workload" | "node" | "workload-or-node";

export type TargetOfKind<Kind extends VerbTargetKind> = Kind extends "workload"
  ? WorkloadTarget
  : Kind extends "node"
    ? NodeTarget
    : Target;

/** A Kubernetes API verb, as RBAC names it. */
export type ApiVerb = "get" | "list" | "watch" | "create" | "update" | "patch" | "delete";

/** One RBAC grant a verb needs: `resource` may be a subresource (`deployments/scale`). */
export interface RbacRule {
  /** `""` for the core group. */
  apiGroup: string;
  resource: string;
  verbs: readonly ApiVerb[];
}

export interface VerbDeclaration<
  Name extends string,
  Mutating extends boolean,
  Kind extends VerbTargetKind,
  Params extends z.ZodType<Record<string, unknown>>,
  CommandInput,
  Before,
> {
  name: Name;
  /** false: the verb only reads (it is answered directly, never planned or guarded). */
  mutating: Mutating;
  target: Kind;
  /** The verb's parameters as plans, audit records and undo actions carry them (plain JSON). */
  params: Params;
  /** One line for plans, audit and Slack: `scale deployment shop/checkout by +2 (max 20)`. */
  describe(target: TargetOfKind<Kind>, params: z.output<Params>): string;
  /** The verb as a person typed it (CLI argv, Slack text, parsed by command/): its target and params. */
  fromCommand(command: CommandInput): { target: TargetOfKind<Kind>; params: z.output<Params> };
  /** The words after the target that ask for `params` again: what `fromCommand` reads back. */
  commandArgs(params: z.output<Params>): string[];
  /** Everything the verb sends to the API server, for the shipped ClusterRole. */
  rbac: readonly RbacRule[];
  /**
   * The action that reverses this one, given what was there before (when known). Absent: the verb has
   * no undo (a restart rolls the pods; nothing brings the old ones back).
   */
  undo?: (target: TargetOfKind<Kind>, before?: Before) => UndoAction | undefined;
}

/** Declares a verb; the identity function that lets TypeScript keep the literal types. */
export function defineVerb<
  const Name extends string,
  const Mutating extends boolean,
  const Kind extends VerbTargetKind,
  Params extends z.ZodType<Record<string, unknown>>,
  CommandInput,
  Before = never,
>(
  declaration: VerbDeclaration<Name, Mutating, Kind, Params, CommandInput, Before>,
): VerbDeclaration<Name, Mutating, Kind, Params, CommandInput, Before> {
  return declaration;
}
