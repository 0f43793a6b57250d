import { CellstreamError } from '@cellstream/shared';

/**
 * Every error lms-api answers with, in one table: a stable code clients may branch on, its HTTP
 * status and what it means. A code is never reused for something else once released; retire it
 * instead. The OpenAPI document lists this table, and a test keeps the codes unique.
 */
export const errorCatalogue = {
  LMS_VALIDATION: {
    status: 400,
    description: 'The request does not match its schema; `details` lists each problem.',
  },
  LMS_BAD_REQUEST: { status: 400, description: 'The body is not valid JSON or the request is malformed.' },
  AUTH_TOKEN_MISSING: { status: 401, description: 'No `Authorization: Bearer <token>` header.' },
  AUTH_TOKEN_INVALID: {
    status: 401,
    description: 'The token is malformed, tampered with or not signed by a published key.',
  },
  AUTH_TOKEN_EXPIRED: { status: 401, description: 'The token has expired: log in again.' },
  AUTH_INVALID_CREDENTIALS: { status: 401, description: 'Unknown username or wrong password.' },
  AUTH_ACCOUNT_DISABLED: { status: 401, description: "The token's account has been disabled or deleted." },
  AUTH_TOKEN_KIND: {
    status: 403,
    description: 'An ingest token was sent to lms-api; it only works for ingest.',
  },
  LMS_FORBIDDEN: { status: 403, description: 'The caller may not see or change this resource.' },
  LMS_NOT_FOUND: { status: 404, description: 'No resource has the id in the path.' },
  LMS_ROUTE_NOT_FOUND: { status: 404, description: 'No route matches the method and path.' },
  LMS_CONFLICT: {
    status: 409,
    description: 'The resource already exists (a duplicate class_code, username or submission).',
  },
  LMS_SUBMISSION_STATE: {
    status: 409,
    description:
      'The submission is not in a state that allows this (returning one that is already returned).',
  },
  LMS_REQUEST_TIMEOUT: {
    status: 408,
    description: "The request did not arrive within the server's request timeout; send it again.",
  },
  LMS_PAYLOAD_TOO_LARGE: { status: 413, description: 'The body exceeds LMS_BODY_LIMIT.' },
  LMS_UNSUPPORTED_MEDIA_TYPE: { status: 415, description: 'Send `Content-Type: application/json`.' },
  LMS_HEADERS_TOO_LARGE: {
    status: 431,
    description: 'The request headers exceed 16 KiB; the connection is closed after the answer.',
  },
  LMS_REFERENCE_NOT_FOUND: {
    status: 422,
    description: 'The body refers to a class, assignment, student or user that does not exist.',
  },
  LMS_NOT_ENROLLED: {
    status: 422,
    description: 'The student is not enrolled in the class the request refers to.',
  },
  LMS_SCORE_OUT_OF_RANGE: {
    status: 422,
    description: "The score is below 0 or above the assignment's max_score.",
  },
  AUTH_RATE_LIMITED: { status: 429, description: 'Too many login attempts; wait for `Retry-After` seconds.' },
  LMS_INTERNAL: { status: 500, description: 'An unexpected error; the log has its details.' },
  LMS_SIGNING_KEY_UNREADABLE: {
    status: 500,
    description:
      'A signing key is sealed and SIGNING_KEY_SECRET is missing or not the secret it was sealed with.',
  },
  LMS_DATABASE_UNAVAILABLE: { status: 503, description: 'PostgreSQL does not answer; retry later.' },
  LMS_INFLUX_UNAVAILABLE: { status: 503, description: 'InfluxDB does not answer; retry later.' },
} as const satisfies Record<string, { status: number; description: string }>;

export type LmsErrorCode = keyof typeof errorCatalogue;

export class LmsError extends CellstreamError {
  declare readonly code: LmsErrorCode;

  constructor(
    code: LmsErrorCode,
    message: string,
    options: { cause?: unknown; context?: Record<string, unknown> } = {},
  ) {
    const { status } = errorCatalogue[code];
    super(code, message, { ...options, status, retriable: status === 503 });
  }
}

export const notFound = (what: string, id: string | number) =>
  new LmsError('LMS_NOT_FOUND', `${what} ${JSON.stringify(String(id))} does not exist.`, {
    context: { what, id },
  });

export const referenceNotFound = (field: string, id: string | number) =>
  new LmsError(
    'LMS_REFERENCE_NOT_FOUND',
    `\`${field}\` refers to ${JSON.stringify(String(id))}, which does not exist.`,
    {
      context: { field, id },
    },
  );

export const forbidden = (message = 'You may not see or change this resource.') =>
  new LmsError('LMS_FORBIDDEN', message);

export const conflict = (message: string) => new LmsError('LMS_CONFLICT', message);
