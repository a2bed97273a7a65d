// How each verb of the registry (domain/verbs) runs against the API server: the one dispatch the
// pipeline's act and the CLI share. A verb declared without an implementation here, or implemented
// without a declaration, does not compile.
import { KubeVerbError } from "../domain/errors.ts";
import { describeTarget, type Target } from "../domain/target.ts";
import type { VerbOptions, VerbResult } from "../domain/verb.ts";
import { VERBS, type Verb, type VerbParams, type VerbTarget } from "../domain/verbs/index.ts";
import type { Kube } from "./client.ts";
import { cordon, uncordon } from "./cordon.ts";
import { drain } from "./drain.ts";
import { history } from "./history.ts";
import { restart } from "./restart.ts";
import { rollback } from "./rollback.ts";
import { scale } from "./scale.ts";
import { status } from "./status.ts";

type Implementation<V extends Verb> = (
  kube: Kube,
  target: VerbTarget<V>,
  params: VerbParams<V>,
  opts: VerbOptions,
) => Promise<VerbResult>;

// Node verbs take the name as the caller gave it (a node name or an instance id) and resolve it.
const IMPLEMENTATIONS: { [V in Verb]: Implementation<V> } = {
  scale: (kube, target, params, opts) => scale(kube, target, params, opts),
  restart: (kube, target, params, opts) => restart(kube, target, params, opts),
  rollback: (kube, target, params, opts) => rollback(kube, target, params, opts),
  cordon: (kube, target, _params, opts) => cordon(kube, target.name, opts),
  uncordon: (kube, target, _params, opts) => uncordon(kube, target.name, opts),
  drain: (kube, target, params, opts) =>
    drain(kube, target.name, {
      ...opts,
      ignoreDaemonSets: params.ignoreDaemonSets,
      deleteEmptyDirData: params.deleteEmptyDirData,
      force: params.force,
      // rounded up to whole milliseconds: `--timeout 0.4ms` is a deadline of 1 ms, never 0 (no deadline)
      ...(params.timeoutSeconds === undefined ? {} : { timeoutMs: Math.ceil(params.timeoutSeconds * 1000) }),
      ...(params.gracePeriodSeconds === undefined ? {} : { gracePeriodSeconds: params.gracePeriodSeconds }),
      ...(params.skipWaitForDeleteTimeoutSeconds === undefined
        ? {}
        : { skipWaitForDeleteTimeoutSeconds: params.skipWaitForDeleteTimeoutSeconds }),
    }),
  status: (kube, target) => status(kube, target),
  history: (kube, target) => history(kube, target),
};

function fitsTarget(verb: Verb, target: Target): boolean {
  switch (VERBS[verb].target) {
    case "node":
      return target.kind === "Node";
    case "workload":
      return target.kind !== "Node";
    case "workload-or-node":
      return true;
  }
}

/**
 * Runs one verb. Params come from plans, stored approvals and undo buttons as well as from the CLI, so
 * they are checked against the verb's schema first: a bad one is a KubeVerbError ("invalid", exit 2)
 * before any request. Fields the schema does not know (a plan's `remember`) are left out.
 *
 * @example
 * const result = await runVerb(kube, "scale", { kind: "Deployment", namespace: "shop", name: "checkout" }, { change: "+2" });
 */
export async function runVerb(
  kube: Kube,
  verb: Verb,
  target: Target,
  params: unknown,
  opts: VerbOptions = {},
): Promise<VerbResult> {
  const declaration = VERBS[verb];
  if (!fitsTarget(verb, target)) {
    throw new KubeVerbError(
      "invalid",
      `${verb} acts on ${declaration.target === "node" ? "nodes" : "workloads"}, and the target is ${describeTarget(target)}`,
    );
  }
  const parsed = declaration.params.safeParse(params);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) =>
      issue.path.length > 0 ? `${issue.path.join(".")}: ${issue.message}` : issue.message,
    );
    throw new KubeVerbError("invalid", `${verb} of ${describeTarget(target)}: ${issues.join("; ")}`, {
      cause: parsed.error,
    });
  }
  // each entry is called only with its own verb's target and params (checked above); TypeScript cannot
  // follow that through the lookup
  const run = IMPLEMENTATIONS[verb] as Implementation<Verb>;
  return await run(kube, target, parsed.data, opts);
}
