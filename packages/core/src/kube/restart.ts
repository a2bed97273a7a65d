import type { V1Deployment, V1StatefulSet } from "@kubernetes/client-node";
import { KubeVerbError } from "../domain/errors.ts";
import type { WorkloadTarget } from "../domain/target.ts";
import { describeTarget } from "../domain/target.ts";
import type { VerbOptions, VerbResult } from "../domain/verb.ts";
import type { Kube } from "./client.ts";
import { toKubeVerbError } from "./errors.ts";
import { CONFIRMED_NOTE, writeAndConfirm } from "./lost-answer.ts";
import { dryRunParam, startVerb, strategicMergePatch } from "./result.ts";

export const RESTARTED_AT_ANNOTATION = "kubectl.kubernetes.io/restartedAt";

export interface RestartState {
  /** The pod template's `kubectl.kubernetes.io/restartedAt`, if it was ever restarted. */
  restartedAt?: string;
  generation?: number;
}

/** RFC 3339 to the second, as kubectl writes it (`time.Now().Format(time.RFC3339)`), in UTC. */
export function restartedAtTimestamp(now: Date): string {
  return now.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** The strategic merge patch `kubectl rollout restart` sends. */
export function restartPatch(restartedAt: string): object {
  return { spec: { template: { metadata: { annotations: { [RESTARTED_AT_ANNOTATION]: restartedAt } } } } };
}

function restartState(workload: V1Deployment | V1StatefulSet): RestartState {
  const restartedAt = workload.spec?.template?.metadata?.annotations?.[RESTARTED_AT_ANNOTATION];
  return {
    ...(restartedAt ? { restartedAt } : {}),
    ...(workload.metadata?.generation === undefined ? {} : { generation: workload.metadata.generation }),
  };
}

/**
 * `kubectl rollout restart`: stamps the pod template with `kubectl.kubernetes.io/restartedAt`, which
 * rolls every pod through the workload's update strategy. Refuses a paused Deployment (the stamp would
 * sit there unrolled until someone resumes it). Always a change, unless `params.restartedAt` is the
 * stamp the template already has (a retry of a restart that landed); there is no undo.
 */
export async function restart(
  kube: Kube,
  target: WorkloadTarget,
  params: { restartedAt?: string } = {},
  opts: VerbOptions & { now?: () => Date } = {},
): Promise<VerbResult<RestartState>> {
  const dryRun = opts.dryRun ?? false;
  const run = startVerb(kube, "restart", target, dryRun);
  const what = describeTarget(target);
  const request = { name: target.name, namespace: target.namespace };
  const read = async (): Promise<V1Deployment | V1StatefulSet> => {
    try {
      return target.kind === "Deployment"
        ? await kube.apps.readNamespacedDeployment(request)
        : await kube.apps.readNamespacedStatefulSet(request);
    } catch (error) {
      throw toKubeVerbError(error, what);
    }
  };
  const current = await read();
  if (target.kind === "Deployment" && (current as V1Deployment).spec?.paused) {
    throw new KubeVerbError(
      "paused",
      `can't restart paused ${what}; resume it first (kubectl rollout resume deployment/${target.name} -n ${target.namespace})`,
    );
  }
  const before = restartState(current);
  if (params.restartedAt !== undefined && before.restartedAt === params.restartedAt) {
    return run.finish({
      changed: false,
      before,
      after: before,
      message: `${what} already has restartedAt ${params.restartedAt}: this restart was applied before; nothing to do`,
    });
  }
  const restartedAt = params.restartedAt ?? restartedAtTimestamp((opts.now ?? (() => new Date()))());
  const body = restartPatch(restartedAt);
  const kind = target.kind.toLowerCase();
  let outcome: Awaited<ReturnType<typeof writeAndConfirm<V1Deployment | V1StatefulSet, RestartState>>>;
  try {
    // sending the same stamp again is harmless: the template either has it or gets it
    outcome = await writeAndConfirm({
      what,
      change: `restarting ${what} (restartedAt ${restartedAt})`,
      write: () =>
        target.kind === "Deployment"
          ? kube.apps.patchNamespacedDeployment(
              { ...request, body, dryRun: dryRunParam(dryRun) },
              strategicMergePatch(),
            )
          : kube.apps.patchNamespacedStatefulSet(
              { ...request, body, dryRun: dryRunParam(dryRun) },
              strategicMergePatch(),
            ),
      readBack: async () => {
        const seen = restartState(await read());
        return {
          inPlace: seen.restartedAt === restartedAt,
          state: seen.restartedAt
            ? `its template has restartedAt ${seen.restartedAt}`
            : "it was never restarted",
          seen,
        };
      },
      // a plain restart again would be a second one if this one landed after all
      again: `restart it again only if its pod template's ${RESTARTED_AT_ANNOTATION} is not ${restartedAt} (kubectl get ${kind}/${target.name} -n ${target.namespace} -o yaml)`,
      dryRun,
    });
  } catch (error) {
    throw toKubeVerbError(error, what);
  }
  const patched = outcome.kind === "written" ? restartState(outcome.value) : outcome.seen;
  return run.finish({
    changed: true,
    before,
    after: patched,
    message: `${dryRun ? "would restart" : "restarted"} ${what} (restartedAt ${restartedAt})${
      outcome.kind === "in-place" ? ` ${CONFIRMED_NOTE}` : ""
    }`,
  });
}
