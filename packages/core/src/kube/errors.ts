import { KubeVerbError } from "../domain/errors.ts";

export type { KubeVerbErrorCode, KubeVerbErrorOptions } from "../domain/errors.ts";
export { KubeVerbError } from "../domain/errors.ts";

/**
 * client-node's ApiException, recognised by shape: importing the class would load all of client-node
 * (most of a second) into every command, `homeostat --help` and `eks token` included.
 */
interface ApiExceptionShape extends Error {
  code: number;
  body: unknown;
  headers: Record<string, string>;
}

function isApiException(error: unknown): error is ApiExceptionShape {
  return (
    error instanceof Error &&
    typeof (error as Partial<ApiExceptionShape>).code === "number" &&
    "body" in error &&
    "headers" in error
  );
}

/** The HTTP status of a client-node API error, or undefined for anything else. */
export function apiStatus(error: unknown): number | undefined {
  return isApiException(error) ? error.code : undefined;
}

/** A response header of a client-node API error (names in lower case), or undefined. */
export function apiHeader(error: unknown, name: string): string | undefined {
  if (!isApiException(error)) return undefined;
  const headers = error.headers ?? {};
  const found = Object.entries(headers).find(([key]) => key.toLowerCase() === name);
  return found?.[1];
}

/** The Status message the API server sent with an error, when there is one. */
export function apiMessage(error: unknown): string | undefined {
  if (!isApiException(error)) return undefined;
  const body: unknown = error.body;
  if (typeof body === "string") {
    try {
      const parsed: unknown = JSON.parse(body);
      if (parsed && typeof parsed === "object" && "message" in parsed) {
        return String((parsed as { message: unknown }).message);
      }
    } catch {
      return body.length > 0 ? body : undefined;
    }
  }
  if (body && typeof body === "object" && "message" in body) {
    return String((body as { message: unknown }).message);
  }
  return undefined;
}

/**
 * What an API error says in words: the Status message, else the `Message:` line of client-node's
 * exception text (which also holds every response header: not for people).
 */
function apiDetail(error: unknown): string {
  const message = apiMessage(error);
  if (message !== undefined) return message;
  const text = error instanceof Error ? error.message : String(error);
  if (isApiException(error)) {
    const line = /^Message: (.*)$/m.exec(text)?.[1];
    if (line) return line;
  }
  return text;
}

/**
 * `fetch failed` says nothing: the reason is in the cause chain (ECONNREFUSED, ENOTFOUND, an x509
 * error such as UNABLE_TO_VERIFY_LEAF_SIGNATURE). Name it, as kubectl does.
 */
function networkDetail(error: unknown, fallback: string): string {
  const reasons: string[] = [];
  let current: unknown = error instanceof Error ? error.cause : undefined;
  for (let depth = 0; current && depth < 4; depth++) {
    const code = (current as { code?: unknown }).code;
    const message = current instanceof Error ? current.message : String(current);
    reasons.push(typeof code === "string" && !message.includes(code) ? `${code}: ${message}` : message);
    current = current instanceof Error ? current.cause : undefined;
  }
  return reasons.length > 0 ? `${fallback} (${reasons.join("; ")})` : fallback;
}

/** Connection failures of a request that reached the API server: it is up, and slow or overloaded. */
const DROPPED_CODES = new Set([
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "UND_ERR_SOCKET",
  "UND_ERR_CLOSED",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
]);

function droppedConnection(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; current && typeof current === "object" && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && DROPPED_CODES.has(code)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * Turns an API error into a KubeVerbError. `what` names the object for the message,
 * e.g. `deployment shop/checkout`. KubeVerbErrors pass through unchanged.
 */
export function toKubeVerbError(error: unknown, what: string): KubeVerbError {
  if (error instanceof KubeVerbError) return error;
  const status = apiStatus(error);
  const detail = apiDetail(error);
  const options = { cause: error, status };
  switch (status) {
    case 404:
      return new KubeVerbError(
        "not-found",
        `${what} not found (${detail}); check the namespace and name`,
        options,
      );
    case 401:
      return new KubeVerbError(
        "forbidden",
        `not authenticated to the cluster (${detail}); check the credentials or token`,
        options,
      );
    case 403:
      return new KubeVerbError(
        "forbidden",
        `not allowed to act on ${what}: ${detail}; check the RBAC role bound to this identity`,
        options,
      );
    case 409:
      return new KubeVerbError(
        "conflict",
        `${what} changed while we were updating it: ${detail}; try again`,
        options,
      );
    case 400:
    case 422:
      return new KubeVerbError(
        "invalid",
        `the API server rejected the change to ${what}: ${detail}`,
        options,
      );
    case undefined:
      // a reset or a timeout is not a wrong kubeconfig: the server was reached (and reads were sent again)
      if (droppedConnection(error)) {
        return new KubeVerbError(
          "unavailable",
          `the API server did not answer for ${what}: ${networkDetail(error, detail)}; it reset the connection or answered too late, as an overloaded one does — try again`,
          options,
        );
      }
      return new KubeVerbError(
        "unavailable",
        `could not reach the API server for ${what}: ${networkDetail(error, detail)}; check the kubeconfig's server and CA (--kubeconfig/--context), the cluster endpoint's access (VPN, private endpoint), and that the cluster is up`,
        options,
      );
    default:
      if (status >= 500) {
        return new KubeVerbError(
          "unavailable",
          `the API server failed on ${what} (HTTP ${status}): ${detail}`,
          options,
        );
      }
      return new KubeVerbError("failed", `request on ${what} failed (HTTP ${status}): ${detail}`, options);
  }
}
