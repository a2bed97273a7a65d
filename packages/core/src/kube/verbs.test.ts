import { readFileSync } from "node:fs";
import { loadAllYaml } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { KubeVerbError } from "../domain/errors.ts";
import type { WorkloadTarget } from "../domain/target.ts";
import { automationRbac, PIPELINE_READS, type RbacRule, VERB_NAMES, VERBS } from "../domain/verbs/index.ts";
import type { Kube } from "./client.ts";
import { runVerb } from "./verbs.ts";

interface ClusterRoleRule {
  apiGroups?: string[];
  resources?: string[];
  verbs?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}
interface ClusterRole {
  kind: string;
  metadata: { name: string };
  rules: ClusterRoleRule[];
}

const manifest = loadAllYaml(
  readFileSync(new URL("../../manifests/rbac.yaml", import.meta.url), "utf8"),
) as ClusterRole[];

function clusterRole(name: string): ClusterRole {
  const role = manifest.find((object) => object?.kind === "ClusterRole" && object.metadata.name === name);
  if (!role) throw new Error(`manifests/rbac.yaml has no ClusterRole ${name}`);
  return role;
}

/** A rule set as `group/resource verb` grants, one per combination, so rule sets compare however grouped. */
function grantsOfRole(role: ClusterRole): Set<string> {
  const grants = new Set<string>();
  for (const rule of role.rules) {
    // anything but plain resource rules would be a grant the registry cannot express: fail loudly
    expect(rule.resourceNames ?? []).toEqual([]);
    expect(rule.nonResourceURLs ?? []).toEqual([]);
    for (const group of rule.apiGroups ?? [])
      for (const resource of rule.resources ?? [])
        for (const verb of rule.verbs ?? []) grants.add(`${group}/${resource} ${verb}`);
  }
  return grants;
}

function grantsOf(rules: readonly RbacRule[]): Set<string> {
  return new Set(
    rules.flatMap((rule) => rule.verbs.map((verb) => `${rule.apiGroup}/${rule.resource} ${verb}`)),
  );
}

const sorted = (grants: Set<string>) => [...grants].sort();

describe("the shipped ClusterRole (manifests/rbac.yaml)", () => {
  it("grants the automation exactly what the verbs and the pipeline's reads need", () => {
    const needed = grantsOf(automationRbac().map((need) => need.rule));
    expect(sorted(grantsOfRole(clusterRole("homeostat-automation")))).toEqual(sorted(needed));
  });

  it("lets the read-only identity do every read-only verb and the pipeline's reads (homeostat plan)", () => {
    const granted = grantsOfRole(clusterRole("homeostat-readonly"));
    const reads = VERB_NAMES.filter((verb) => !VERBS[verb].mutating).flatMap((verb) => VERBS[verb].rbac);
    const missing = [...grantsOf([...reads, ...PIPELINE_READS])].filter((grant) => !granted.has(grant));
    expect(missing).toEqual([]);
  });
});

describe("runVerb", () => {
  /** Any request would touch one of these: none must be made before the checks. */
  const noRequests = new Proxy({} as Kube, {
    get(_target, property) {
      throw new Error(`no API request expected (kube.${String(property)})`);
    },
  });
  const checkout: WorkloadTarget = { kind: "Deployment", namespace: "shop", name: "checkout" };

  async function rejection(run: Promise<unknown>): Promise<KubeVerbError> {
    const error = await run.then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(KubeVerbError);
    return error as KubeVerbError;
  }

  it("refuses a target of the wrong kind before any request", async () => {
    const error = await rejection(runVerb(noRequests, "cordon", checkout, {}));
    expect(error.code).toBe("invalid");
    expect(error.exitCode).toBe(2);
    expect(error.message).toBe("cordon acts on nodes, and the target is deployment shop/checkout");
    const node = { kind: "Node" as const, name: "ip-10-0-1-2" };
    expect((await rejection(runVerb(noRequests, "scale", node, { change: "+1" }))).message).toBe(
      "scale acts on workloads, and the target is node ip-10-0-1-2",
    );
  });

  it("refuses params its verb's schema does not accept, saying which", async () => {
    const error = await rejection(runVerb(noRequests, "scale", checkout, { change: "+1", max: -2 }));
    expect(error.code).toBe("invalid");
    expect(error.message).toMatch(/^scale of deployment shop\/checkout: max: /);
    expect((await rejection(runVerb(noRequests, "rollback", checkout, "3"))).code).toBe("invalid");
  });
});
