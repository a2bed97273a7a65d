// A person's command (CLI or Slack) → the planned action, through the verb registry (domain/verbs).
import { type Command, isLocalCommand } from "../command/index.ts";
import type { CommandMatch, Policy } from "../config/schema.ts";
import type { Target } from "../domain/target.ts";
import {
  isMutatingRequest,
  type MutatingVerb,
  type VerbRequest,
  verbRequest,
  verbUndo,
} from "../domain/verbs/index.ts";
import type { CommandTrigger } from "../events/trigger.ts";
import { nodeTargetOf, resolveNamedNode } from "./decide-node.ts";
import { describeAction } from "./describe.ts";
import { matchesAnyGlob } from "./glob.ts";
import { type Outcome, skip } from "./outcome.ts";
import type { ClusterFacts, VerbPlanAction } from "./plan.ts";

/** How long a drain asked for by a person may take when the command names no --timeout (the CLI's default). */
const COMMAND_DRAIN_TIMEOUT_MS = 5 * 60_000;

export function decideCommand(
  trigger: CommandTrigger,
  policy: Policy,
  match: CommandMatch,
  command: Command,
  facts: ClusterFacts,
): Outcome {
  if (isLocalCommand(command)) return skip(`${command.verb} works only in the CLI`);
  const request = verbRequest(command);
  if (!isMutatingRequest(request)) {
    return skip(`${request.verb} reads; it is answered directly, not planned`);
  }
  if (match.verbs && !match.verbs.includes(request.verb)) {
    return skip(`${request.verb} is not allowed by this policy (allowed: ${match.verbs.join(", ")})`);
  }
  const why = `${trigger.actor} asked: ${trigger.text.trim()}`;
  const resolved = commandTarget(request.target, match, facts);
  if ("skip" in resolved) return skip(resolved.skip);
  const { target } = resolved;
  const basis = commandParams(request, target, facts);
  if ("skip" in basis) return skip(basis.skip);
  const { params, before } = basis;
  const undo = verbUndo(request.verb, target, before);
  // the registry's params for this very verb: TypeScript cannot pair them up through the union
  const planned = { policy: policy.name, verb: request.verb, target, params, reason: "" } as VerbPlanAction;
  if (undo) planned.undo = undo;
  planned.reason = `${why}: ${describeAction(planned)}`;
  return { actions: [planned], skipped: [] };
}

/** Where a command acts: a node of the cluster (by name or instance id), a workload in the policy's namespaces. */
function commandTarget(
  target: Target,
  match: CommandMatch,
  facts: ClusterFacts,
): { target: Target } | { skip: string } {
  if (target.kind === "Node") {
    const resolved = resolveNamedNode(target.name, facts);
    return "skip" in resolved ? resolved : { target: nodeTargetOf(resolved.node) };
  }
  const { kind, namespace, name } = target;
  if (match.namespaces && !matchesAnyGlob(match.namespaces, namespace)) {
    return {
      skip: `namespace ${namespace} is not one this policy may touch (${match.namespaces.join(", ")})`,
    };
  }
  return { target: { kind, namespace, name } };
}

/**
 * The params as the command gave them, with what a planned action adds: a scale is based on the count
 * read before deciding (a retried relative change stays exactly-once), or on the command's
 * --current-replicas — a precondition the person set, so a count that already moved is a skip that
 * says so rather than a write the API server refuses; a drain gets a deadline.
 */
function commandParams(
  request: VerbRequest<MutatingVerb>,
  target: Target,
  facts: ClusterFacts,
): { params: VerbPlanAction["params"]; before?: { replicas: number } } | { skip: string } {
  switch (request.verb) {
    case "scale": {
      const { currentReplicas: expected, ...asked } = request.params;
      const current =
        target.kind === "Node"
          ? undefined
          : facts.workloads[target.namespace]?.find(
              (workload) => workload.name === target.name && workload.kind === target.kind,
            )?.replicas;
      if (expected !== undefined && current !== undefined && current !== expected) {
        return {
          skip: `${target.kind === "Node" ? target.name : `${target.namespace}/${target.name}`} has ${current} replicas, not the ${expected} --current-replicas names: nothing changed`,
        };
      }
      const basis = current ?? expected;
      if (basis === undefined) return { params: asked };
      return { params: { ...asked, currentReplicas: basis }, before: { replicas: basis } };
    }
    case "drain": {
      // as before the registry: planned drains take no --skip-wait-for-delete-timeout
      const { skipWaitForDeleteTimeoutSeconds: _fromCommand, timeoutSeconds, ...asked } = request.params;
      return {
        params: { ...asked, timeoutSeconds: Math.ceil(timeoutSeconds ?? COMMAND_DRAIN_TIMEOUT_MS / 1000) },
      };
    }
    default:
      return { params: request.params };
  }
}
