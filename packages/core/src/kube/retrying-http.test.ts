import { describe, expect, it } from "vitest";
import { defaultRetryPolicy, retryAfterMs, retryDelay } from "./retrying-http.ts";

const policy = { ...defaultRetryPolicy, random: () => 1 };
const answer = (httpStatusCode: number, headers: Record<string, string> = {}) => ({
  httpStatusCode,
  headers,
});
const scale = "https://k/apis/apps/v1/namespaces/shop/deployments/web/scale";

describe("which answers are sent again, and when", () => {
  it("honours Retry-After on a 429, for writes too", () => {
    expect(retryDelay("PUT", scale, answer(429, { "retry-after": "2" }), 1, policy)).toBe(2000);
    expect(retryDelay("GET", scale, answer(429), 1, policy)).toBe(250);
  });

  it("leaves an eviction's 429 (a PodDisruptionBudget's no) and a too long Retry-After to the caller", () => {
    expect(retryDelay("POST", "https://k/api/v1/namespaces/a/pods/p/eviction", answer(429), 1, policy)).toBe(
      undefined,
    );
    expect(retryDelay("PUT", scale, answer(429, { "retry-after": "60" }), 1, policy)).toBe(undefined);
  });

  it("sends a read again after a 5xx with backoff, never a write", () => {
    expect(retryDelay("GET", scale, answer(503), 1, policy)).toBe(250);
    expect(retryDelay("GET", scale, answer(503), 3, policy)).toBe(1000);
    expect(retryDelay("PUT", scale, answer(503), 1, policy)).toBe(undefined);
    expect(retryDelay("PATCH", scale, answer(504), 1, policy)).toBe(undefined);
    expect(retryDelay("GET", scale, answer(404), 1, policy)).toBe(undefined);
  });

  it("reads Retry-After as seconds or an HTTP date", () => {
    expect(retryAfterMs("3")).toBe(3000);
    expect(retryAfterMs("Tue, 01 Dec 2026 09:00:05 GMT", Date.parse("2026-12-01T09:00:00Z"))).toBe(5000);
    expect(retryAfterMs("soon")).toBe(undefined);
    expect(retryAfterMs(undefined)).toBe(undefined);
  });
});
