import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  eksNode,
  NODE_BEHAVIOUR_LABEL,
  NODE_NOT_READY,
  randomInstanceId,
  waitFor,
  ZONES,
} from "./cluster.ts";

const instanceIdArb = fc
  .uint8Array({ minLength: 8, maxLength: 8 })
  .map((bytes) => `i-0${Buffer.from(bytes).toString("hex")}`);

describe("eksNode", () => {
  it("builds a node kwok manages, labelled and identified like an EKS managed node", () => {
    fc.assert(
      fc.property(fc.constantFrom(...ZONES), instanceIdArb, fc.boolean(), (zone, instanceId, notReady) => {
        const { node, added } = eksNode({ zone, instanceId, notReady });
        expect(node.spec?.providerID).toBe(`aws:///${zone}/${instanceId}`);
        expect(added.providerID).toBe(node.spec?.providerID);
        const labels = node.metadata?.labels ?? {};
        expect(labels["topology.kubernetes.io/zone"]).toBe(zone);
        expect(labels["node.kubernetes.io/instance-type"]).toBe("m5.large");
        expect(labels["eks.amazonaws.com/nodegroup"]).toBe("ng-default");
        expect(labels["kubernetes.io/hostname"]).toBe(node.metadata?.name);
        expect(labels[NODE_BEHAVIOUR_LABEL]).toBe(notReady ? NODE_NOT_READY : undefined);
        expect(node.metadata?.annotations?.["kwok.x-k8s.io/node"]).toBe("fake");
        expect(node.metadata?.name).toMatch(/^ip-10(-\d{1,3}){3}\.ec2\.internal$/);
        expect(node.status?.addresses?.find((a) => a.type === "InternalIP")?.address).toBe(added.internalIP);
        expect(node.spec?.taints).toBeUndefined();
      }),
    );
  });

  it("rejects an instance id that is not an EC2 instance id", () => {
    expect(() => eksNode({ instanceId: "i-123" })).toThrow(/not an EC2 instance id/);
  });

  it("makes unique random instance ids of the EC2 form", () => {
    const ids = new Set(Array.from({ length: 200 }, randomInstanceId));
    expect(ids.size).toBe(200);
    for (const id of ids) expect(id).toMatch(/^i-0[0-9a-f]{16}$/);
  });
});

describe("waitFor", () => {
  it("returns the first truthy value", async () => {
    let calls = 0;
    const value = await waitFor(() => (++calls >= 3 ? "done" : undefined), {
      what: "three calls",
      intervalMs: 1,
    });
    expect(value).toBe("done");
    expect(calls).toBe(3);
  });

  it("names what it waited for and the last error when it times out", async () => {
    await expect(
      waitFor(
        () => {
          throw new Error("connection refused");
        },
        { what: "the thing", timeoutMs: 20, intervalMs: 5 },
      ),
    ).rejects.toThrow(/timed out after 0s waiting for the thing \(last error: connection refused\)/);
  });
});
