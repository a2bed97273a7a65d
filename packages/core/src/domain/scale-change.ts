// Replica changes as people write them (5, +2, -1, x1.5): pure parsing and arithmetic, no client.
import { KubeVerbError } from "./errors.ts";

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
