// Which failures a later attempt could fix. Only those are retried (by Lambda, SQS or the next scan);
// anything else — bad input, RBAC, a bug such as a TypeError — is recorded and not delivered again,
// since redelivering it would only repeat the failure until the dead-letter queue.
import { KubeVerbError } from "../domain/errors.ts";
import { AuditPublishError } from "../record/errors.ts";
import { StateStoreError } from "../state/errors.ts";

/** Node and undici network error codes: the connection, not the request, failed. */
const NETWORK_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
  "UND_ERR_CLOSED",
]);

/** AWS SDK v3 errors carry `$fault` and `$metadata`; throttling and server faults are transient. */
function isAwsTransient(error: {
  $fault?: unknown;
  $retryable?: unknown;
  name?: unknown;
}): boolean | undefined {
  if (error.$fault === undefined) return undefined;
  if (error.$retryable !== undefined) return true;
  if (error.$fault === "server") return true;
  return /Throttl|TooManyRequests|RequestLimitExceeded/.test(String(error.name));
}

/**
 * True when retrying could succeed: the API server unreachable, throttling or a conflict; the state
 * store unreachable or contended; an AWS throttle or server fault; a network error anywhere in the
 * cause chain. False for everything else, unknown errors included.
 */
export function isTransient(error: unknown): boolean {
  if (error instanceof KubeVerbError) return error.code === "unavailable" || error.code === "conflict";
  if (error instanceof StateStoreError) return error.code === "unavailable" || error.code === "contention";
  if (error instanceof AuditPublishError) return error.retryable;
  let current: unknown = error;
  for (let depth = 0; current && typeof current === "object" && depth < 5; depth++) {
    const aws = isAwsTransient(current as { $fault?: unknown });
    if (aws !== undefined) return aws;
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && NETWORK_CODES.has(code)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/** The reason of a failure in one line, for logs and redelivery messages. */
export function reasonOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause =
    error.cause instanceof Error && !error.message.includes(error.cause.message)
      ? ` (${error.cause.message})`
      : "";
  return `${error.name === "Error" ? "" : `${error.name}: `}${error.message}${cause}`;
}
