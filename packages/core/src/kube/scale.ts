import type { V1Scale } from "@kubernetes/client-node";
import type { Kube } from "./client.ts";
import { apiStatus, KubeVerbError, toKubeVerbError } from "./errors.ts";
import { dryRunParam, startVerb } from "./result.ts";
import type { VerbOptions, VerbResult, WorkloadTarget } from "./types.ts";

/** The API server stores replicas as int32. */
export const MAX_REPLICAS = 2_147_483_647;

/** A replica change as a person writes it: `5`, `+2`, `-1`, `x1.5`. */
export type ScaleChange =
  | { kind: "absolute"; replicas: number }
  | { kind: "relative"; delta: number }
  /** factor = numerator / denominator exactly (a decimal as written), so rounding is exact too. */
  | { kind: "factor"; numerator: number; denominator: number };

export interface ScaleBounds {
  min?: number;
  max?: number;
}

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

const ABSOLUTE = /^\d{1,10}$/;
const RELATIVE = /^([+-])(\d{1,10})$/;
const FACTOR = /^[xX](\d{1,6})(?:\.(\d{1,6}))?$/;

const usage = (got: string) =>
  new KubeVerbError("invalid", `scale needs a replica change like 5, +2, -1 or x1.5; got '${got}'`);

/** Parses `5`, `+2`, `-1` or `x1.5` (a factor with up to 6 decimals). Throws KubeVerbError("invalid"). */
export function parseScaleChange(text: string): ScaleChange {
  const trimmed = text.trim();
  if (ABSOLUTE.test(trimmed)) {
    const replicas = Number(trimmed);
    if (replicas > MAX_REPLICAS) throw usage(text);
    return { kind: "absolute", replicas };
  }
  const relative = RELATIVE.exec(trimmed);
  if (relative) {
    const size = Number(relative[2]);
    if (size > MAX_REPLICAS) throw usage(text);
    return { kind: "relative", delta: relative[1] === "-" ? 0 - size : size };
  }
  const factor = FACTOR.exec(trimmed);
  if (factor) {
    const decimals = factor[2] ?? "";
    const denominator = 10 ** decimals.length;
    const numerator = Number(factor[1]) * denominator + Number(decimals || "0");
    if (numerator === 0) {
      throw new KubeVerbError(
        "invalid",
        `a scale factor must be greater than 0; got '${text}' (use 0 to scale to zero)`,
      );
    }
    return reduce(numerator, denominator);
  }
  throw usage(text);
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

function reduce(numerator: number, denominator: number): ScaleChange {
  const divisor = gcd(numerator, denominator);
  return { kind: "factor", numerator: numerator / divisor, denominator: denominator / divisor };
}

/** The change as text that `parseScaleChange` reads back to the same change. */
export function formatScaleChange(change: ScaleChange): string {
  switch (change.kind) {
    case "absolute":
      return String(change.replicas);
    case "relative":
      return change.delta < 0 ? String(change.delta) : `+${change.delta}`;
    case "factor": {
      // denominators are divisors of 10^6, so the decimal expansion terminates within 6 places
      const whole = Math.floor(change.numerator / change.denominator);
      const rest = change.numerator % change.denominator;
      if (rest === 0) return `x${whole}`;
      const decimals = String(Math.round((rest / change.denominator) * 1e6))
        .padStart(6, "0")
        .replace(/0+$/, "");
      return `x${whole}.${decimals}`;
    }
  }
}

export interface AppliedScaleChange {
  replicas: number;
  /** Which bound changed the result, if one did. */
  clampedBy?: "min" | "max";
}

/** Checks that bounds are whole, non-negative and ordered. Throws KubeVerbError("invalid"). */
export function validateScaleBounds(bounds: ScaleBounds): void {
  for (const [name, value] of [
    ["min", bounds.min],
    ["max", bounds.max],
  ] as const) {
    if (value !== undefined && (!Number.isInteger(value) || value < 0 || value > MAX_REPLICAS)) {
      throw new KubeVerbError("invalid", `--${name} must be a whole number of replicas ≥ 0; got ${value}`);
    }
  }
  if (bounds.min !== undefined && bounds.max !== undefined && bounds.min > bounds.max) {
    throw new KubeVerbError("invalid", `--min ${bounds.min} is above --max ${bounds.max}; swap them`);
  }
}

/**
 * The replica count a change asks for, from `current`.
 * - `N`: N, clamped to [min, max].
 * - `+N` / `-N`: current ± N, never below 0.
 * - `xF`: ceil(current × F), computed exactly — rounding up like the HPA does, so x1.5 of 3 is 5
 *   and x0.5 of 3 is 2 (a scale-down by a factor keeps the extra replica).
 * A relative change or factor is clamped to [min, max] but never moved against its direction: `+1`
 * on a workload already above max leaves it where it is (clampedBy "max") instead of scaling it down.
 * Throws KubeVerbError("invalid") when the result would not fit in int32.
 */
export function applyScaleChange(
  current: number,
  change: ScaleChange,
  bounds: ScaleBounds = {},
): AppliedScaleChange {
  validateScaleBounds(bounds);
  let wanted: number;
  switch (change.kind) {
    case "absolute":
      wanted = change.replicas;
      break;
    case "relative":
      wanted = Math.max(0, current + change.delta);
      break;
    case "factor": {
      const product = BigInt(current) * BigInt(change.numerator);
      const denominator = BigInt(change.denominator);
      wanted = Number((product + denominator - 1n) / denominator);
      break;
    }
  }
  let replicas = wanted;
  let clampedBy: "min" | "max" | undefined;
  if (bounds.max !== undefined && replicas > bounds.max) {
    replicas = bounds.max;
    clampedBy = "max";
  }
  if (bounds.min !== undefined && replicas < bounds.min) {
    replicas = bounds.min;
    clampedBy = "min";
  }
  if (change.kind !== "absolute") {
    if (wanted >= current && replicas < current) replicas = current;
    if (wanted <= current && replicas > current) replicas = current;
  }
  if (replicas > MAX_REPLICAS) {
    throw new KubeVerbError(
      "invalid",
      `${formatScaleChange(change)} from ${current} gives ${replicas} replicas, more than a workload can have; set --max`,
    );
  }
  return clampedBy ? { replicas, clampedBy } : { replicas };
}

const MAX_ATTEMPTS = 4;

function describe(target: WorkloadTarget): string {
  return `${target.kind.toLowerCase()} ${target.namespace}/${target.name}`;
}

async function readScale(kube: Kube, target: WorkloadTarget): Promise<V1Scale> {
  const request = { name: target.name, namespace: target.namespace };
  try {
    return target.kind === "Deployment"
      ? await kube.apps.readNamespacedDeploymentScale(request)
      : await kube.apps.readNamespacedStatefulSetScale(request);
  } catch (error) {
    throw toKubeVerbError(error, describe(target));
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
async function hpasFor(kube: Kube, target: WorkloadTarget): Promise<string[] | "unknown"> {
  try {
    const list = await kube.autoscaling.listNamespacedHorizontalPodAutoscaler({
      namespace: target.namespace,
    });
    return list.items
      .filter(
        (hpa) => hpa.spec.scaleTargetRef.kind === target.kind && hpa.spec.scaleTargetRef.name === target.name,
      )
      .map((hpa) => hpa.metadata?.name ?? "");
  } catch {
    return "unknown";
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
 * conflict error instead. An absolute count is idempotent and is simply retried.
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
  if (hpas === "unknown") {
    hpaWarnings.push(
      "could not check for a HorizontalPodAutoscaler on this workload (not allowed to list HPAs)",
    );
  } else if (hpas.length > 0) {
    hpaWarnings.push(
      `HorizontalPodAutoscaler ${hpas.join(", ")} scales ${describe(target)} and will override this count; change the HPA's min/max instead`,
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
        message: `${describe(target)} already has ${base} replicas (${changeText} from ${params.currentReplicas} was applied before)`,
        warnings: hpaWarnings,
      });
    }
    throw new KubeVerbError(
      "precondition",
      `${describe(target)} has ${base} replicas, not the ${params.currentReplicas} this change is based on; nothing changed — read the count and decide again`,
    );
  }

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
        message: `${describe(target)} already has ${basedOn} replicas; nothing to do`,
        warnings,
      });
    }
    try {
      const written = await writeScale(
        kube,
        target,
        {
          apiVersion: "autoscaling/v1",
          kind: "Scale",
          metadata: {
            name: target.name,
            namespace: target.namespace,
            resourceVersion: current.metadata?.resourceVersion,
          },
          spec: { replicas: wanted.replicas },
        },
        dryRun,
      );
      const after = { replicas: written.spec?.replicas ?? wanted.replicas };
      return run.finish({
        changed: true,
        before: { replicas: basedOn },
        after,
        message: `${dryRun ? "would scale" : "scaled"} ${describe(target)} from ${basedOn} to ${after.replicas} replicas (${changeText})`,
        warnings,
        undo: { verb: "scale", target, params: { change: String(basedOn) } },
      });
    } catch (error) {
      if (apiStatus(error) !== 409) throw toKubeVerbError(error, describe(target));
      if (attempt >= MAX_ATTEMPTS) {
        throw new KubeVerbError(
          "conflict",
          `${describe(target)} kept changing while scaling (${attempt} attempts); nothing changed — try again`,
          { cause: error, status: 409 },
        );
      }
      current = await readScale(kube, target);
      const now = current.spec?.replicas ?? 0;
      if (now !== basedOn) {
        if (change.kind !== "absolute") {
          throw new KubeVerbError(
            "conflict",
            `${describe(target)} went from ${basedOn} to ${now} replicas while we were applying ${changeText}; not applying it on top of someone else's change — check the count and decide again`,
            { cause: error, status: 409 },
          );
        }
        basedOn = now;
      }
    }
  }
}
