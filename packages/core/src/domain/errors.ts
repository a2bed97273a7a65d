// The typed error of every verb and of the input that reaches one; pure, so parsers can throw it
// without loading a client. kube/errors.ts turns API server errors into it.
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
  /**
   * A write was sent, its answer was lost, and the object could not be read back: the change may or may
   * not be in place (the message says what is known and what is safe to run again).
   */
  outcomeUnknown?: boolean;
}

/** A verb failure with a message a person can act on (what is wrong, how to fix it). */
export class KubeVerbError extends Error {
  override readonly name = "KubeVerbError";
  readonly code: KubeVerbErrorCode;
  /** 2: bad usage or input, nothing changed; 1: the action failed. */
  readonly exitCode: 1 | 2;
  readonly status: number | undefined;
  /** See `KubeVerbErrorOptions.outcomeUnknown`: `changed: false` then means "not confirmed", not "no". */
  readonly outcomeUnknown: boolean;

  constructor(code: KubeVerbErrorCode, message: string, options: KubeVerbErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = options.status;
    this.outcomeUnknown = options.outcomeUnknown === true;
    this.exitCode = options.exitCode ?? (usageCodes.has(code) ? 2 : 1);
  }
}
