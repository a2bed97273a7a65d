import fc from "fast-check";
import { describe, expect, expectTypeOf, it } from "vitest";
import type { NodeTarget, WorkloadTarget } from "../target.ts";
import {
  describeVerb,
  isMutatingVerb,
  type MutatingVerb,
  type NodeVerb,
  type ReadVerb,
  VERB_NAMES,
  VERBS,
  type Verb,
  type VerbCommandLike,
  verbRequest,
  verbUndo,
  type WorkloadVerb,
} from "./index.ts";

const checkout: WorkloadTarget = { kind: "Deployment", namespace: "shop", name: "checkout" };
const node: NodeTarget = {
  kind: "Node",
  name: "ip-10-0-1-2.ec2.internal",
  instanceId: "i-0123456789abcdef0",
};

const workload: fc.Arbitrary<WorkloadTarget> = fc.record({
  kind: fc.constantFrom("Deployment" as const, "StatefulSet" as const),
  namespace: fc.constantFrom("shop", "dev"),
  name: fc.constantFrom("checkout", "db"),
});
const count = fc.integer({ min: 0, max: 10_000 });
const maybe = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: undefined });

/** Commands as command/ parses them, every verb. */
const commands: fc.Arbitrary<VerbCommandLike> = fc.oneof(
  fc.record(
    {
      verb: fc.constant("scale" as const),
      target: workload,
      change: fc.oneof(
        count.map((replicas) => ({ kind: "absolute" as const, replicas })),
        fc.integer({ min: -50, max: 50 }).map((delta) => ({ kind: "relative" as const, delta })),
        fc.constant({ kind: "factor" as const, numerator: 3, denominator: 2 }),
      ),
      min: count,
      max: count,
      currentReplicas: count,
    },
    { requiredKeys: ["verb", "target", "change"] },
  ),
  fc.record({ verb: fc.constantFrom("restart" as const, "history" as const), target: workload }),
  fc.record({ verb: fc.constant("rollback" as const), target: workload, toRevision: maybe(count) }),
  fc.record({ verb: fc.constantFrom("cordon" as const, "uncordon" as const), node: fc.constant(node.name) }),
  fc.record(
    {
      verb: fc.constant("drain" as const),
      node: fc.constant("i-0123456789abcdef0"),
      timeoutMs: fc.integer({ min: 0, max: 2_147_483_647 }),
      gracePeriodSeconds: count,
      deleteEmptyDirData: fc.boolean(),
      force: fc.boolean(),
      ignoreDaemonSets: fc.boolean(),
      skipWaitForDeleteTimeoutSeconds: count,
    },
    { requiredKeys: ["verb", "node", "deleteEmptyDirData", "force", "ignoreDaemonSets"] },
  ),
  fc.record({ verb: fc.constant("status" as const), target: fc.oneof(workload, fc.constant(node)) }),
);

describe("the verb registry", () => {
  it("names every verb by its key", () => {
    for (const verb of VERB_NAMES) expect(VERBS[verb].name).toBe(verb);
  });

  it("types the verbs by what they do and what they act on", () => {
    expectTypeOf<MutatingVerb>().toEqualTypeOf<
      "scale" | "restart" | "rollback" | "cordon" | "uncordon" | "drain"
    >();
    expectTypeOf<ReadVerb>().toEqualTypeOf<"status" | "history">();
    expectTypeOf<WorkloadVerb>().toEqualTypeOf<"scale" | "restart" | "rollback">();
    expectTypeOf<NodeVerb>().toEqualTypeOf<"cordon" | "uncordon" | "drain">();
    expect(VERB_NAMES.filter(isMutatingVerb)).toEqual([
      "scale",
      "restart",
      "rollback",
      "cordon",
      "uncordon",
      "drain",
    ]);
  });

  it("declares the API access of every verb", () => {
    for (const verb of VERB_NAMES) expect(VERBS[verb].rbac.length).toBeGreaterThan(0);
  });

  it("reads every command into params its own schema accepts, on a target of its kind", () => {
    fc.assert(
      fc.property(commands, (command) => {
        const request = verbRequest(command);
        expect(request.verb).toBe(command.verb);
        expect(VERBS[request.verb].params.safeParse(request.params).success).toBe(true);
        const kind = VERBS[request.verb].target;
        if (kind !== "workload-or-node") expect(request.target.kind === "Node").toBe(kind === "node");
      }),
    );
  });

  it("reads commands as the verbs take them", () => {
    expect(
      verbRequest({ verb: "scale", target: checkout, change: { kind: "relative", delta: 2 }, max: 20 }),
    ).toEqual({ verb: "scale", target: checkout, params: { change: "+2", max: 20 } });
    expect(
      verbRequest({
        verb: "drain",
        node: "i-0123456789abcdef0",
        timeoutMs: 90_500,
        deleteEmptyDirData: true,
        force: false,
        ignoreDaemonSets: true,
      }),
    ).toEqual({
      verb: "drain",
      target: { kind: "Node", name: "i-0123456789abcdef0" },
      params: { ignoreDaemonSets: true, deleteEmptyDirData: true, force: false, timeoutSeconds: 90.5 },
    });
  });

  it("describes each verb in one line", () => {
    const lines: Record<Verb, string> = {
      scale: describeVerb({ verb: "scale", target: checkout, params: { change: "+2", max: 20 } }),
      restart: describeVerb({ verb: "restart", target: checkout, params: {} }),
      rollback: describeVerb({ verb: "rollback", target: checkout, params: { toRevision: 3 } }),
      cordon: describeVerb({ verb: "cordon", target: node, params: {} }),
      uncordon: describeVerb({ verb: "uncordon", target: node, params: {} }),
      drain: describeVerb({
        verb: "drain",
        target: node,
        params: { ignoreDaemonSets: true, deleteEmptyDirData: false, force: false },
      }),
      status: describeVerb({ verb: "status", target: checkout, params: {} }),
      history: describeVerb({ verb: "history", target: checkout, params: {} }),
    };
    expect(lines).toEqual({
      scale: "scale deployment shop/checkout by +2 (max 20)",
      restart: "restart deployment shop/checkout",
      rollback: "roll back deployment shop/checkout to revision 3",
      cordon: "cordon node ip-10-0-1-2.ec2.internal (i-0123456789abcdef0)",
      uncordon: "uncordon node ip-10-0-1-2.ec2.internal (i-0123456789abcdef0)",
      drain: "drain node ip-10-0-1-2.ec2.internal (i-0123456789abcdef0)",
      status: "status of deployment shop/checkout",
      history: "history of deployment shop/checkout",
    });
    expect(describeVerb({ verb: "scale", target: checkout, params: { change: "5", min: 1 } })).toBe(
      "scale deployment shop/checkout to 5 (min 1)",
    );
    expect(describeVerb({ verb: "rollback", target: checkout, params: {} })).toBe(
      "roll back deployment shop/checkout to its previous revision",
    );
  });

  it("knows each verb's undo", () => {
    expect(verbUndo("scale", checkout, { replicas: 3 })).toEqual({
      verb: "scale",
      target: checkout,
      params: { change: "3" },
    });
    expect(verbUndo("scale", checkout)).toBeUndefined();
    expect(verbUndo("rollback", checkout, { revision: 4 })).toEqual({
      verb: "rollback",
      target: checkout,
      params: { toRevision: 4 },
    });
    expect(verbUndo("rollback", checkout, { revision: undefined })).toBeUndefined();
    expect(verbUndo("cordon", node)?.verb).toBe("uncordon");
    expect(verbUndo("uncordon", node)?.verb).toBe("cordon");
    expect(verbUndo("drain", node)).toEqual({ verb: "uncordon", target: node, params: {} });
    expect(verbUndo("restart", checkout)).toBeUndefined();
  });

  it("refuses params a verb does not take", () => {
    expect(VERBS.scale.params.safeParse({ change: "lots" }).success).toBe(false);
    expect(VERBS.scale.params.safeParse({ change: "+1", max: -1 }).success).toBe(false);
    expect(VERBS.rollback.params.safeParse({ toRevision: 1.5 }).success).toBe(false);
    expect(VERBS.drain.params.safeParse({ force: true }).success).toBe(false);
  });
});
