import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { NodeTarget, WorkloadTarget } from "../domain/target.ts";
import { formatTarget, parseNodeName, parseTarget, parseWorkloadTarget } from "./target.ts";

const namespace = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/);
const objectName = fc.stringMatching(/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/);
const workload: fc.Arbitrary<WorkloadTarget> = fc.record({
  kind: fc.constantFrom("Deployment" as const, "StatefulSet" as const),
  namespace,
  name: objectName,
});
const instanceId = fc.oneof(fc.stringMatching(/^i-[0-9a-f]{17}$/), fc.stringMatching(/^i-[0-9a-f]{8}$/));
// a name that starts like an instance id must be one (parseNodeName refuses `i-12`)
const nodeName = fc.oneof(
  objectName.filter((name) => !name.startsWith("i-")),
  instanceId,
);

describe("formatTarget", () => {
  it("writes workloads and nodes as a command takes them", () => {
    expect(formatTarget({ kind: "Deployment", namespace: "shop", name: "checkout" })).toBe("shop/checkout");
    expect(formatTarget({ kind: "StatefulSet", namespace: "shop", name: "db" })).toBe("shop/statefulset/db");
    expect(
      formatTarget({ kind: "Node", name: "ip-10-0-1-5.ec2.internal", instanceId: "i-0123456789abcdef0" }),
    ).toBe("ip-10-0-1-5.ec2.internal");
  });

  it("is read back as the workload it wrote", () => {
    fc.assert(
      fc.property(workload, (target) => {
        expect(parseWorkloadTarget(formatTarget(target), "scale")).toEqual(target);
        expect(parseTarget(formatTarget(target), "status")).toEqual(target);
      }),
    );
  });

  it("is read back as the node it wrote", () => {
    fc.assert(
      fc.property(nodeName, (name) => {
        const target: NodeTarget = { kind: "Node", name };
        expect(parseNodeName(formatTarget(target), "cordon")).toBe(name);
      }),
    );
    fc.assert(
      fc.property(instanceId, (id) => {
        const target: NodeTarget = { kind: "Node", name: id, instanceId: id };
        expect(parseTarget(formatTarget(target), "status")).toEqual(target);
      }),
    );
  });

  it("writes any workload text the parser reads in one canonical form that reads the same", () => {
    const kindWord = fc
      .constantFrom("deployment", "deployments", "deploy", "statefulset", "statefulsets", "sts")
      .chain((word) => fc.constantFrom(word, word.toUpperCase(), word[0]?.toUpperCase() + word.slice(1)));
    const text = fc.oneof(
      fc.tuple(namespace, objectName).map(([ns, name]) => `${ns}/${name}`),
      fc.tuple(namespace, kindWord, objectName).map(([ns, kind, name]) => `${ns}/${kind}/${name}`),
    );
    fc.assert(
      fc.property(text, (written) => {
        const target = parseWorkloadTarget(written, "restart");
        const canonical = formatTarget(target);
        expect(parseWorkloadTarget(canonical, "restart")).toEqual(target);
        expect(formatTarget(parseWorkloadTarget(canonical, "restart"))).toBe(canonical);
      }),
    );
  });
});
