import * as z from "zod";
import { describeTarget } from "../target.ts";
import type { UndoAction } from "../verb.ts";
import { FIND_NODE, nodeNamed, PATCH_NODE } from "./cordon.ts";
import { defineVerb } from "./declaration.ts";

const seconds = z.number().int().nonnegative();

/** A Go duration `--timeout` reads back: whole seconds as `90s`, anything finer in milliseconds. */
function goDuration(totalSeconds: number): string {
  return Number.isInteger(totalSeconds) ? `${totalSeconds}s` : `${Math.round(totalSeconds * 1000)}ms`;
}

const params = z.object({
  /** Leave DaemonSet pods in place (every EKS node runs some). */
  ignoreDaemonSets: z.boolean(),
  /** Evict pods with emptyDir volumes (their data is lost). */
  deleteEmptyDirData: z.boolean(),
  /** Evict pods no controller will recreate, and orphaned DaemonSet pods. */
  force: z.boolean(),
  /** Passed to every eviction; absent: each pod's own terminationGracePeriodSeconds. */
  gracePeriodSeconds: seconds.optional(),
  /** One deadline for the whole drain; absent or 0: as long as it takes. Fractional from `--timeout 500ms`. */
  timeoutSeconds: z.number().nonnegative().optional(),
  /** Don't wait for pods whose deletion started longer ago than this (pods of a NotReady node). */
  skipWaitForDeleteTimeoutSeconds: seconds.optional(),
});

/** As the grammar reads it: the node as typed, the deadline in milliseconds (Go durations go to 1ms). */
type DrainCommand = { node: string; timeoutMs?: number } & Omit<z.output<typeof params>, "timeoutSeconds">;

/** `homeostat drain <node|instance-id>`: cordon, then evict the pods as kubectl drain does. */
export const drainVerb = defineVerb({
  name: "drain",
  mutating: true,
  target: "node",
  params,
  describe: (target) => `drain ${describeTarget(target)}`,
  fromCommand: (command: DrainCommand) => ({
    target: nodeNamed(command.node),
    params: {
      ignoreDaemonSets: command.ignoreDaemonSets,
      deleteEmptyDirData: command.deleteEmptyDirData,
      force: command.force,
      ...(command.timeoutMs === undefined ? {} : { timeoutSeconds: command.timeoutMs / 1000 }),
      ...(command.gracePeriodSeconds === undefined ? {} : { gracePeriodSeconds: command.gracePeriodSeconds }),
      ...(command.skipWaitForDeleteTimeoutSeconds === undefined
        ? {}
        : { skipWaitForDeleteTimeoutSeconds: command.skipWaitForDeleteTimeoutSeconds }),
    },
  }),
  commandArgs: (params) => [
    ...(params.timeoutSeconds === undefined ? [] : ["--timeout", goDuration(params.timeoutSeconds)]),
    ...(params.gracePeriodSeconds === undefined ? [] : ["--grace-period", String(params.gracePeriodSeconds)]),
    ...(params.deleteEmptyDirData ? ["--delete-emptydir-data"] : []),
    ...(params.force ? ["--force"] : []),
    ...(params.ignoreDaemonSets ? [] : ["--no-ignore-daemonsets"]),
    ...(params.skipWaitForDeleteTimeoutSeconds === undefined
      ? []
      : ["--skip-wait-for-delete-timeout", String(params.skipWaitForDeleteTimeoutSeconds)]),
  ],
  rbac: [
    FIND_NODE,
    // the cordon first
    PATCH_NODE,
    // the node's pods (fieldSelector spec.nodeName), listed again until they are gone; one pod re-read
    // when an eviction is refused because its namespace is terminating
    { apiGroup: "", resource: "pods", verbs: ["get", "list"] },
    // evict through the Eviction API, which honours PodDisruptionBudgets (never a plain delete)
    { apiGroup: "", resource: "pods/eviction", verbs: ["create"] },
    // is the DaemonSet that owns a pod still there (kubectl's orphan check)
    { apiGroup: "apps", resource: "daemonsets", verbs: ["get"] },
  ],
  // the drain's cordon; evicted pods are recreated elsewhere by their controllers, not brought back
  undo: (target): UndoAction => ({ verb: "uncordon", target, params: {} }),
});
