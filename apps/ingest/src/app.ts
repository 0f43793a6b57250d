import {
  createClientErrorHandler,
  type Logger,
  type RevocationCheck,
  type TokenVerifier,
} from '@cellstream/shared';
import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { Registry } from 'prom-client';
import { createAuthenticator } from './auth/authenticate.js';
import type { IngestConfig } from './config.js';
import { IngestError } from './errors.js';
import { readBody } from './http/body.js';
import { registerErrorHandling } from './http/error-handler.js';
import type { EventPublisher } from './kafka/publisher.js';
import { registerIngestMetrics } from './metrics.js';
import { EVENTS_ROUTE, eventsRoute } from './routes/events.js';
import { operationsRoutes } from './routes/operations.js';

export interface IngestAppDeps {
  config: Pick<
    IngestConfig,
    | 'MAX_BATCH'
    | 'MAX_BODY_BYTES'
    | 'MAX_COMPRESSED_BODY_BYTES'
    | 'INGEST_CORS_ORIGINS'
    | 'RATE_LIMIT_PER_MINUTE'
    | 'RETRY_AFTER_SECONDS'
  >;
  logger: Logger;
  /** A registry of this app's own (`createMetricsRegistry('ingest')`), served at /metrics. */
  metrics: Registry;
  /** Verifies tokens against lms-api's JWKS (`createTokenVerifier`). */
  verifier: TokenVerifier;
  /** Where accepted events go: the Kafka producer in production. */
  publisher: EventPublisher;
  /** Revoked ingest tokens (`RevocationList`); none when absent. */
  revocations?: RevocationCheck;
  /** Milliseconds since the epoch: `receivedAt` of accepted events. Default Date.now. */
  clock?: () => number;
}

/**
 * Ingest's HTTP server. Listening, connecting the producer and shutting down are main.ts's
 * business, so tests drive this with `app.inject()` and a publisher of their choice.
 */
export function buildIngestApp(deps: IngestAppDeps): FastifyInstance {
  const { config } = deps;
  const app = Fastify({
    loggerInstance: deps.logger.child({ component: 'http' }) as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    // Our own 503 with a code and Retry-After while closing, instead of Fastify's bare one.
    return503OnClosing: false,
    // Requests Node's parser refuses get our {code, message} and `Connection: close`.
    clientErrorHandler: createClientErrorHandler({
      headersTooLarge: 'INGEST_HEADERS_TOO_LARGE',
      timeout: 'INGEST_REQUEST_TIMEOUT',
      malformed: 'INGEST_BAD_REQUEST',
    }),
  });
  const metrics = registerIngestMetrics(deps.metrics);
  let closing = false;
  const isClosing = () => closing;
  app.addHook('preClose', async () => {
    closing = true;
  });
  // While closing, answers end their keep-alive connection, so close() does not wait for it.
  app.addHook('onSend', async (_request, reply) => {
    if (closing) reply.header('connection', 'close');
  });

  app.addHook('onResponse', async (request, reply) => {
    metrics.httpDuration
      .labels(request.method, request.routeOptions.url ?? 'unmatched', String(reply.statusCode))
      .observe(reply.elapsedTime / 1000);
  });

  registerErrorHandling(app, {
    retryAfterSeconds: config.RETRY_AFTER_SECONDS,
    onError: (request, code) => {
      if (request.routeOptions.url === EVENTS_ROUTE) metrics.batchesRefused.labels(code).inc();
    },
  });

  // Only JSON, plain or gzip, read with limits that hold however far the body would inflate.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  const limits = { maxBytes: config.MAX_BODY_BYTES, maxCompressedBytes: config.MAX_COMPRESSED_BODY_BYTES };
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', (request, payload, done) => {
    readBody(payload, request.headers, limits).then(
      (text) => {
        if (text.length === 0) {
          done(new IngestError('INGEST_BODY_NOT_ARRAY', 'The body is empty; send a JSON array of events.'));
          return;
        }
        parseJson(request, text, done);
      },
      (error: Error) => done(error),
    );
  });

  app.register(cors, {
    origin: config.INGEST_CORS_ORIGINS.includes('*') ? true : config.INGEST_CORS_ORIGINS,
    methods: ['GET', 'POST', 'OPTIONS'],
    allowedHeaders: ['Authorization', 'Content-Type', 'Content-Encoding'],
    exposedHeaders: ['Retry-After', 'X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset'],
    maxAge: 600,
  });

  // Counted per user after the token is verified (an unverified `sub` could spend someone
  // else's budget), and before the body is read or decompressed.
  app.register(rateLimit, {
    global: false,
    hook: 'preParsing',
    cache: 50_000,
    keyGenerator: (request) => request.claims?.sub ?? request.ip,
    errorResponseBuilder: (_request, context) =>
      new IngestError(
        'INGEST_RATE_LIMITED',
        `More than ${context.max} requests per minute from this user; retry in ${context.after}.`,
      ),
  });

  app.register(async (scope) => {
    await scope.register(eventsRoute, {
      authenticate: createAuthenticator({ verifier: deps.verifier, revocations: deps.revocations }),
      publisher: deps.publisher,
      metrics,
      clock: deps.clock ?? Date.now,
      maxBatch: config.MAX_BATCH,
      rateLimitPerMinute: config.RATE_LIMIT_PER_MINUTE,
      isClosing,
    });
    await scope.register(operationsRoutes, { publisher: deps.publisher, metrics: deps.metrics, isClosing });
  });
  return app;
}
