/**
 * Every failure of a call to lms-api, as one typed error. `code` is the server's stable code
 * (`AUTH_TOKEN_EXPIRED`, `LMS_NOT_FOUND`, ...) or one of ours for failures that never reached it;
 * callers branch on `code` or `status`, never on the message text.
 */
export type ClientErrorCode =
  /** The request never got an answer (server down, offline, CORS). */
  | 'NETWORK'
  /** The answer was not the JSON we expected. */
  | 'BAD_RESPONSE';

export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(
    readonly code: string,
    message: string,
    /** HTTP status; 0 when there was no answer. */
    readonly status: number,
    readonly details?: unknown,
  ) {
    super(message);
  }

  /** Worth trying again later: no answer, or the server said it is temporarily unable. */
  get retriable(): boolean {
    return this.status === 0 || this.status === 503 || this.status === 429;
  }

  /** The session is over: log in again. */
  get unauthorized(): boolean {
    return this.status === 401;
  }
}

export const clientError = (code: ClientErrorCode, message: string, cause?: unknown): ApiError => {
  const error = new ApiError(code, message, 0);
  if (cause !== undefined) Object.defineProperty(error, 'cause', { value: cause });
  return error;
};
