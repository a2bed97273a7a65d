import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { mintEksToken } from "../../packages/core/src/kube/eks-token.ts";
import { isStsHostOfPartition, type TokenVerification, verifyEksToken } from "./token-verify.ts";

const signedAt = new Date("2024-01-02T03:04:05Z");
const now = new Date(signedAt.getTime() + 60_000);
const options = { now, clusterId: "homeostat-test" };

const validQuery = [
  "Action=GetCallerIdentity",
  "Version=2011-06-15",
  "X-Amz-Algorithm=AWS4-HMAC-SHA256",
  "X-Amz-Credential=ASIAEXAMPLE%2F20240102%2Fus-east-1%2Fsts%2Faws4_request",
  "X-Amz-Date=20240102T030405Z",
  "X-Amz-Expires=60",
  "X-Amz-SignedHeaders=host%3Bx-k8s-aws-id",
  "X-Amz-Security-Token=session%2Btoken",
  "X-Amz-Signature=abc123",
];

function urlWith(
  changes: Record<string, string | null> = {},
  base = "https://sts.us-east-1.amazonaws.com/",
): string {
  const params = validQuery
    .map((pair) => pair.split("=") as [string, string])
    .filter(([key]) => changes[key] !== null)
    .map(([key, value]) => `${key}=${changes[key] ?? value}`);
  for (const [key, value] of Object.entries(changes)) {
    if (value !== null && !validQuery.some((pair) => pair.startsWith(`${key}=`)))
      params.push(`${key}=${value}`);
  }
  return `${base}?${params.join("&")}`;
}

function tokenOf(url: string): string {
  return `k8s-aws-v1.${Buffer.from(url).toString("base64url")}`;
}

function reasonOf(result: TokenVerification): string {
  return result.ok ? "ok" : result.reason;
}

describe("verifyEksToken", () => {
  it("accepts a well-formed token and returns what the replay needs", () => {
    const result = verifyEksToken(tokenOf(urlWith()), options);
    expect(result).toMatchObject({
      ok: true,
      host: "sts.us-east-1.amazonaws.com",
      region: "us-east-1",
      accessKeyId: "ASIAEXAMPLE",
      sessionToken: "session+token",
      signedHeaders: ["host", "x-k8s-aws-id"],
      replayHeaders: { "x-k8s-aws-id": "homeostat-test" },
    });
    expect(result.ok && result.expiresAt.toISOString()).toBe("2024-01-02T03:19:05.000Z");
  });

  it("rejects tokens over 4 KiB", () => {
    const url = urlWith({ "X-Amz-Signature": "a".repeat(4096) });
    expect(reasonOf(verifyEksToken(tokenOf(url), options))).toBe("too-large");
  });

  it("rejects a missing or different prefix", () => {
    expect(reasonOf(verifyEksToken(tokenOf(urlWith()).replace("k8s-aws-v1.", ""), options))).toBe(
      "missing-prefix",
    );
    expect(reasonOf(verifyEksToken(tokenOf(urlWith()).replace("v1", "v2"), options))).toBe("missing-prefix");
  });

  it("rejects padded, standard-alphabet or garbage base64", () => {
    const body = Buffer.from(urlWith()).toString("base64url");
    expect(reasonOf(verifyEksToken(`k8s-aws-v1.${body}==`, options))).toBe("bad-base64");
    expect(reasonOf(verifyEksToken(`k8s-aws-v1.${`${body.slice(0, -1)}+`}`, options))).toBe("bad-base64");
    expect(reasonOf(verifyEksToken("k8s-aws-v1.not base64!", options))).toBe("bad-base64");
    expect(reasonOf(verifyEksToken("k8s-aws-v1.a", options))).toBe("bad-base64");
  });

  it("rejects a payload that is not a URL", () => {
    expect(reasonOf(verifyEksToken(tokenOf("just some text"), options))).toBe("bad-url");
  });

  it("rejects http", () => {
    const url = urlWith({}, "http://sts.us-east-1.amazonaws.com/");
    expect(reasonOf(verifyEksToken(tokenOf(url), options))).toBe("not-https");
  });

  it("rejects hosts that are not STS hosts of the partition", () => {
    for (const base of [
      "https://sts.us-east-1.amazonaws.com.evil.example/",
      "https://evil.example/",
      "https://sts.us-east-1.amazonaws.com:8443/",
      "https://iam.amazonaws.com/",
      "https://sts.cn-north-1.amazonaws.com.cn/",
    ]) {
      expect(reasonOf(verifyEksToken(tokenOf(urlWith({}, base)), options)), base).toBe("not-sts-host");
    }
    const cn = urlWith({}, "https://sts.cn-north-1.amazonaws.com.cn/");
    expect(reasonOf(verifyEksToken(tokenOf(cn), { ...options, partition: "aws-cn" }))).toBe("ok");
  });

  it("knows the STS hosts of each partition", () => {
    expect(isStsHostOfPartition("sts.amazonaws.com", "aws")).toBe(true);
    expect(isStsHostOfPartition("sts-fips.us-east-2.amazonaws.com", "aws")).toBe(true);
    expect(isStsHostOfPartition("sts.us-gov-west-1.amazonaws.com", "aws")).toBe(false);
    expect(isStsHostOfPartition("sts.us-gov-west-1.amazonaws.com", "aws-us-gov")).toBe(true);
    expect(isStsHostOfPartition("sts.eu-west-1.amazonaws.com", "aws-cn")).toBe(false);
  });

  it("rejects any path but /", () => {
    const url = urlWith({}, "https://sts.us-east-1.amazonaws.com/other");
    expect(reasonOf(verifyEksToken(tokenOf(url), options))).toBe("wrong-path");
  });

  it("rejects query keys outside the allowed list and repeated keys", () => {
    expect(reasonOf(verifyEksToken(tokenOf(urlWith({ RoleArn: "x" })), options))).toBe(
      "query-key-not-allowed",
    );
    expect(reasonOf(verifyEksToken(tokenOf(`${urlWith()}&action=GetCallerIdentity`), options))).toBe(
      "query-key-repeated",
    );
  });

  it("matches allowed query keys case-insensitively, as aws-iam-authenticator does", () => {
    const url = urlWith().replace("X-Amz-Expires", "x-amz-expires");
    expect(reasonOf(verifyEksToken(tokenOf(url), options))).toBe("ok");
  });

  it("rejects any action but GetCallerIdentity", () => {
    expect(reasonOf(verifyEksToken(tokenOf(urlWith({ Action: "AssumeRole" })), options))).toBe(
      "wrong-action",
    );
    expect(reasonOf(verifyEksToken(tokenOf(urlWith({ Action: null })), options))).toBe("wrong-action");
  });

  it("requires x-k8s-aws-id among the signed headers", () => {
    expect(reasonOf(verifyEksToken(tokenOf(urlWith({ "X-Amz-SignedHeaders": "host" })), options))).toBe(
      "cluster-id-not-signed",
    );
    expect(
      reasonOf(verifyEksToken(tokenOf(urlWith({ "X-Amz-SignedHeaders": "host%3BX-K8S-AWS-ID" })), options)),
    ).toBe("ok");
  });

  it("requires X-Amz-Expires to be an integer from 0 to 900", () => {
    for (const bad of ["901", "-1", "1.5", "", "sixty"]) {
      expect(reasonOf(verifyEksToken(tokenOf(urlWith({ "X-Amz-Expires": bad })), options)), bad).toBe(
        "bad-expires",
      );
    }
    expect(reasonOf(verifyEksToken(tokenOf(urlWith({ "X-Amz-Expires": null })), options))).toBe(
      "bad-expires",
    );
    for (const good of ["0", "900"]) {
      expect(reasonOf(verifyEksToken(tokenOf(urlWith({ "X-Amz-Expires": good })), options)), good).toBe("ok");
    }
  });

  it("requires a well-formed X-Amz-Date", () => {
    expect(reasonOf(verifyEksToken(tokenOf(urlWith({ "X-Amz-Date": null })), options))).toBe("missing-date");
    for (const bad of ["2024-01-02T03:04:05Z", "20241302T030405Z", "20240102T250405Z"]) {
      expect(reasonOf(verifyEksToken(tokenOf(urlWith({ "X-Amz-Date": bad })), options)), bad).toBe(
        "bad-date",
      );
    }
  });

  it("accepts a token for 15 minutes from X-Amz-Date, whatever X-Amz-Expires says", () => {
    const token = tokenOf(urlWith({ "X-Amz-Expires": "0" }));
    const at = (ms: number) => ({ ...options, now: new Date(signedAt.getTime() + ms) });
    expect(reasonOf(verifyEksToken(token, at(15 * 60_000 - 1)))).toBe("ok");
    expect(reasonOf(verifyEksToken(token, at(15 * 60_000)))).toBe("expired");
    expect(reasonOf(verifyEksToken(token, at(20 * 60_000)))).toBe("expired");
  });

  it("requires an STS credential scope with an access key id", () => {
    for (const bad of [
      "%2F20240102%2Fus-east-1%2Fsts%2Faws4_request",
      "AKID%2F20240102%2Fus-east-1%2Fs3%2Faws4_request",
      "AKID",
    ]) {
      expect(reasonOf(verifyEksToken(tokenOf(urlWith({ "X-Amz-Credential": bad })), options)), bad).toBe(
        "bad-credential",
      );
    }
  });

  it("never throws, whatever the input", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.string().map((s) => `k8s-aws-v1.${s}`),
          fc.webUrl().map(tokenOf),
        ),
        (t) => {
          const result = verifyEksToken(t, options);
          expect(typeof result.ok).toBe("boolean");
        },
      ),
    );
  });
});

describe("mintEksToken → verifyEksToken", () => {
  const region = fc.constantFrom("us-east-1", "eu-west-1", "ap-southeast-2", "sa-east-1");
  const identifier = fc.stringMatching(/^[A-Z0-9]{4,20}$/);
  const clusterName = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/);
  const date = fc.date({
    min: new Date("2000-01-01T00:00:00Z"),
    max: new Date("2100-01-01T00:00:00Z"),
    noInvalidDate: true,
  });

  it("accepts every minted token within 15 minutes and returns its credentials", async () => {
    await fc.assert(
      fc.asyncProperty(
        clusterName,
        region,
        identifier,
        fc.string({ minLength: 1 }),
        fc.option(fc.string({ minLength: 1, maxLength: 1000 }), { nil: undefined }),
        date,
        fc.integer({ min: 0, max: 15 * 60 * 1000 - 1 }),
        async (cluster, reg, accessKeyId, secretAccessKey, sessionToken, signingDate, ageMs) => {
          const { token } = await mintEksToken({
            clusterName: cluster,
            region: reg,
            credentials: { accessKeyId, secretAccessKey, sessionToken },
            signingDate,
          });
          // X-Amz-Date has second precision: measure age from the truncated signing time
          const signedSecond = Math.floor(signingDate.getTime() / 1000) * 1000;
          const result = verifyEksToken(token, { now: new Date(signedSecond + ageMs), clusterId: cluster });
          expect(result).toMatchObject({ ok: true, accessKeyId, sessionToken, region: reg });
          const late = verifyEksToken(token, {
            now: new Date(signedSecond + 15 * 60 * 1000),
            clusterId: cluster,
          });
          expect(reasonOf(late)).toBe("expired");
        },
      ),
    );
  });
});
