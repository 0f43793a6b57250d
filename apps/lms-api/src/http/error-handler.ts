import { CellstreamError } from '@cellstream/shared';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { LmsError, type LmsErrorCode } from '../errors.js';

/**
 * Turns every error into `{code, message}` (plus `details` for validation) with the status of
 * the catalogue. Database errors that mean "duplicate" or "refers to nothing" are mapped here
 * once, so a route only has to check what it can phrase better itself.
 */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler(async (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const answer = toAnswer(error);
    if (answer.status >= 500) request.log.error({ err: error }, 'request failed');
    if (answer.status === 503) reply.header('retry-after', '5');
    return reply.code(answer.status).send(answer.body);
  });

  app.setNotFoundHandler(async (request, reply) =>
    reply.code(404).send({
      code: 'LMS_ROUTE_NOT_FOUND',
      message: `No route ${request.method} ${request.url.split('?')[0]}.`,
    }),
  );
}

interface Answer {
  status: number;
  body: { code: string; message: string; details?: { path: string; message: string }[] };
}

const answer = (code: LmsErrorCode, message: string, status?: number): Answer => ({
  status: status ?? new LmsError(code, message).status,
  body: { code, message },
});

/** PostgreSQL SQLSTATE codes we answer for: https://www.postgresql.org/docs/current/errcodes-appendix.html */
const pgStates: Record<string, (error: PgError) => Answer> = {
  '23505': (error) =>
    answer('LMS_CONFLICT', `Already exists${error.constraint ? ` (${error.constraint})` : ''}.`),
  '23503': (error) =>
    answer(
      'LMS_REFERENCE_NOT_FOUND',
      `Refers to something that does not exist${error.constraint ? ` (${error.constraint})` : ''}.`,
    ),
  '22P02': () => answer('LMS_VALIDATION', 'A value has the wrong format.'),
  '22003': () => answer('LMS_VALIDATION', 'A number is out of range.'),
  '57P01': () => answer('LMS_DATABASE_UNAVAILABLE', 'PostgreSQL is restarting; retry shortly.'),
  '57P03': () => answer('LMS_DATABASE_UNAVAILABLE', 'PostgreSQL is starting; retry shortly.'),
};

const fastifyCodes: Record<string, LmsErrorCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'LMS_BAD_REQUEST',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'LMS_BAD_REQUEST',
  FST_ERR_CTP_BODY_TOO_LARGE: 'LMS_PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'LMS_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'LMS_BAD_REQUEST',
};

interface PgError {
  code: string;
  constraint?: string;
}

export function toAnswer(error: FastifyError): Answer {
  if (error.validation) {
    const context = error.validationContext ?? 'request';
    const details = error.validation.map((issue) => ({
      path: `${context}${issue.instancePath || ''}`,
      message: issue.message ?? 'is not valid',
    }));
    return {
      status: 400,
      body: {
        code: 'LMS_VALIDATION',
        message: `The ${context} is not valid: ${details.map((d) => `${d.path} ${d.message}`).join('; ')}.`,
        details,
      },
    };
  }
  if (error instanceof CellstreamError) {
    return { status: error.status, body: { code: error.code, message: error.message } };
  }
  const fastifyCode = error.code ? fastifyCodes[error.code] : undefined;
  if (fastifyCode) return answer(fastifyCode, error.message);

  const pg = findPgError(error);
  if (pg) {
    const mapped = pgStates[pg.code];
    if (mapped) return mapped(pg);
    if (pg.code.startsWith('08') || pg.code.startsWith('53')) {
      return answer('LMS_DATABASE_UNAVAILABLE', 'PostgreSQL does not answer; retry shortly.');
    }
  }
  if (isConnectionFailure(error)) {
    return answer('LMS_DATABASE_UNAVAILABLE', 'PostgreSQL does not answer; retry shortly.');
  }
  if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
    return { status: error.statusCode, body: { code: 'LMS_BAD_REQUEST', message: error.message } };
  }
  return answer('LMS_INTERNAL', 'Something went wrong on our side; the log has the details.');
}

/** drizzle wraps driver errors (DrizzleQueryError); the pg error with its SQLSTATE is a cause. */
function findPgError(error: unknown): PgError | undefined {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    const candidate = current as { code?: unknown; severity?: unknown; cause?: unknown };
    if (typeof candidate.code === 'string' && /^[0-9A-Z]{5}$/.test(candidate.code) && candidate.severity) {
      return candidate as PgError;
    }
    current = candidate.cause;
  }
  return undefined;
}

function isConnectionFailure(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    const candidate = current as { code?: unknown; message?: unknown; cause?: unknown };
    if (
      candidate.code === 'ECONNREFUSED' ||
      candidate.code === 'ECONNRESET' ||
      candidate.code === 'ETIMEDOUT'
    ) {
      return true;
    }
    current = candidate.cause;
  }
  return false;
}
