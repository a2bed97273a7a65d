/** EventBridge did not accept a result event. */
export class AuditPublishError extends Error {
  override readonly name = "AuditPublishError";
  /** EventBridge's error code for the entry (`ThrottlingException`, `InternalFailure`, …), when it gave one. */
  readonly errorCode: string | undefined;
  /** The bus we published to. */
  readonly busName: string;
  /** Throttling and internal failures are worth a retry; anything else needs a fix. */
  readonly retryable: boolean;

  constructor(
    message: string,
    options: { busName: string; errorCode?: string; retryable: boolean; cause?: unknown },
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.busName = options.busName;
    this.errorCode = options.errorCode;
    this.retryable = options.retryable;
  }
}
