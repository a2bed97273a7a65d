// Retries below the verbs, where retrying is safe whatever the verb: kubectl (client-go) does the same.
// - 429 from API Priority and Fairness, any method: the API server refused the request before running
//   it, and says when to come back (Retry-After), so it is sent again after that, up to 10 times as
//   client-go does — except evictions,
//   whose 429 means a PodDisruptionBudget said no: the drain decides about those.
// - A read (GET) that failed on the connection (reset, refused, timed out) or with a 5xx: reads change
//   nothing, so they are sent again with backoff and jitter.
// A write that failed on the connection or with a 5xx is never sent again here: it may have landed.
// The pipeline completes such writes through their recorded intent (runtime/intent.ts).
// Every request is bounded too: by its own deadline (requestTimeoutMs; undici's would be 300 s), and by
// the abort signal of the verb that sends it (withRequestSignal: a drain's --timeout ends the evictions
// and reads in flight, not only the waits between them).
// client-node's own fetch library does no retrying and no library offers this on its HttpLibrary seam,
// hence this small wrapper.
import { AsyncLocalStorage } from "node:async_hooks";
import type { HttpLibrary, RequestContext, ResponseContext } from "@kubernetes/client-node";
import { IsomorphicFetchHttpLibrary, wrapHttpLibrary } from "./k8s.ts";

export interface RetryPolicy {
  /** Attempts in all, the first included, after a reset or a 5xx. */
  attempts: number;
  /** Attempts in all after 429s: client-go's 10, since a throttled request never ran. */
  throttledAttempts: number;
  /** The first backoff; each next one doubles, with full jitter. */
  baseDelayMs: number;
  /** A Retry-After longer than this is not waited for: the 429 is returned to the verb. */
  maxRetryAfterMs: number;
  random: () => number;
  /** One request's deadline, each attempt its own; 0: none. */
  requestTimeoutMs: number;
}

/** The API server ends a request that is not a watch after 60 s (its --request-timeout): no answer comes later. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;

export const defaultRetryPolicy: RetryPolicy = {
  attempts: 4,
  throttledAttempts: 10,
  baseDelayMs: 250,
  maxRetryAfterMs: 10_000,
  random: Math.random,
  requestTimeoutMs: DEFAULT_REQUEST_TIMEOUT_MS,
};

/**
 * The signal of the verb running in this async context. An AsyncLocalStorage rather than a parameter:
 * a drain sends its requests through a dozen generated client-node methods, each of which would
 * otherwise need the signal threaded through its options.
 */
const verbSignal = new AsyncLocalStorage<AbortSignal>();

/**
 * Runs `work` with every Kubernetes request it sends (on any Kube handle) aborted when `signal` is:
 * requests in flight end at once, retries stop.
 *
 * @example
 * await withRequestSignal(AbortSignal.timeout(15_000), () => kube.core.listNode());
 */
export function withRequestSignal<T>(signal: AbortSignal | undefined, work: () => Promise<T>): Promise<T> {
  return signal ? verbSignal.run(signal, work) : work();
}

/** A request that got no answer within its deadline; the code is the one undici gives its own timeouts. */
export class RequestTimeoutError extends Error {
  override readonly name = "RequestTimeoutError";
  readonly code = "UND_ERR_HEADERS_TIMEOUT";
  constructor(method: string, timeoutMs: number, options?: { cause?: unknown }) {
    super(`no answer to the ${method} within ${timeoutMs / 1000}s`, options);
  }
}

const NETWORK_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ETIMEDOUT",
  "EPIPE",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
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

/** The request's own signal and the verb's, as one (undefined when there is neither). */
function callerSignal(request: RequestContext): AbortSignal | undefined {
  const signals = [request.getSignal(), verbSignal.getStore()].filter((s) => s !== undefined);
  return signals.length > 1 ? AbortSignal.any(signals) : signals[0];
}

/** One attempt, under the caller's signal and the request's own deadline. */
async function sendOnce(
  inner: IsomorphicFetchHttpLibrary,
  request: RequestContext,
  caller: AbortSignal | undefined,
  timeoutMs: number,
): Promise<ResponseContext> {
  if (timeoutMs <= 0) {
    if (caller) request.setSignal(caller);
    return await inner.send(request).toPromise();
  }
  const deadline = AbortSignal.timeout(timeoutMs);
  request.setSignal(caller ? AbortSignal.any([caller, deadline]) : deadline);
  try {
    return await inner.send(request).toPromise();
  } catch (error) {
    if (deadline.aborted && !caller?.aborted) {
      throw new RequestTimeoutError(request.getHttpMethod().toString(), timeoutMs, { cause: error });
    }
    throw error;
  }
}

/** client-node's fetch library with the retries and deadlines above. */
export function retryingHttpLibrary(options: Partial<RetryPolicy> = {}): HttpLibrary {
  const policy = { ...defaultRetryPolicy, ...options };
  const inner = new IsomorphicFetchHttpLibrary();
  return wrapHttpLibrary({
    async send(request: RequestContext): Promise<ResponseContext> {
      const method = request.getHttpMethod().toString();
      const signal = callerSignal(request);
      // a 429 and a failure are counted apart: a throttled request never ran, so it gets client-go's 10
      let failures = 0;
      let throttles = 0;
      for (;;) {
        const stopped = signal?.aborted === true;
        let response: ResponseContext;
        try {
          response = await sendOnce(inner, request, signal, policy.requestTimeoutMs);
        } catch (error) {
          failures++;
          const again = !stopped && failures < policy.attempts && (method === "GET" || method === "HEAD");
          if (!again || !isConnectionError(error)) throw error;
          await sleep(Math.round(policy.random() * policy.baseDelayMs * 2 ** (failures - 1)), signal);
          continue;
        }
        const throttled = response.httpStatusCode === 429;
        if (throttled) throttles++;
        else failures++;
        const last =
          stopped || (throttled ? throttles >= policy.throttledAttempts : failures >= policy.attempts);
        const delay = last
          ? undefined
          : retryDelay(method, request.getUrl(), response, throttled ? throttles : failures, policy);
        if (delay === undefined) return response;
        await response.body.text().catch(() => undefined); // free the connection before waiting
        await sleep(delay, signal);
      }
    },
  });
}
