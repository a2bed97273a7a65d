import { describe, expect, it } from "vitest";
import accessEntries from "./access-entries.json" with { type: "json" };
import { type CallerIdentity, parseAccessEntries, principalOf, renderUsername } from "./token-webhook.ts";

describe("principalOf", () => {
  it("turns an assumed-role session ARN into the role ARN access entries are keyed by", () => {
    expect(principalOf("arn:aws:sts::123456789012:assumed-role/homeostat-automation/my-fn")).toEqual({
      principalArn: "arn:aws:iam::123456789012:role/homeostat-automation",
      sessionName: "my-fn",
    });
    expect(principalOf("arn:aws-cn:sts::123456789012:assumed-role/r/s/with/slashes")).toEqual({
      principalArn: "arn:aws-cn:iam::123456789012:role/r",
      sessionName: "s/with/slashes",
    });
  });

  it("keeps an IAM user ARN and refuses anything else", () => {
    expect(principalOf("arn:aws:iam::123456789012:user/alice")).toEqual({
      principalArn: "arn:aws:iam::123456789012:user/alice",
      sessionName: undefined,
    });
    expect(principalOf("arn:aws:sts::123456789012:federated-user/bob")).toBeUndefined();
    expect(principalOf("arn:aws:iam::123456789012:root")).toBeUndefined();
  });
});

describe("renderUsername", () => {
  const caller: CallerIdentity = {
    arn: "arn:aws:sts::123456789012:assumed-role/r/alice@example.com",
    principalArn: "arn:aws:iam::123456789012:role/r",
    accountId: "123456789012",
    userId: "AROAEXAMPLE:alice@example.com",
    sessionName: "alice@example.com",
  };

  it("fills EKS's template variables, replacing @ in {{SessionName}} as EKS does", () => {
    expect(renderUsername("ops:{{AccountID}}:{{SessionName}}", caller, "ASIA1")).toBe(
      "ops:123456789012:alice-example.com",
    );
    expect(renderUsername("{{SessionNameRaw}}/{{AccessKeyID}}", caller, "ASIA1")).toBe(
      "alice@example.com/ASIA1",
    );
  });
});

describe("parseAccessEntries", () => {
  it("accepts the repository's mapping file", () => {
    expect(
      parseAccessEntries(JSON.stringify(accessEntries), "access-entries.json").entries.length,
    ).toBeGreaterThan(0);
  });

  it("refuses session ARNs, system: groups and non-JSON with the reason", () => {
    expect(() =>
      parseAccessEntries(
        JSON.stringify({
          entries: [{ principalArn: "arn:aws:sts::123456789012:assumed-role/r/s", kubernetesGroups: [] }],
        }),
        "f.json",
      ),
    ).toThrow(/not an assumed-role session ARN/);
    expect(() =>
      parseAccessEntries(
        JSON.stringify({
          entries: [
            { principalArn: "arn:aws:iam::123456789012:role/r", kubernetesGroups: ["system:masters"] },
          ],
        }),
        "f.json",
      ),
    ).toThrow(/cannot use system: groups/);
    expect(() => parseAccessEntries("{", "f.json")).toThrow(/f.json is not JSON/);
  });
});
