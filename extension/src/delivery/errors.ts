/** The extension's errors, each with a stable code: the status bar shows the code, logs show the message. */
export type DeliveryErrorCode =
  | 'CS_NETWORK'
  | 'CS_RATE_LIMITED'
  | 'CS_UNAVAILABLE'
  | 'CS_UNAUTHORIZED'
  | 'CS_FORBIDDEN'
  | 'CS_BAD_BATCH'
  | 'CS_TOO_LARGE'
  | 'CS_UNEXPECTED_STATUS'
  | 'CS_NOT_CONFIGURED'
  | 'CS_OUTBOX';

export class DeliveryError extends Error {
  constructor(
    readonly code: DeliveryErrorCode,
    message: string,
    readonly options: { status?: number; retriable?: boolean; retryAfterMs?: number; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'DeliveryError';
  }

  get retriable(): boolean {
    return this.options.retriable ?? false;
  }
}
