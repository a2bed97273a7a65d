import type { ConfigurationOptions, ObservableMiddleware } from "@kubernetes/client-node";
import type { KubeVerbError } from "../domain/errors.ts";
import type { Target } from "../domain/target.ts";
import type { UndoAction, Verb, VerbResult } from "../domain/verb.ts";
import type { Kube } from "./client.ts";
import { PatchStrategy, setHeaderOptions } from "./k8s.ts";

/** What a verb decides; `verbRun.finish` adds the timing and request count. */
export interface VerbOutcome<Before, After> {
  ok?: boolean;
  changed: boolean;
  before: Before | undefined;
  after: After | undefined;
  message: string;
  warnings?: string[];
  undo?: UndoAction;
  /** A failure a later attempt could fix (see `VerbResult.retryable`). */
  retryable?: boolean;
}

export interface VerbRun {
  readonly verb: Verb;
  readonly target: Target;
  readonly dryRun: boolean;
  /** The target as resolved so far (e.g. a node name found from an instance id). */
  setTarget(target: Target): void;
  finish<Before, After = Before>(outcome: VerbOutcome<Before, After>): VerbResult<Before, After>;
  /** The result for a failed verb (ok: false), from a KubeVerbError's message. */
  fail<Before, After = Before>(error: KubeVerbError, before?: Before): VerbResult<Before, After>;
}

/**
 * Starts the clock and request count for one verb. The count is the difference of the Kube's
 * counter, so concurrent verbs on one Kube would see each other's requests; verbs run one at a time.
 */
export function startVerb(kube: Kube, verb: Verb, target: Target, dryRun = false): VerbRun {
  const startedAt = performance.now();
  const requestsAtStart = kube.requests.count;
  let current = target;
  const measured = () => ({
    apiRequests: kube.requests.count - requestsAtStart,
    durationMs: Math.round(performance.now() - startedAt),
  });
  return {
    verb,
    get target() {
      return current;
    },
    dryRun,
    setTarget(next) {
      current = next;
    },
    finish(outcome) {
      return {
        verb,
        target: current,
        ok: outcome.ok ?? true,
        changed: outcome.changed,
        dryRun,
        before: outcome.before,
        after: outcome.after,
        message: outcome.message,
        warnings: outcome.warnings ?? [],
        ...measured(),
        // a dry run changed nothing: there is nothing to undo (Slack must not offer an Undo button)
        ...(outcome.undo && !dryRun ? { undo: outcome.undo } : {}),
        ...(outcome.retryable ? { retryable: true } : {}),
      };
    },
    fail(error, before) {
      return {
        verb,
        target: current,
        ok: false,
        changed: false,
        dryRun,
        before,
        after: undefined,
        message: error.message,
        warnings: [],
        ...measured(),
      };
    },
  };
}

/** `dryRun` query value for writes: the API server's "All" stage set, or absent. */
export function dryRunParam(dryRun: boolean | undefined): "All" | undefined {
  return dryRun ? "All" : undefined;
}

/**
 * Request options that set a patch's Content-Type. client-node 2 sends JSON Patch unless told
 * otherwise; we always say which one we mean.
 */
export function patchContentType(strategy: PatchStrategy): ConfigurationOptions<ObservableMiddleware> {
  return setHeaderOptions("Content-Type", strategy);
}

export const jsonPatch = (): ConfigurationOptions<ObservableMiddleware> =>
  patchContentType(PatchStrategy.JsonPatch);
export const mergePatch = (): ConfigurationOptions<ObservableMiddleware> =>
  patchContentType(PatchStrategy.MergePatch);
export const strategicMergePatch = (): ConfigurationOptions<ObservableMiddleware> =>
  patchContentType(PatchStrategy.StrategicMergePatch);
