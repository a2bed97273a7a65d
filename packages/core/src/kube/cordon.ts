import type { V1Node } from "@kubernetes/client-node";
import { isInstanceId } from "../domain/instance-id.ts";
import type { NodeTarget } from "../domain/target.ts";
import type { VerbOptions, VerbResult } from "../domain/verb.ts";
import { verbCommandLine, verbUndo } from "../domain/verbs/index.ts";
import type { Kube } from "./client.ts";
import { toKubeVerbError } from "./errors.ts";
import { CONFIRMED_NOTE, writeAndConfirm } from "./lost-answer.ts";
import { resolveNode } from "./nodes.ts";
import { dryRunParam, startVerb, strategicMergePatch } from "./result.ts";

/** A node's schedulability, before and after cordon / uncordon. */
export interface NodeSchedulingState {
  unschedulable: boolean;
}

export function isUnschedulable(node: V1Node): boolean {
  return node.spec?.unschedulable === true;
}

/** The target as the caller named it, before it is resolved. */
export function requestedNodeTarget(nodeOrInstanceId: string): NodeTarget {
  const wanted = nodeOrInstanceId.trim();
  return isInstanceId(wanted)
    ? { kind: "Node", name: wanted, instanceId: wanted }
    : { kind: "Node", name: wanted };
}

/** What a patch of `spec.unschedulable` left: the node's flag, and whether a lost answer was confirmed. */
export interface UnschedulableOutcome {
  unschedulable: boolean;
  /** The answer was lost and the node, read back, had the change. */
  confirmed: boolean;
}

/**
 * Sets `spec.unschedulable` with a strategic-merge patch, as kubectl does. Uncordoning sends `null`,
 * which removes the field (kubectl's two-way merge patch of `false`, an omitempty field, does the same).
 * The patch is the same whatever the node's state, so a lost answer is checked by reading the node back
 * and the patch sent again if it did not land (lost-answer.ts); `again` is the command safe to run again.
 */
export async function patchUnschedulable(
  kube: Kube,
  nodeName: string,
  unschedulable: boolean,
  dryRun: boolean,
  again: string = verbCommandLine({
    verb: unschedulable ? "cordon" : "uncordon",
    target: { kind: "Node", name: nodeName },
    params: {},
  }),
): Promise<UnschedulableOutcome> {
  const what = `node ${nodeName}`;
  try {
    const outcome = await writeAndConfirm({
      what,
      change: `${unschedulable ? "cordoning" : "uncordoning"} ${what}`,
      write: () =>
        kube.core.patchNode(
          {
            name: nodeName,
            body: { spec: { unschedulable: unschedulable ? true : null } },
            dryRun: dryRunParam(dryRun),
          },
          strategicMergePatch(),
        ),
      readBack: async () => {
        const seen = isUnschedulable(await kube.core.readNode({ name: nodeName }));
        return {
          inPlace: seen === unschedulable,
          state: seen ? "it is cordoned" : "it is schedulable",
          seen,
        };
      },
      again: `safe to run again: ${again}`,
      dryRun,
    });
    return outcome.kind === "written"
      ? { unschedulable: isUnschedulable(outcome.value), confirmed: false }
      : { unschedulable: outcome.seen, confirmed: true };
  } catch (error) {
    throw toKubeVerbError(error, what);
  }
}

async function setSchedulability(
  kube: Kube,
  verb: "cordon" | "uncordon",
  nodeOrInstanceId: string,
  opts: VerbOptions,
): Promise<VerbResult<NodeSchedulingState>> {
  const dryRun = opts.dryRun === true;
  const wanted = verb === "cordon";
  const run = startVerb(kube, verb, requestedNodeTarget(nodeOrInstanceId), dryRun);
  const { node, target } = await resolveNode(kube, nodeOrInstanceId);
  run.setTarget(target);
  const before: NodeSchedulingState = { unschedulable: isUnschedulable(node) };
  const state = wanted ? "cordoned" : "schedulable";
  if (before.unschedulable === wanted) {
    return run.finish({
      changed: false,
      before,
      after: before,
      message: `node ${target.name} is already ${state}; nothing to do`,
    });
  }
  const patched = await patchUnschedulable(kube, target.name, wanted, dryRun);
  const after: NodeSchedulingState = { unschedulable: patched.unschedulable };
  return run.finish({
    changed: true,
    before,
    after,
    message: dryRun
      ? `node ${target.name} would be ${state} (dry run)`
      : `node ${target.name} ${verb}ed${patched.confirmed ? ` ${CONFIRMED_NOTE}` : ""}`,
    ...(dryRun ? {} : { undo: verbUndo(verb, target) }),
  });
}

/**
 * Marks a node unschedulable (`kubectl cordon`). Takes a node name or an EC2 instance id.
 * Costs two API requests (one when the node is already cordoned).
 *
 * @example
 * const result = await cordon(kube, "i-0123456789abcdef0", { dryRun: true });
 * console.log(result.message); // "node ip-10-0-1-2.ec2.internal would be cordoned (dry run)"
 */
export function cordon(
  kube: Kube,
  nodeOrInstanceId: string,
  opts: VerbOptions = {},
): Promise<VerbResult<NodeSchedulingState>> {
  return setSchedulability(kube, "cordon", nodeOrInstanceId, opts);
}

/** Marks a node schedulable again (`kubectl uncordon`). The reverse of {@link cordon}. */
export function uncordon(
  kube: Kube,
  nodeOrInstanceId: string,
  opts: VerbOptions = {},
): Promise<VerbResult<NodeSchedulingState>> {
  return setSchedulability(kube, "uncordon", nodeOrInstanceId, opts);
}
