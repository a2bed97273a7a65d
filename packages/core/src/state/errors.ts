/**
 * Why a state-store call failed. Conditions that simply do not hold (a key already taken, a version
 * that moved on) are not errors: the store returns `undefined` or `added: false` for those.
 */
export type StateStoreErrorCode =
  /** The caller passed something the store cannot take (empty key, both ifAbsent and ifVersion). */
  | "invalid"
  /** A set kept changing under us beyond the bounded retries. */
  | "contention"
  /** The backing store could not be reached or refused the request. */
  | "unavailable";

export class StateStoreError extends Error {
  override readonly name = "StateStoreError";
  readonly code: StateStoreErrorCode;

  constructor(code: StateStoreErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
  }
}

export function assertValidKey(key: string): void {
  if (typeof key !== "string" || key.length === 0) {
    throw new StateStoreError(
      "invalid",
      "State key must be a non-empty string; build keys with the `keys` helpers.",
    );
  }
}

export function assertValidPutOptions(options: { ifAbsent?: boolean; ifVersion?: string }): void {
  if (options.ifAbsent && options.ifVersion !== undefined) {
    throw new StateStoreError(
      "invalid",
      "put: pass either ifAbsent or ifVersion, not both (ifVersion already requires a live record).",
    );
  }
}
