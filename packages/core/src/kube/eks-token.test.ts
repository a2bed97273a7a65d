import { describe, expect, it } from "vitest";
import { EksTokenError, execCredential, mintEksToken, stsHost } from "./eks-token.ts";

const credentials = {
  accessKeyId: "AKIAIOSFODNN7EXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
  sessionToken: "FwoGZXIvYXdzEJr//////////wEaDHsession+token/with=chars",
};
const signingDate = new Date("2024-01-02T03:04:05Z");

function decodeUrl(token: string): URL {
  expect(token.startsWith("k8s-aws-v1.")).toBe(true);
  return new URL(Buffer.from(token.slice("k8s-aws-v1.".length), "base64url").toString("utf8"));
}

describe("mintEksToken", () => {
  it("presigns an STS GetCallerIdentity GET with the cluster id as a signed header", async () => {
    const { token } = await mintEksToken({
      clusterName: "homeostat-test",
      region: "us-east-1",
      credentials,
      signingDate,
    });
    const url = decodeUrl(token);
    expect(url.protocol).toBe("https:");
    expect(url.host).toBe("sts.us-east-1.amazonaws.com");
    expect(url.pathname).toBe("/");
    const q = url.searchParams;
    expect(q.get("Action")).toBe("GetCallerIdentity");
    expect(q.get("Version")).toBe("2011-06-15");
    expect(q.get("X-Amz-Algorithm")).toBe("AWS4-HMAC-SHA256");
    expect(q.get("X-Amz-Credential")).toBe("AKIAIOSFODNN7EXAMPLE/20240102/us-east-1/sts/aws4_request");
    expect(q.get("X-Amz-Date")).toBe("20240102T030405Z");
    expect(q.get("X-Amz-Expires")).toBe("60");
    expect(q.get("X-Amz-SignedHeaders")).toBe("host;x-k8s-aws-id");
    expect(q.get("X-Amz-Security-Token")).toBe(credentials.sessionToken);
    // the cluster name travels only inside the signature, never in the query
    expect(url.search).not.toContain("homeostat-test");
    expect(q.has("x-k8s-aws-id")).toBe(false);
  });

  it("computes the same signature as botocore (what `aws eks get-token` runs)", async () => {
    // Golden value from botocore 1.43 SigV4QueryAuth(creds, "sts", "us-east-1", expires=60) on the same
    // request and clock; a mismatch means real STS would reject our tokens.
    const { token } = await mintEksToken({
      clusterName: "homeostat-test",
      region: "us-east-1",
      credentials,
      signingDate,
    });
    expect(decodeUrl(token).searchParams.get("X-Amz-Signature")).toBe(
      "582a0dd1129f822afd3747660c87d2d0fecee482dbdbf2129dd4b6e111504e3f",
    );
  });

  it("is deterministic for a fixed signing date and changes with the cluster name", async () => {
    const input = { clusterName: "a", region: "eu-west-1", credentials, signingDate };
    const first = await mintEksToken(input);
    const second = await mintEksToken(input);
    const other = await mintEksToken({ ...input, clusterName: "b" });
    expect(second.token).toBe(first.token);
    expect(other.token).not.toBe(first.token);
  });

  it("uses unpadded base64url", async () => {
    // session tokens of every length mod 3 exercise every padding case
    for (const sessionToken of ["a", "ab", "abc", undefined]) {
      const { token } = await mintEksToken({
        clusterName: "c",
        region: "us-east-1",
        credentials: { ...credentials, sessionToken },
        signingDate,
      });
      expect(token).toMatch(/^k8s-aws-v1\.[A-Za-z0-9_-]+$/);
    }
  });

  it("omits X-Amz-Security-Token for long-term credentials", async () => {
    const { token } = await mintEksToken({
      clusterName: "c",
      region: "us-east-1",
      credentials: { accessKeyId: "AKID", secretAccessKey: "secret" },
      signingDate,
    });
    expect(decodeUrl(token).searchParams.has("X-Amz-Security-Token")).toBe(false);
  });

  it("expires for clients 14 minutes after signing", async () => {
    const { expiresAt } = await mintEksToken({
      clusterName: "c",
      region: "us-east-1",
      credentials,
      signingDate,
    });
    expect(expiresAt.toISOString()).toBe("2024-01-02T03:18:05.000Z");
  });

  it("accepts a credential provider", async () => {
    const fromProvider = await mintEksToken({
      clusterName: "c",
      region: "us-east-1",
      credentials: async () => credentials,
      signingDate,
    });
    const fromIdentity = await mintEksToken({
      clusterName: "c",
      region: "us-east-1",
      credentials,
      signingDate,
    });
    expect(fromProvider.token).toBe(fromIdentity.token);
  });

  it("signs against the STS host of the region's partition", () => {
    expect(stsHost("eu-central-1")).toBe("sts.eu-central-1.amazonaws.com");
    expect(stsHost("cn-north-1")).toBe("sts.cn-north-1.amazonaws.com.cn");
    expect(stsHost("us-gov-west-1")).toBe("sts.us-gov-west-1.amazonaws.com");
  });

  it("rejects a missing cluster name or a malformed region with an actionable error", async () => {
    await expect(mintEksToken({ clusterName: " ", region: "us-east-1", credentials })).rejects.toThrow(
      EksTokenError,
    );
    await expect(mintEksToken({ clusterName: "c", region: "us-east", credentials })).rejects.toThrow(
      /not an AWS region name/,
    );
  });

  it("reports a failing credential provider as an EksTokenError with the cause", async () => {
    const failing = mintEksToken({
      clusterName: "c",
      region: "us-east-1",
      credentials: async () => {
        throw new Error("no credentials in the environment");
      },
    });
    await expect(failing).rejects.toThrow(/could not sign the EKS token for cluster "c": no credentials/);
  });
});

describe("execCredential", () => {
  it("has the shape `aws eks get-token` prints", async () => {
    const token = await mintEksToken({ clusterName: "c", region: "us-east-1", credentials, signingDate });
    expect(execCredential(token)).toEqual({
      kind: "ExecCredential",
      apiVersion: "client.authentication.k8s.io/v1beta1",
      spec: {},
      status: { expirationTimestamp: "2024-01-02T03:18:05Z", token: token.token },
    });
  });
});
