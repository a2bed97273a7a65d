import type { V1Node } from "@kubernetes/client-node";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { KubeVerbError } from "../domain/errors.ts";
import { isInstanceId } from "../domain/instance-id.ts";
import { instanceIdOf, matchNode } from "./nodes.ts";

function node(name: string, providerID?: string): V1Node {
  return { metadata: { name }, spec: providerID ? { providerID } : {} };
}

const hex = (length: number) =>
  fc.string({ unit: fc.constantFrom(..."0123456789abcdef"), minLength: length, maxLength: length });
const instanceId = fc.oneof(hex(8), hex(17)).map((digits) => `i-${digits}`);
const zone = fc.constantFrom("us-east-1a", "eu-west-1c", "ap-south-1b");

describe("isInstanceId", () => {
  it("accepts 8 and 17 hex digit ids", () => {
    fc.assert(fc.property(instanceId, (id) => isInstanceId(id)));
  });
  it("rejects node names and near misses", () => {
    for (const value of [
      "ip-10-0-1-2.ec2.internal",
      "i-0abc",
      "i-0123456789abcdef0x",
      "I-01234567",
      "i-0123456g",
    ]) {
      expect(isInstanceId(value)).toBe(false);
    }
  });
});

describe("instanceIdOf", () => {
  it("is the last segment of an AWS providerID", () => {
    fc.assert(
      fc.property(zone, instanceId, (az, id) => instanceIdOf(node("n", `aws:///${az}/${id}`)) === id),
    );
  });
  it("is undefined without a providerID", () => {
    expect(instanceIdOf(node("n"))).toBeUndefined();
  });
});

describe("matchNode", () => {
  it("never matches an instance id that is a proper prefix of a node's id", () => {
    fc.assert(
      fc.property(zone, instanceId, fc.integer({ min: 3, max: 10 }), (az, id, cut) => {
        const prefix = id.slice(0, Math.min(cut, id.length - 1));
        const nodes = [node("n1", `aws:///${az}/${id}`)];
        expect(() => matchNode(nodes, prefix)).toThrow(KubeVerbError);
      }),
    );
  });

  it("picks the exact instance among ids that share a prefix", () => {
    const nodes = [
      node("short", "aws:///us-east-1a/i-0abc1234"),
      node("long", "aws:///us-east-1a/i-0abc12345678901234"),
    ];
    expect(matchNode(nodes, "i-0abc1234").metadata?.name).toBe("short");
    expect(matchNode(nodes, "i-0abc12345678901234").metadata?.name).toBe("long");
  });

  it("matches a node by name first", () => {
    const nodes = [
      node("i-0abc1234", "aws:///us-east-1a/i-99999999"),
      node("other", "aws:///us-east-1a/i-0abc1234"),
    ];
    expect(matchNode(nodes, "i-0abc1234").metadata?.name).toBe("i-0abc1234");
  });

  it("says so when an instance id is unknown or shared", () => {
    const nodes = [node("a", "aws:///us-east-1a/i-0abc1234"), node("b", "aws:///us-east-1b/i-0abc1234")];
    expect(() => matchNode(nodes, "i-0abc1234")).toThrow(/matches 2 nodes \(a, b\)/);
    expect(() => matchNode(nodes, "i-0abc9999")).toThrow(/no node named i-0abc9999 or with EC2 instance id/);
    try {
      matchNode(nodes, "i-0abc9999");
    } catch (error) {
      expect(error).toBeInstanceOf(KubeVerbError);
      expect((error as KubeVerbError).exitCode).toBe(2);
    }
  });
});
