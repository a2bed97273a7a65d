import * as z from "zod";
import { describeTarget, type WorkloadTarget } from "../target.ts";
import type { UndoAction } from "../verb.ts";
import { defineVerb } from "./declaration.ts";

/** `homeostat rollback shop/checkout [--to-revision N]`: `kubectl rollout undo`, Deployments only. */
export const rollbackVerb = defineVerb({
  name: "rollback",
  mutating: true,
  target: "workload",
  params: z.object({
    /** 0 or absent: the previous revision (the second-highest). */
    toRevision: z.number().int().nonnegative().optional(),
    /**
     * The ReplicaSet whose template to restore, as the first attempt of an event chose it
     * (runtime/intent.ts): unlike its revision number, it survives the controller renumbering it.
     */
    toReplicaSet: z.string().min(1).optional(),
  }),
  describe: (target, params) =>
    params.toRevision === undefined
      ? `roll back ${describeTarget(target)} to its previous revision`
      : `roll back ${describeTarget(target)} to revision ${params.toRevision}`,
  fromCommand: (command: { target: WorkloadTarget; toRevision?: number }) => ({
    target: command.target,
    params: command.toRevision === undefined ? {} : { toRevision: command.toRevision },
  }),
  commandArgs: (params) =>
    params.toRevision === undefined ? [] : ["--to-revision", String(params.toRevision)],
  rbac: [
    // read the Deployment, replace its template and annotations with a ReplicaSet's
    { apiGroup: "apps", resource: "deployments", verbs: ["get", "patch"] },
    // the ReplicaSets hold the revisions (listed by the Deployment's selector)
    { apiGroup: "apps", resource: "replicasets", verbs: ["list"] },
  ],
  // a rollback is a roll forward: its undo rolls back to the revision that ran before
  undo: (target, before?: { revision: number | undefined }): UndoAction | undefined =>
    before?.revision === undefined
      ? undefined
      : { verb: "rollback", target, params: { toRevision: before.revision } },
});
