import { describe, expect, it } from "vitest";
import { EksTokenSource, eksKubeConfig, TOKEN_REFRESH_MARGIN_MS } from "./access.ts";

const credentials = {
  accessKeyId: "AKIDEXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
};

function clock(start: string) {
  let now = new Date(start).getTime();
  return {
    now: () => new Date(now),
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe("EksTokenSource", () => {
  it("reuses a token until a minute before its 14-minute lifetime ends, then mints a new one", async () => {
    const time = clock("2025-01-01T00:00:00Z");
    const tokens = new EksTokenSource({
      clusterName: "prod",
      region: "us-east-1",
      credentials,
      now: time.now,
    });
    const first = await tokens.token();
    expect(first.token).toMatch(/^k8s-aws-v1\./);
    time.advance(12 * 60_000);
    expect((await tokens.token()).token).toBe(first.token);
    expect(tokens.minted).toBe(1);
    time.advance(14 * 60_000 - TOKEN_REFRESH_MARGIN_MS - 12 * 60_000);
    const second = await tokens.token();
    expect(second.token).not.toBe(first.token);
    expect(second.expiresAt.getTime()).toBe(time.now().getTime() + 14 * 60_000);
    expect(tokens.minted).toBe(2);
  });

  it("shares one mint between concurrent callers", async () => {
    const tokens = new EksTokenSource({ clusterName: "prod", region: "us-east-1", credentials });
    const all = await Promise.all([tokens.token(), tokens.token(), tokens.token()]);
    expect(new Set(all.map((t) => t.token)).size).toBe(1);
    expect(tokens.minted).toBe(1);
  });

  it("shares one mint between concurrent callers at a refresh too", async () => {
    const time = clock("2025-01-01T00:00:00Z");
    const tokens = new EksTokenSource({
      clusterName: "prod",
      region: "us-east-1",
      credentials,
      now: time.now,
    });
    await tokens.token();
    time.advance(14 * 60_000);
    const all = await Promise.all(Array.from({ length: 50 }, () => tokens.token()));
    expect(new Set(all.map((t) => t.token)).size).toBe(1);
    expect(tokens.minted).toBe(2);
  });

  it("mints again after a failed mint instead of caching the failure", async () => {
    const tokens = new EksTokenSource({ clusterName: "prod", region: "not-a-region", credentials });
    await expect(tokens.token()).rejects.toThrow("not an AWS region name");
    await expect(tokens.token()).rejects.toThrow("not an AWS region name");
    expect(tokens.minted).toBe(2);
  });
});

describe("eksKubeConfig", () => {
  it("authenticates every request with the source's current token", async () => {
    const time = clock("2025-01-01T00:00:00Z");
    const tokens = new EksTokenSource({
      clusterName: "prod",
      region: "us-east-1",
      credentials,
      now: time.now,
    });
    const config = eksKubeConfig(
      { endpoint: "https://ABC.gr7.us-east-1.eks.amazonaws.com", certificateAuthorityData: "Y2E=" },
      tokens,
    );
    expect(config.getCurrentCluster()?.server).toBe("https://ABC.gr7.us-east-1.eks.amazonaws.com");
    const first: { headers?: Record<string, unknown> } = {};
    await config.applyToHTTPSOptions(first);
    expect(first.headers?.Authorization).toBe(`Bearer ${(await tokens.token()).token}`);
    time.advance(14 * 60_000);
    const later: { headers?: Record<string, unknown> } = {};
    await config.applyToHTTPSOptions(later);
    expect(later.headers?.Authorization).not.toBe(first.headers?.Authorization);
    expect(later.headers?.Authorization).toBe(`Bearer ${(await tokens.token()).token}`);
  });
});
