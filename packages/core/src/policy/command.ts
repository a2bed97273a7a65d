import { parseScaleChange } from "../kube/scale.ts";
import type { MutatingVerb, WorkloadKind } from "../kube/types.ts";

/**
 * A person's command in the shared grammar:
 *   scale [deployment|statefulset/]NS/NAME CHANGE [--min N] [--max N]
 *   restart [deployment|statefulset/]NS/NAME
 *   rollback NS/NAME [--to-revision N]
 *   cordon|uncordon|drain NODE-OR-INSTANCE-ID
 */
export type ParsedCommand =
  | {
      verb: "scale";
      workload: { kind?: WorkloadKind; namespace: string; name: string };
      change: string;
      min?: number;
      max?: number;
    }
  | { verb: "restart"; workload: { kind?: WorkloadKind; namespace: string; name: string } }
  | { verb: "rollback"; workload: { namespace: string; name: string }; toRevision?: number }
  | { verb: "cordon" | "uncordon" | "drain"; node: string };

export type CommandParseResult = { ok: true; command: ParsedCommand } | { ok: false; reason: string };

const EXAMPLES = "scale shop/checkout +3, restart shop/checkout, rollback shop/checkout, drain ip-10-0-1-5";
const NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

function parseWorkload(text: string): { kind?: WorkloadKind; namespace: string; name: string } | undefined {
  const parts = text.split("/");
  let kind: WorkloadKind | undefined;
  if (parts.length === 3) {
    const prefix = parts.shift()?.toLowerCase();
    if (prefix === "deployment" || prefix === "deploy") kind = "Deployment";
    else if (prefix === "statefulset" || prefix === "sts") kind = "StatefulSet";
    else return undefined;
  }
  const [namespace, name] = parts;
  if (parts.length !== 2 || !namespace || !name || !NAME.test(namespace) || !NAME.test(name))
    return undefined;
  return kind ? { kind, namespace, name } : { namespace, name };
}

function flagValue(words: string[], flag: string): number | undefined | "invalid" {
  const index = words.indexOf(flag);
  if (index < 0) return undefined;
  const value = words[index + 1];
  words.splice(index, 2);
  if (value === undefined || !/^\d{1,10}$/.test(value)) return "invalid";
  return Number(value);
}

export function parseCommand(text: string): CommandParseResult {
  const words = text.trim().split(/\s+/).filter(Boolean);
  const verb = words.shift()?.toLowerCase() as MutatingVerb | undefined;
  const fail = (why: string): CommandParseResult => ({
    ok: false,
    reason: `${why} (for example: ${EXAMPLES})`,
  });
  switch (verb) {
    case "scale": {
      const min = flagValue(words, "--min");
      const max = flagValue(words, "--max");
      if (min === "invalid" || max === "invalid") return fail("--min and --max take a whole number");
      const [target, change, ...rest] = words;
      const workload = target ? parseWorkload(target) : undefined;
      if (!workload)
        return fail(`scale needs a workload namespace/name, got ${JSON.stringify(target ?? "")}`);
      if (change === undefined || rest.length > 0)
        return fail("scale needs one replica change like 5, +2, -1 or x1.5");
      try {
        parseScaleChange(change);
      } catch {
        return fail(`scale needs a replica change like 5, +2, -1 or x1.5, got ${JSON.stringify(change)}`);
      }
      return {
        ok: true,
        command: {
          verb,
          workload,
          change,
          ...(min === undefined ? {} : { min }),
          ...(max === undefined ? {} : { max }),
        },
      };
    }
    case "restart":
    case "rollback": {
      const toRevision = verb === "rollback" ? flagValue(words, "--to-revision") : undefined;
      if (toRevision === "invalid" || toRevision === 0)
        return fail("--to-revision takes a revision number ≥ 1");
      const [target, ...rest] = words;
      const workload = target ? parseWorkload(target) : undefined;
      if (!workload || rest.length > 0) return fail(`${verb} needs one workload namespace/name`);
      if (verb === "restart") return { ok: true, command: { verb, workload } };
      return {
        ok: true,
        command: {
          verb,
          workload: { namespace: workload.namespace, name: workload.name },
          ...(toRevision === undefined ? {} : { toRevision }),
        },
      };
    }
    case "cordon":
    case "uncordon":
    case "drain": {
      const [node, ...rest] = words;
      if (!node || rest.length > 0 || !NAME.test(node))
        return fail(`${verb} needs one node name or instance id`);
      return { ok: true, command: { verb, node } };
    }
    default:
      return fail(`unknown command ${JSON.stringify(verb ?? "")}`);
  }
}
