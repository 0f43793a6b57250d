import { CellstreamError } from '@cellstream/shared';
import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import { IngestError, type IngestErrorCode } from '../errors.js';

/** Fastify's own errors, by its code, as ours. */
const fastifyCodes: Record<string, IngestErrorCode> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'INGEST_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_TYPE: 'INGEST_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_BODY_TOO_LARGE: 'INGEST_PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_JSON_BODY: 'INGEST_INVALID_JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'INGEST_BODY_NOT_ARRAY',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'INGEST_BAD_REQUEST',
};

/** Any error as the `{code, message}` answer it gets, with its status. */
export function toIngestError(error: FastifyError | Error): CellstreamError {
  if (error instanceof CellstreamError) return error;
  const code = (error as FastifyError).code;
  const mapped = code === undefined ? undefined : fastifyCodes[code];
  if (mapped) return new IngestError(mapped, error.message, { cause: error });
  if (error instanceof SyntaxError) {
    return new IngestError('INGEST_INVALID_JSON', `The body is not valid JSON: ${error.message}`, {
      cause: error,
    });
  }
  const status = (error as FastifyError).statusCode;
  if (status !== undefined && status >= 400 && status < 500) {
    return new IngestError('INGEST_BAD_REQUEST', error.message, { cause: error });
  }
  return new IngestError('INGEST_INTERNAL', 'Internal error; nothing of the batch was accepted.', {
    cause: error,
  });
}

/**
 * Every answer that is not a success is `{code, message}` with the status of the catalogue;
 * 503s carry `Retry-After`. 5xx are logged (Kafka trouble as a warning, anything else as an
 * error); refusals of clients are not, they are counted in /metrics.
 */
export function registerErrorHandling(
  app: FastifyInstance,
  options: { retryAfterSeconds: number; onError?: (request: FastifyRequest, code: string) => void },
): void {
  app.setErrorHandler(async (error: FastifyError, request, reply) => {
    const answer = toIngestError(error);
    options.onError?.(request, answer.code);
    if (answer.status >= 500) {
      const level = answer.retriable ? 'warn' : 'error';
      request.log[level]({ err: error, code: answer.code }, answer.message);
    }
    if (answer.status === 503) reply.header('retry-after', String(options.retryAfterSeconds));
    return reply.code(answer.status).send({ code: answer.code, message: answer.message });
  });

  app.setNotFoundHandler(async (request, reply) =>
    reply.code(404).send({
      code: 'INGEST_ROUTE_NOT_FOUND',
      message: `No route ${request.method} ${request.url.split('?')[0]}.`,
    }),
  );
}
