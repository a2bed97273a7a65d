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

/**
 * Why a verb could not do what was asked. The code decides the CLI exit status:
 * input the caller can fix (bad number, unknown object, no such revision) is 2 — nothing changed;
 * everything else is a failed action (1).
 */
export type KubeVerbErrorCode =
  /** The namespace, workload, node or instance does not exist. */
  | "not-found"
  /** The request itself is wrong: a bad number, factor, name or option. */
  | "invalid"
  /** More than one object matches (an instance id shared by nodes). */
  | "ambiguous"
  /** The object kept changing under us (409) after the bounded retries. */
  | "conflict"
  /** RBAC denied the request. */
  | "forbidden"
  /** A paused Deployment cannot be restarted or rolled back. */
  | "paused"
  /** The Deployment has no previous revision to roll back to. */
  | "no-history"
  /** The revision asked for does not exist. */
  | "revision-not-found"
  /** A precondition for the action does not hold (drain filters, HPA, a changed replica count). */
  | "precondition"
  /** A deadline was reached (drain). */
  | "timeout"
  /** The API server could not be reached or answered with a server error. */
  | "unavailable"
  /** Anything else the API server refused. */
  | "failed";

const usageCodes: ReadonlySet<KubeVerbErrorCode> = new Set([
  "not-found",
  "invalid",
  "ambiguous",
  "revision-not-found",
]);

export interface KubeVerbErrorOptions {
  cause?: unknown;
  /** HTTP status from the API server, when the error came from one. */
  status?: number;
  /** Overrides the exit code derived from `code`. */
  exitCode?: 1 | 2;
}

/** A verb failure with a message a person can act on (what is wrong, how to fix it). */
export class KubeVerbError extends Error {
  override readonly name = "KubeVerbError";
  readonly code: KubeVerbErrorCode;
  /** 2: bad usage or input, nothing changed; 1: the action failed. */
  readonly exitCode: 1 | 2;
  readonly status: number | undefined;

  constructor(code: KubeVerbErrorCode, message: string, options: KubeVerbErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = options.status;
    this.exitCode = options.exitCode ?? (usageCodes.has(code) ? 2 : 1);
  }
}

/** The HTTP status of a client-node API error, or undefined for anything else. */
export function apiStatus(error: unknown): number | undefined {
  return isApiException(error) ? error.code : undefined;
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

/**
 * Turns an API error into a KubeVerbError. `what` names the object for the message,
 * e.g. `deployment shop/checkout`. KubeVerbErrors pass through unchanged.
 */
export function toKubeVerbError(error: unknown, what: string): KubeVerbError {
  if (error instanceof KubeVerbError) return error;
  const status = apiStatus(error);
  const detail = apiMessage(error) ?? (error instanceof Error ? error.message : String(error));
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
