// The registry of Homeostat's verbs, pure: each verb declared once (its params, target, description,
// command form, RBAC and undo). kube/verbs.ts adds how each runs; policy, the CLI and act read the rest
// from here, so none of them keeps a list of verbs of its own.
import type { z } from "zod";
import { formatTarget } from "../target.ts";
import type { UndoAction } from "../verb.ts";
import { cordonVerb, uncordonVerb } from "./cordon.ts";
import type { RbacRule, TargetOfKind } from "./declaration.ts";
import { drainVerb } from "./drain.ts";
import { historyVerb } from "./history.ts";
import { restartVerb } from "./restart.ts";
import { rollbackVerb } from "./rollback.ts";
import { scaleVerb } from "./scale.ts";
import { statusVerb } from "./status.ts";

export type { ApiVerb, RbacRule, TargetOfKind, VerbDeclaration, VerbTargetKind } from "./declaration.ts";
export { defineVerb } from "./declaration.ts";

/** Keys must be the declarations' names: `VERBS[verb]` is that verb. */
function registry<const R extends { [K in keyof R]: { name: K } }>(verbs: R): R {
  return verbs;
}

export const VERBS = registry({
  scale: scaleVerb,
  restart: restartVerb,
  rollback: rollbackVerb,
  cordon: cordonVerb,
  uncordon: uncordonVerb,
  drain: drainVerb,
  status: statusVerb,
  history: historyVerb,
});

type Registry = typeof VERBS;
export type Verb = keyof Registry;
/** The verbs that change the cluster: planned, guarded, audited, undoable. */
export type MutatingVerb = { [V in Verb]: Registry[V]["mutating"] extends true ? V : never }[Verb];
export type ReadVerb = Exclude<Verb, MutatingVerb>;
/** Mutating verbs on a Deployment or StatefulSet. */
export type WorkloadVerb = {
  [V in MutatingVerb]: Registry[V]["target"] extends "workload" ? V : never;
}[MutatingVerb];
/** Mutating verbs on a node. */
export type NodeVerb = {
  [V in MutatingVerb]: Registry[V]["target"] extends "node" ? V : never;
}[MutatingVerb];
export type VerbParams<V extends Verb> = z.output<Registry[V]["params"]>;
export type VerbTarget<V extends Verb> = TargetOfKind<Registry[V]["target"]>;
/** One verb on its target with its params: what runs, whatever asked for it. */
export type VerbRequest<V extends Verb = Verb> = {
  [K in V]: { verb: K; target: VerbTarget<K>; params: VerbParams<K> };
}[V];
/**
 * A parsed command as the registry reads it (command/'s `VerbCommand` is one): the verb and the fields
 * its `fromCommand` takes.
 */
export type VerbCommandLike = {
  [V in Verb]: { verb: V } & Parameters<Registry[V]["fromCommand"]>[0];
}[Verb];

export const VERB_NAMES = Object.keys(VERBS) as Verb[];

export function isVerb(name: string): name is Verb {
  return Object.hasOwn(VERBS, name);
}

export function isMutatingVerb(name: string): name is MutatingVerb {
  return isVerb(name) && VERBS[name].mutating;
}

/** The request changes the cluster (it is planned, guarded and audited), rather than only reading. */
export function isMutatingRequest(request: VerbRequest): request is VerbRequest<MutatingVerb> {
  return VERBS[request.verb].mutating;
}

// The registry's functions take the union of every verb's params; each entry is called only with its own
// verb's request, which TypeScript cannot follow through a lookup (a correlated union): one cast, here.
type AnyDeclaration = {
  describe(target: unknown, params: unknown): string;
  fromCommand(command: unknown): { target: unknown; params: unknown };
  commandArgs(params: unknown): string[];
  undo?: (target: unknown, before?: unknown) => UndoAction | undefined;
};
const declarationOf = (verb: Verb) => VERBS[verb] as unknown as AnyDeclaration;

/** The command's verb, target and params, as `fromCommand` of its verb reads them. */
export function verbRequest(command: VerbCommandLike): VerbRequest {
  return { verb: command.verb, ...declarationOf(command.verb).fromCommand(command) } as VerbRequest;
}

/** One line saying what the verb does to its target: `scale deployment shop/checkout by +2 (max 20)`. */
export function describeVerb(request: VerbRequest): string {
  return declarationOf(request.verb).describe(request.target, request.params);
}

/** The words after the target that ask for these params: `["+2", "--max", "20"]`. */
export function verbCommandArgs(request: VerbRequest): string[] {
  return declarationOf(request.verb).commandArgs(request.params);
}

/** The request as the command a person runs: `homeostat scale shop/checkout +2 --current-replicas 3`. */
export function verbCommandLine(request: VerbRequest): string {
  return ["homeostat", request.verb, formatTarget(request.target), ...verbCommandArgs(request)].join(" ");
}

/** What was there before, as a verb's undo needs it: a scale's `{ replicas }`, a rollback's `{ revision }`. */
export type UndoBasis<V extends Verb> = V extends Verb
  ? Parameters<NonNullable<Registry[V]["undo"]>>[1]
  : never;

/** The action that reverses `verb` on `target`, given what was there before; undefined when there is none. */
export function verbUndo<V extends Verb>(
  verb: V,
  target: VerbTarget<V>,
  before?: UndoBasis<V>,
): UndoAction | undefined {
  return declarationOf(verb).undo?.(target, before);
}

/**
 * What the pipeline reads besides the verbs: the cluster facts `decide` needs (nodes; the workloads of
 * the namespaces a plan touches, for globs like `dev/*`) and the rollout guard's scan (Deployments,
 * cluster-wide for namespace globs, with their ReplicaSets and pods).
 */
export const PIPELINE_READS: readonly RbacRule[] = [
  { apiGroup: "", resource: "nodes", verbs: ["list"] },
  { apiGroup: "apps", resource: "deployments", verbs: ["list"] },
  { apiGroup: "apps", resource: "statefulsets", verbs: ["list"] },
  { apiGroup: "apps", resource: "replicasets", verbs: ["list"] },
  { apiGroup: "", resource: "pods", verbs: ["list"] },
];

/** Every grant the automation identity needs, with what needs it: the shipped ClusterRole is exactly these. */
export function automationRbac(): Array<{ neededBy: string; rule: RbacRule }> {
  return [
    ...VERB_NAMES.flatMap((verb) => VERBS[verb].rbac.map((rule) => ({ neededBy: verb, rule }))),
    ...PIPELINE_READS.map((rule) => ({ neededBy: "pipeline reads", rule })),
  ];
}
