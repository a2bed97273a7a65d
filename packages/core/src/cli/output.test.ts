import fc from "fast-check";
import { describe, expect, expectTypeOf, it } from "vitest";
import { parseCommandText, type VerbCommand } from "../command/index.ts";
import { formatScaleChange } from "../domain/scale-change.ts";
import type { NodeTarget, WorkloadTarget } from "../domain/target.ts";
import type { UndoAction } from "../domain/verb.ts";
import {
  type MutatingVerb,
  type VerbCommandLike,
  type VerbRequest,
  verbRequest,
} from "../domain/verbs/index.ts";
import { formatUndo } from "./output.ts";

const checkout: WorkloadTarget = { kind: "Deployment", namespace: "shop", name: "checkout" };
const node: NodeTarget = { kind: "Node", name: "ip-10-0-1-2.ec2.internal" };

describe("formatUndo", () => {
  it("writes the undo as the command that runs it", () => {
    expect(formatUndo({ verb: "scale", target: checkout, params: { change: "3" } })).toBe(
      "homeostat scale shop/checkout 3",
    );
    expect(formatUndo({ verb: "rollback", target: checkout, params: { toRevision: 4 } })).toBe(
      "homeostat rollback shop/checkout --to-revision 4",
    );
    expect(
      formatUndo({ verb: "scale", target: { ...checkout, kind: "StatefulSet" }, params: { change: "2" } }),
    ).toBe("homeostat scale shop/statefulset/checkout 2");
    expect(formatUndo({ verb: "uncordon", target: node, params: {} })).toBe(
      "homeostat uncordon ip-10-0-1-2.ec2.internal",
    );
  });

  it("leaves out params its verb does not take", () => {
    expect(formatUndo({ verb: "scale", target: checkout, params: { change: "lots" } })).toBe(
      "homeostat scale shop/checkout",
    );
  });

  const count = fc.integer({ min: 0, max: 100_000 });
  const maybe = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: undefined });
  const workload: fc.Arbitrary<WorkloadTarget> = fc.record({
    kind: fc.constantFrom("Deployment" as const, "StatefulSet" as const),
    namespace: fc.constantFrom("shop", "kube-system"),
    name: fc.constantFrom("checkout", "web.v2"),
  });
  const nodeTarget: fc.Arbitrary<NodeTarget> = fc
    .constantFrom("ip-10-0-1-2.ec2.internal", "i-0123456789abcdef0")
    .map((name) => ({ kind: "Node", name }));
  const defined = <T extends object>(value: T): T =>
    Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;
  /** Every mutating verb with any params a person can type. */
  const requests: fc.Arbitrary<VerbRequest<MutatingVerb>> = fc.oneof(
    fc
      .record({
        target: workload,
        change: fc.oneof(
          count.map((replicas) => ({ kind: "absolute" as const, replicas })),
          fc.integer({ min: -500, max: 500 }).map((delta) => ({ kind: "relative" as const, delta })),
          fc.integer({ min: 1, max: 999 }).map((hundredths) => ({
            kind: "factor" as const,
            numerator: hundredths,
            denominator: 100,
          })),
        ),
        min: maybe(count),
        span: maybe(count),
        currentReplicas: maybe(count),
      })
      .map(({ target, change, min, span, currentReplicas }) => ({
        verb: "scale" as const,
        target,
        params: defined({
          // a factor as written: x1.5 is 3/2, never 150/100
          change: formatScaleChange(change),
          min,
          max: span === undefined ? undefined : (min ?? 0) + span,
          currentReplicas,
        }),
      })),
    workload.map((target) => ({ verb: "restart" as const, target, params: {} })),
    fc.record({ target: workload, toRevision: maybe(count) }).map(({ target, toRevision }) => ({
      verb: "rollback" as const,
      target,
      params: defined({ toRevision }),
    })),
    fc
      .record({ verb: fc.constantFrom("cordon" as const, "uncordon" as const), target: nodeTarget })
      .map(({ verb, target }) => ({ verb, target, params: {} })),
    fc
      .record({
        target: nodeTarget,
        ignoreDaemonSets: fc.boolean(),
        deleteEmptyDirData: fc.boolean(),
        force: fc.boolean(),
        gracePeriodSeconds: maybe(count),
        timeoutMs: maybe(fc.integer({ min: 0, max: 2_147_483_647 })),
        skipWaitForDeleteTimeoutSeconds: maybe(count),
      })
      .map(({ target, timeoutMs, ...params }) => ({
        verb: "drain" as const,
        target,
        params: defined({
          ...params,
          timeoutSeconds: timeoutMs === undefined ? undefined : timeoutMs / 1000,
        }),
      })),
  );

  it("writes commands the grammar reads back to the same verb, target and params", () => {
    fc.assert(
      fc.property(requests, (request) => {
        const text = formatUndo(request as UndoAction);
        const parsed = parseCommandText(text);
        if (parsed.kind !== "command" || parsed.command.verb === "eks-token") throw new Error(text);
        expect(verbRequest(parsed.command as VerbCommand)).toEqual(request);
      }),
    );
  });

  it("reads every command of the grammar through the registry", () => {
    expectTypeOf<VerbCommand>().toExtend<VerbCommandLike>();
  });
});
