import type { V1Scale } from "@kubernetes/client-node";
import { KubeVerbError } from "../domain/errors.ts";
import {
  applyScaleChange,
  formatScaleChange,
  parseScaleChange,
  type ScaleBounds,
  type ScaleChange,
  validateScaleBounds,
} from "../domain/scale-change.ts";
import type { WorkloadTarget } from "../domain/target.ts";
import { describeTarget } from "../domain/target.ts";
import type { VerbOptions, VerbResult } from "../domain/verb.ts";
import { verbCommandLine, verbUndo } from "../domain/verbs/index.ts";
import type { Kube } from "./client.ts";
import { apiMessage, apiStatus, toKubeVerbError } from "./errors.ts";
import { CONFIRMED_NOTE, writeAndConfirm } from "./lost-answer.ts";
import { dryRunParam, startVerb } from "./result.ts";

export interface ScaleParams extends ScaleBounds {
  change: ScaleChange | string;
  /**
   * The replica count the change is based on (kubectl's `--current-replicas`). When set, the change is
   * applied only while the workload still has this count; if it already has the count the change
   * would produce, the verb reports nothing to do. A caller that retries a relative change passes the
   * count it first saw, which makes the retry exactly-once across processes too.
   */
  currentReplicas?: number;
}

export interface ScaleState {
  replicas: number;
}

/**
 * Writes tried against 409s whose count had not moved (status updates: a StatefulSet bringing its pods
 * up rewrites its status for every pod, and 4 tries ran out under load). Between tries a short jittered
 * wait lets the controller's burst pass.
 */
const MAX_ATTEMPTS = 8;
const CONFLICT_BACKOFF_MS = 100;

async function readScale(kube: Kube, target: WorkloadTarget): Promise<V1Scale> {
  const request = { name: target.name, namespace: target.namespace };
  try {
    return target.kind === "Deployment"
      ? await kube.apps.readNamespacedDeploymentScale(request)
      : await kube.apps.readNamespacedStatefulSetScale(request);
  } catch (error) {
    throw toKubeVerbError(error, describeTarget(target));
  }
}

/** PUT with the read object's resourceVersion: the write happens only if nothing changed since. */
async function writeScale(kube: Kube, target: WorkloadTarget, body: V1Scale, dryRun: boolean) {
  const request = {
    name: target.name,
    namespace: target.namespace,
    body,
    dryRun: dryRunParam(dryRun),
  };
  return target.kind === "Deployment"
    ? kube.apps.replaceNamespacedDeploymentScale(request)
    : kube.apps.replaceNamespacedStatefulSetScale(request);
}

/** Names of HPAs that scale the target (they will undo a manual scale). Unknown when not allowed to look. */
/** The HPAs that scale `target`, or why they could not be listed (a scale goes on either way). */
async function hpasFor(kube: Kube, target: WorkloadTarget): Promise<string[] | { unknown: string }> {
  try {
    const list = await kube.autoscaling.listNamespacedHorizontalPodAutoscaler({
      namespace: target.namespace,
    });
    return list.items
      .filter(
        (hpa) => hpa.spec.scaleTargetRef.kind === target.kind && hpa.spec.scaleTargetRef.name === target.name,
      )
      .map((hpa) => hpa.metadata?.name ?? "");
  } catch (error) {
    const status = apiStatus(error);
    return {
      unknown:
        status === 403
          ? "not allowed to list HPAs"
          : `listing HPAs failed: ${status ? `HTTP ${status}` : (apiMessage(error) ?? String(error))}`,
    };
  }
}

/**
 * Scales a Deployment or StatefulSet through its `scale` subresource.
 *
 * Exactly-once rule for relative changes: the new count is computed from the count we read and written
 * with that read's resourceVersion, so the write fails (409) if anything changed in between. On a 409
 * we re-read; if the replica count is still the one the change was based on (only other fields moved,
 * e.g. status), we recompute and retry; if the count itself moved, someone else (or an earlier attempt
 * of this very change) scaled it, and applying `+2` again could make it `+4` — so we stop with a
 * conflict error instead. An absolute count is idempotent: it is written without a precondition.
 *
 * @example
 * const result = await scale(kube, { kind: "Deployment", namespace: "shop", name: "checkout" }, { change: "+2", max: 20 });
 */
export async function scale(
  kube: Kube,
  target: WorkloadTarget,
  params: ScaleParams,
  opts: VerbOptions = {},
): Promise<VerbResult<ScaleState>> {
  const dryRun = opts.dryRun ?? false;
  const run = startVerb(kube, "scale", target, dryRun);
  const change = typeof params.change === "string" ? parseScaleChange(params.change) : params.change;
  const bounds = { min: params.min, max: params.max };
  validateScaleBounds(bounds);
  const changeText = formatScaleChange(change);

  let [current, hpas] = await Promise.all([readScale(kube, target), hpasFor(kube, target)]);
  const hpaWarnings: string[] = [];
  if (!Array.isArray(hpas)) {
    hpaWarnings.push(`could not check for a HorizontalPodAutoscaler on this workload (${hpas.unknown})`);
  } else if (hpas.length > 0) {
    hpaWarnings.push(
      `HorizontalPodAutoscaler ${hpas.join(", ")} scales ${describeTarget(target)} and will override this count; change the HPA's min/max instead`,
    );
  }

  const base = current.spec?.replicas ?? 0;
  const before: ScaleState = { replicas: base };
  let basedOn = params.currentReplicas ?? base;
  if (params.currentReplicas !== undefined && base !== params.currentReplicas) {
    if (base === applyScaleChange(params.currentReplicas, change, bounds).replicas) {
      return run.finish({
        changed: false,
        before,
        after: before,
        message: `${describeTarget(target)} already has ${base} replicas (${changeText} from ${params.currentReplicas} was applied before)`,
        warnings: hpaWarnings,
      });
    }
    throw new KubeVerbError(
      "precondition",
      `${describeTarget(target)} has ${base} replicas, not the ${params.currentReplicas} this change is based on; nothing changed — read the count and decide again`,
    );
  }

  // writes sent whose answer was lost: a later 409 may be one of them having landed after all
  let lostSends = 0;
  for (let attempt = 1; ; attempt++) {
    const wanted = applyScaleChange(basedOn, change, bounds);
    const warnings = wanted.clampedBy
      ? [
          ...hpaWarnings,
          `${changeText} from ${basedOn} was limited by --${wanted.clampedBy} to ${wanted.replicas}`,
        ]
      : hpaWarnings;
    if (wanted.replicas === basedOn) {
      return run.finish({
        changed: false,
        before,
        after: { replicas: basedOn },
        message: `${describeTarget(target)} already has ${basedOn} replicas; nothing to do`,
        warnings,
      });
    }
    try {
      const what = describeTarget(target);
      const body: V1Scale = {
        apiVersion: "autoscaling/v1",
        kind: "Scale",
        metadata: {
          name: target.name,
          namespace: target.namespace,
          // an absolute count is right whatever happened since the read, so it needs no precondition
          // (which a busy Deployment's status updates would trip); a relative one must not be re-applied
          ...(change.kind === "absolute" && params.currentReplicas === undefined
            ? {}
            : { resourceVersion: current.metadata?.resourceVersion }),
        },
        spec: { replicas: wanted.replicas },
      };
      // sending it again is harmless: an absolute count, or a relative one with its resourceVersion
      const outcome = await writeAndConfirm({
        what,
        change: `scaling ${what} from ${basedOn} to ${wanted.replicas} replicas`,
        write: () => writeScale(kube, target, body, dryRun),
        onLost: () => lostSends++,
        readBack: async () => {
          const now = (await readScale(kube, target)).spec?.replicas ?? 0;
          return { inPlace: now === wanted.replicas, state: `it has ${now} replicas`, seen: now };
        },
        again: `safe to run again: ${verbCommandLine({
          verb: "scale",
          target,
          params: {
            change: changeText,
            ...bounds,
            ...(change.kind === "absolute" ? {} : { currentReplicas: basedOn }),
          },
        })}`,
        dryRun,
      });
      const after = {
        replicas:
          outcome.kind === "written" ? (outcome.value.spec?.replicas ?? wanted.replicas) : outcome.seen,
      };
      return run.finish({
        changed: true,
        before: { replicas: basedOn },
        after,
        message: `${dryRun ? "would scale" : "scaled"} ${what} from ${basedOn} to ${after.replicas} replicas (${changeText})${
          outcome.kind === "in-place" ? ` ${CONFIRMED_NOTE}` : ""
        }`,
        warnings,
        undo: verbUndo("scale", target, { replicas: basedOn }),
      });
    } catch (error) {
      if (apiStatus(error) !== 409) throw toKubeVerbError(error, describeTarget(target));
      if (attempt >= MAX_ATTEMPTS) {
        throw new KubeVerbError(
          "conflict",
          `${describeTarget(target)} kept changing while scaling (${attempt} attempts); nothing changed — try again`,
          { cause: error, status: 409 },
        );
      }
      await new Promise((resolve) =>
        setTimeout(resolve, Math.round(Math.random() * CONFLICT_BACKOFF_MS * attempt)),
      );
      current = await readScale(kube, target);
      const now = current.spec?.replicas ?? 0;
      const wantedNow = applyScaleChange(basedOn, change, bounds).replicas;
      if (lostSends > 0 && now === wantedNow) {
        // a write whose answer was lost landed late (after the read back), and its resend was refused
        return run.finish({
          changed: true,
          before: { replicas: basedOn },
          after: { replicas: now },
          message: `scaled ${describeTarget(target)} from ${basedOn} to ${now} replicas (${changeText}) ${CONFIRMED_NOTE}`,
          warnings: hpaWarnings,
          undo: verbUndo("scale", target, { replicas: basedOn }),
        });
      }
      if (now !== basedOn) {
        if (params.currentReplicas !== undefined) {
          throw new KubeVerbError(
            "precondition",
            `${describeTarget(target)} went from ${basedOn} to ${now} replicas while scaling; --current-replicas ${params.currentReplicas} no longer holds, nothing changed`,
            { cause: error, status: 409 },
          );
        }
        if (change.kind !== "absolute") {
          throw new KubeVerbError(
            "conflict",
            `${describeTarget(target)} went from ${basedOn} to ${now} replicas while we were applying ${changeText}; not applying it on top of someone else's change — check the count and decide again`,
            { cause: error, status: 409 },
          );
        }
        basedOn = now;
      }
    }
  }
}
