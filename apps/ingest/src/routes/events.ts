import type { LearningEvent } from '@cellstream/schemas';
import type { TokenClaims } from '@cellstream/shared';
import type { FastifyPluginAsync } from 'fastify';
import type { Authenticator } from '../auth/authenticate.js';
import { IngestError } from '../errors.js';
import { checkOwnership } from '../events/ownership.js';
import { createEventValidator } from '../events/validate.js';
import type { EventPublisher } from '../kafka/publisher.js';
import type { IngestMetrics } from '../metrics.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified token of the request; set by the events route's onRequest hook. */
    claims?: TokenClaims;
  }
}

export const EVENTS_ROUTE = '/api/v1/events';

export interface EventsRouteOptions {
  authenticate: Authenticator;
  publisher: EventPublisher;
  metrics: IngestMetrics;
  clock: () => number;
  maxBatch: number;
  rateLimitPerMinute: number;
  /** True once the app is closing: new batches are refused with 503. */
  isClosing: () => boolean;
}

interface Rejection {
  index: number;
  eventId: string | null;
  error: { code: string; message: string; field?: string };
}

const acceptedSchema = {
  type: 'object',
  properties: {
    accepted: { type: 'integer' },
    rejected: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          index: { type: 'integer' },
          eventId: { type: ['string', 'null'] },
          error: {
            type: 'object',
            properties: { code: { type: 'string' }, message: { type: 'string' }, field: { type: 'string' } },
          },
        },
      },
    },
  },
} as const;

/**
 * POST /api/v1/events (CONTRACT.md "Event ingestion"). In order: shutting down (503), token
 * (401/403), rate limit per user (429), body read and parsed (413/415/400), batch shape (400),
 * ownership of every event (403), each event validated on its own, the valid ones produced
 * and acknowledged by Kafka (503 when not in time), then 202.
 */
export const eventsRoute: FastifyPluginAsync<EventsRouteOptions> = async (app, options) => {
  const validate = createEventValidator();
  const { metrics } = options;
  app.decorateRequest('claims', undefined);

  app.post(
    EVENTS_ROUTE,
    {
      config: { rateLimit: { max: options.rateLimitPerMinute, timeWindow: 60_000 } },
      schema: { response: { 202: acceptedSchema } },
      onRequest: async (request) => {
        if (options.isClosing()) {
          throw new IngestError('INGEST_SHUTTING_DOWN', 'Ingest is stopping; send the batch again shortly.');
        }
        request.claims = await options.authenticate(request.headers.authorization);
      },
    },
    async (request, reply) => {
      const claims = request.claims as TokenClaims;
      const items = checkShape(request.body, options.maxBatch);
      metrics.batchSize.observe(items.length);
      checkOwnership(items, claims);

      const receivedAt = options.clock();
      const records: LearningEvent[] = [];
      const rejected: Rejection[] = [];
      for (const [index, item] of items.entries()) {
        const check = validate(item, receivedAt);
        if (check.ok) {
          records.push(check.record);
          continue;
        }
        const eventId = (item as { eventId?: unknown } | null)?.eventId;
        rejected.push({ index, eventId: typeof eventId === 'string' ? eventId : null, error: check.error });
        metrics.eventsRejected.labels(check.error.code).inc();
      }

      if (records.length > 0) {
        const started = performance.now();
        try {
          await options.publisher.publish(records);
        } catch (error) {
          metrics.produceDuration.labels('error').observe((performance.now() - started) / 1000);
          throw error;
        }
        metrics.produceDuration.labels('ok').observe((performance.now() - started) / 1000);
        metrics.eventsAccepted.inc(records.length);
      }
      return reply.code(202).send({ accepted: records.length, rejected });
    },
  );
};

function checkShape(body: unknown, maxBatch: number): unknown[] {
  if (!Array.isArray(body)) {
    throw new IngestError('INGEST_BODY_NOT_ARRAY', 'The body must be a JSON array of events.');
  }
  if (body.length === 0) throw new IngestError('INGEST_BATCH_EMPTY', 'The array holds no event.');
  if (body.length > maxBatch) {
    throw new IngestError(
      'INGEST_BATCH_TOO_LARGE',
      `The array holds ${body.length} events; send at most ${maxBatch} per request.`,
      { context: { events: body.length, maxBatch } },
    );
  }
  return body;
}
