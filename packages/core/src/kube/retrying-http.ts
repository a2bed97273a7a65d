// Retries below the verbs, where retrying is safe whatever the verb: kubectl (client-go) does the same.
// - 429 from API Priority and Fairness, any method: the API server refused the request before running
//   it, and says when to come back (Retry-After), so it is sent again after that — except evictions,
//   whose 429 means a PodDisruptionBudget said no: the drain decides about those.
// - A read (GET) that failed on the connection (reset, refused, timed out) or with a 5xx: reads change
//   nothing, so they are sent again with backoff and jitter.
// A write that failed on the connection or with a 5xx is never sent again here: it may have landed.
// The pipeline completes such writes through their recorded intent (runtime/intent.ts).
// client-node's own fetch library does no retrying and no library offers this on its HttpLibrary seam,
// hence this small wrapper.
import {
  type HttpLibrary,
  IsomorphicFetchHttpLibrary,
  type RequestContext,
  type ResponseContext,
  wrapHttpLibrary,
} from "@kubernetes/client-node";

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number;
  /** The first backoff; each next one doubles, with full jitter. */
  baseDelayMs: number;
  /** A Retry-After longer than this is not waited for: the 429 is returned to the verb. */
  maxRetryAfterMs: number;
  random: () => number;
}

export const defaultRetryPolicy: RetryPolicy = {
  attempts: 4,
  baseDelayMs: 250,
  maxRetryAfterMs: 10_000,
  random: Math.random,
};

const NETWORK_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ETIMEDOUT",
  "EPIPE",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_CLOSED",
]);

function isConnectionError(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; current && typeof current === "object" && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && NETWORK_CODES.has(code)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}

/** Seconds (or an HTTP date) of a Retry-After header, in ms; undefined when absent or unreadable. */
export function retryAfterMs(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** How long to wait before sending `request` again after `response`, or undefined not to. */
export function retryDelay(
  method: string,
  url: string,
  response: Pick<ResponseContext, "httpStatusCode" | "headers">,
  attempt: number,
  policy: RetryPolicy,
): number | undefined {
  const backoff = () => Math.round(policy.random() * policy.baseDelayMs * 2 ** (attempt - 1));
  if (response.httpStatusCode === 429) {
    if (/\/eviction(\?|$)/.test(url)) return undefined;
    const after = retryAfterMs(response.headers["retry-after"]);
    if (after !== undefined && after > policy.maxRetryAfterMs) return undefined;
    return after ?? backoff();
  }
  if (response.httpStatusCode >= 500 && (method === "GET" || method === "HEAD")) return backoff();
  return undefined;
}

/** client-node's fetch library with the retries above. */
export function retryingHttpLibrary(policy: RetryPolicy = defaultRetryPolicy): HttpLibrary {
  const inner = new IsomorphicFetchHttpLibrary();
  return wrapHttpLibrary({
    async send(request: RequestContext): Promise<ResponseContext> {
      const method = request.getHttpMethod().toString();
      const signal = request.getSignal();
      for (let attempt = 1; ; attempt++) {
        const last = attempt >= policy.attempts || signal?.aborted === true;
        let response: ResponseContext;
        try {
          response = await inner.send(request).toPromise();
        } catch (error) {
          if (last || (method !== "GET" && method !== "HEAD") || !isConnectionError(error)) throw error;
          await sleep(Math.round(policy.random() * policy.baseDelayMs * 2 ** (attempt - 1)), signal);
          continue;
        }
        const delay = last ? undefined : retryDelay(method, request.getUrl(), response, attempt, policy);
        if (delay === undefined) return response;
        await response.body.text().catch(() => undefined); // free the connection before waiting
        await sleep(delay, signal);
      }
    },
  });
}
