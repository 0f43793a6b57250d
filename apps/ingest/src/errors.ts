import { CellstreamError } from '@cellstream/shared';

/**
 * Every code ingest answers with, in one table: its HTTP status, whether a retry of the same
 * request may succeed, and what it means. `request` codes are whole answers (`{code, message}`
 * with that status); `event` codes appear in the `rejected` list of a 202, one per refused event.
 *
 * The AUTH_TOKEN_* codes are shared with lms-api (they come from @cellstream/shared's token
 * verifier), so a client handles an expired token the same way whichever service refused it.
 * A code is never reused for another meaning once released; retire it instead. A test keeps the
 * codes unique and checks that README.md documents each.
 */
export const errorCatalogue = {
  INGEST_BODY_NOT_ARRAY: {
    status: 400,
    scope: 'request',
    description: 'The body is not a JSON array of events.',
  },
  INGEST_BATCH_EMPTY: { status: 400, scope: 'request', description: 'The array holds no event.' },
  INGEST_BATCH_TOO_LARGE: {
    status: 400,
    scope: 'request',
    description: 'The array holds more than MAX_BATCH events; split it.',
  },
  INGEST_INVALID_JSON: { status: 400, scope: 'request', description: 'The body is not valid JSON.' },
  INGEST_INVALID_UTF8: {
    status: 400,
    scope: 'request',
    description: 'The body is not valid UTF-8 (JSON must be UTF-8); nothing of it was accepted.',
  },
  INGEST_INVALID_GZIP: {
    status: 400,
    scope: 'request',
    description: 'The body says `Content-Encoding: gzip` but is not valid gzip.',
  },
  INGEST_BAD_REQUEST: {
    status: 400,
    scope: 'request',
    description: 'The request is malformed in another way (for example its Content-Length).',
  },
  AUTH_TOKEN_MISSING: {
    status: 401,
    scope: 'request',
    description: 'No `Authorization: Bearer <token>` header.',
  },
  AUTH_TOKEN_INVALID: {
    status: 401,
    scope: 'request',
    description: 'The token is malformed, tampered with, or not signed by a key lms-api publishes.',
  },
  AUTH_TOKEN_EXPIRED: { status: 401, scope: 'request', description: 'The token has expired.' },
  AUTH_TOKEN_REVOKED: {
    status: 401,
    scope: 'request',
    description: 'The ingest token was revoked in lms-api; ask the instructor for a new one.',
  },
  INGEST_NOT_A_STUDENT: {
    status: 403,
    scope: 'request',
    description: "The token is not a student's: only students send events.",
  },
  INGEST_FOREIGN_USER: {
    status: 403,
    scope: 'request',
    description: "An event's userId is not the token's sub. Nothing of the batch was accepted.",
  },
  INGEST_FOREIGN_CLASS: {
    status: 403,
    scope: 'request',
    description: "An event's classId is not one of the token's classes. Nothing of the batch was accepted.",
  },
  INGEST_REQUEST_TIMEOUT: {
    status: 408,
    scope: 'request',
    description: "The request did not arrive within the server's request timeout; send it again.",
  },
  INGEST_ROUTE_NOT_FOUND: {
    status: 404,
    scope: 'request',
    description: 'No route has that method and path.',
  },
  INGEST_PAYLOAD_TOO_LARGE: {
    status: 413,
    scope: 'request',
    description:
      'The body exceeds MAX_BODY_BYTES once decompressed, or MAX_COMPRESSED_BODY_BYTES on the wire when gzip.',
  },
  INGEST_HEADERS_TOO_LARGE: {
    status: 431,
    scope: 'request',
    description: 'The request headers exceed 16 KiB; the connection is closed after the answer.',
  },
  INGEST_UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    scope: 'request',
    description: 'The Content-Type is not application/json.',
  },
  INGEST_UNSUPPORTED_ENCODING: {
    status: 415,
    scope: 'request',
    description: 'The Content-Encoding is neither gzip nor identity.',
  },
  INGEST_RATE_LIMITED: {
    status: 429,
    scope: 'request',
    description: 'More than RATE_LIMIT_PER_MINUTE requests from this user; wait `Retry-After` seconds.',
  },
  INGEST_INTERNAL: {
    status: 500,
    scope: 'request',
    description: 'An unexpected error; the log has its details. Nothing of the batch was accepted.',
  },
  INGEST_KAFKA_UNAVAILABLE: {
    status: 503,
    scope: 'request',
    description:
      'Kafka did not acknowledge the batch within PRODUCE_TIMEOUT_MS. Nothing was accepted: send the same batch again after `Retry-After` seconds.',
  },
  INGEST_AUTH_UNAVAILABLE: {
    status: 503,
    scope: 'request',
    description:
      "lms-api's key set (JWKS) could not be fetched, so no token can be checked; retry after `Retry-After` seconds.",
  },
  INGEST_REGISTRY_UNAVAILABLE: {
    status: 503,
    scope: 'request',
    description:
      'The schema registry did not give the id of the events schema. Nothing was accepted: retry after `Retry-After` seconds.',
  },
  INGEST_SHUTTING_DOWN: {
    status: 503,
    scope: 'request',
    description: 'This instance is stopping; send the batch again after `Retry-After` seconds.',
  },
  INGEST_NOT_READY: {
    status: 503,
    scope: 'request',
    description: 'Answer of GET /ready while Kafka or the schema registry does not answer.',
  },
  INGEST_EVENT_NOT_OBJECT: { status: 400, scope: 'event', description: 'The item is not a JSON object.' },
  INGEST_EVENT_MISSING_FIELD: {
    status: 400,
    scope: 'event',
    description: 'A required field (eventId, eventType, eventTime, userId) is absent.',
  },
  INGEST_EVENT_UNKNOWN_TYPE: {
    status: 400,
    scope: 'event',
    description: 'eventType (or cellType) is not one of the symbols CONTRACT.md lists.',
  },
  INGEST_EVENT_FIELD_TOO_LONG: {
    status: 400,
    scope: 'event',
    description: 'A string, or metadata, exceeds its limit (code 64 KiB, errorMessage 16 KiB...).',
  },
  INGEST_EVENT_INVALID_FIELD: {
    status: 400,
    scope: 'event',
    description: 'A field has the wrong type or format (eventTime not RFC 3339, a negative cellIndex...).',
  },
} as const satisfies Record<string, { status: number; scope: 'request' | 'event'; description: string }>;

export type IngestErrorCode = keyof typeof errorCatalogue;
export type EventErrorCode = {
  [K in IngestErrorCode]: (typeof errorCatalogue)[K]['scope'] extends 'event' ? K : never;
}[IngestErrorCode];

export class IngestError extends CellstreamError {
  declare readonly code: IngestErrorCode;

  constructor(
    code: IngestErrorCode,
    message: string,
    options: { cause?: unknown; context?: Record<string, unknown> } = {},
  ) {
    const { status } = errorCatalogue[code];
    super(code, message, { ...options, status, retriable: status === 503 || status === 429 });
  }
}

/** What a refused event carries in the `rejected` list of a 202. */
export interface EventError {
  code: EventErrorCode;
  message: string;
  /** JSON pointer of the offending field inside the event, when there is one. */
  field?: string;
}
