import { CellstreamError } from '@cellstream/shared';

/**
 * Every way a simulated request can fail, in one table: whether sending the same request again
 * may help, and what it means. The sender branches on `retriable` and on the code, never on
 * message text. A code is never reused for another meaning; a test keeps them unique and checks
 * README.md lists each.
 */
export const errorCatalogue = {
  SIM_OPTIONS_INVALID: { retriable: false, description: 'A command-line flag is missing or malformed.' },
  SIM_LMS_UNREACHABLE: {
    retriable: true,
    description: 'lms-api did not answer (connection refused, reset).',
  },
  SIM_LMS_LOGIN_FAILED: {
    retriable: false,
    description: 'lms-api refused the username or password (401).',
  },
  SIM_LMS_RATE_LIMITED: {
    retriable: true,
    description: "lms-api's login limit (LOGIN_RATE_LIMIT per minute) was reached; waits Retry-After.",
  },
  SIM_LMS_REFUSED: {
    retriable: false,
    description: 'lms-api refused a provisioning call (400, 403, 404, 422...); the message has its code.',
  },
  SIM_LMS_SERVER_ERROR: { retriable: true, description: 'lms-api answered 5xx.' },
  SIM_DEMO_CLASS_MISSING: {
    retriable: false,
    description: 'A demo student is not enrolled in PY101: start lms-api with SEED_DEMO=true.',
  },
  SIM_INGEST_UNREACHABLE: {
    retriable: true,
    description: 'ingest did not answer (connection refused, reset).',
  },
  SIM_INGEST_RATE_LIMITED: { retriable: true, description: 'ingest answered 429; waits Retry-After.' },
  SIM_INGEST_UNAVAILABLE: {
    retriable: true,
    description: 'ingest answered 503 (Kafka, registry or keys unavailable, or stopping); waits Retry-After.',
  },
  SIM_INGEST_SERVER_ERROR: { retriable: true, description: 'ingest answered another 5xx.' },
  SIM_INGEST_TOKEN_EXPIRED: {
    retriable: false,
    description: 'ingest answered 401 AUTH_TOKEN_EXPIRED; a student who logged in logs in again once.',
  },
  SIM_INGEST_UNAUTHORIZED: { retriable: false, description: 'ingest refused the token (401, 403).' },
  SIM_INGEST_REFUSED: {
    retriable: false,
    description: 'ingest refused the batch as malformed (400, 413, 415); a simulator bug.',
  },
  SIM_ABORTED: {
    retriable: false,
    description: 'The run was stopped (second Ctrl-C or drain deadline) before the batch was acknowledged.',
  },
  SIM_INVALID_TRANSITION: {
    retriable: false,
    description: 'The student model tried an event its state does not allow; a simulator bug.',
  },
} as const satisfies Record<string, { retriable: boolean; description: string }>;

export type SimulatorErrorCode = keyof typeof errorCatalogue;

export class SimulatorError extends CellstreamError {
  declare readonly code: SimulatorErrorCode;
  /** What the server asked for in `Retry-After`, in milliseconds. */
  readonly retryAfterMs: number | undefined;

  constructor(
    code: SimulatorErrorCode,
    message: string,
    options: {
      status?: number;
      cause?: unknown;
      retryAfterMs?: number;
      context?: Record<string, unknown>;
    } = {},
  ) {
    super(code, message, {
      status: options.status ?? 500,
      retriable: errorCatalogue[code].retriable,
      cause: options.cause,
      context: options.context ?? {},
    });
    this.retryAfterMs = options.retryAfterMs;
  }
}

export function isSimulatorError(error: unknown): error is SimulatorError {
  return error instanceof SimulatorError;
}
