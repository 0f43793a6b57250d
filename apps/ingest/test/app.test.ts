import type { AddressInfo } from 'node:net';
import type { LearningEvent } from '@cellstream/schemas';
import {
  createMetricsRegistry,
  createTokenVerifier,
  sleep,
  type TokenClaims,
  TokenError,
} from '@cellstream/shared';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { buildIngestApp } from '../src/app.js';
import { loadIngestConfig } from '../src/config.js';
import { IngestError } from '../src/errors.js';
import type { DependencyState, EventPublisher } from '../src/kafka/publisher.js';
import { fullEvent, json, minimalEvent } from './support/events.js';
import { quietLogger } from './support/ingest.js';

// The HTTP layer alone, with a publisher and a verifier of the test's own: what does not need
// Kafka (rate limits, error mapping, shutdown). The Kafka path is in events.test.ts.
class FakePublisher implements EventPublisher {
  published: LearningEvent[][] = [];
  /** Batches handed to publish(), acknowledged or not yet. */
  started = 0;
  delayMs = 0;
  failure: Error | undefined;

  async publish(events: readonly LearningEvent[]): Promise<void> {
    this.started++;
    await sleep(this.delayMs);
    if (this.failure) throw this.failure;
    this.published.push([...events]);
  }

  async readiness(): Promise<Record<string, DependencyState>> {
    return { kafka: { status: 'up' }, registry: { status: 'up' } };
  }

  async close(): Promise<void> {}
}

const tokens: Record<string, TokenClaims> = {
  alice: { sub: 'alice', role: 'student', classes: ['42'], kind: 'session' },
  bob: { sub: 'bob', role: 'student', classes: ['42'], kind: 'session' },
};

const verifier = async (token: string) => {
  const claims = tokens[token];
  if (!claims) throw new TokenError('AUTH_TOKEN_INVALID', 'unknown test token');
  return claims;
};

let app: FastifyInstance | undefined;

afterEach(async () => {
  await app?.close();
  app = undefined;
});

function build(env: Record<string, string> = {}, publisher = new FakePublisher()) {
  app = buildIngestApp({
    config: loadIngestConfig({ RETRY_AFTER_SECONDS: '3', ...env }),
    logger: quietLogger(),
    metrics: createMetricsRegistry('ingest-app-test'),
    verifier,
    publisher,
    clock: () => 1_000,
  });
  return { app, publisher };
}

const post = (target: FastifyInstance, user: string, body: unknown) =>
  target.inject({
    method: 'POST',
    url: '/api/v1/events',
    payload: json(body).payload,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${user}` },
  });

describe('rate limit per user', () => {
  it('answers 429 with Retry-After past RATE_LIMIT_PER_MINUTE, for that user only', async () => {
    const { app } = build({ RATE_LIMIT_PER_MINUTE: '2' });
    expect((await post(app, 'alice', [minimalEvent()])).statusCode).toBe(202);
    expect((await post(app, 'alice', [minimalEvent()])).statusCode).toBe(202);
    const limited = await post(app, 'alice', [minimalEvent()]);
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.json()).toEqual({ code: 'INGEST_RATE_LIMITED', message: expect.any(String) });
    expect((await post(app, 'bob', [minimalEvent({ userId: 'bob' })])).statusCode).toBe(202);
  });

  it('does not count requests whose token is refused', async () => {
    const { app } = build({ RATE_LIMIT_PER_MINUTE: '1' });
    for (let i = 0; i < 3; i++) expect((await post(app, 'mallory', [minimalEvent()])).statusCode).toBe(401);
    expect((await post(app, 'alice', [minimalEvent()])).statusCode).toBe(202);
  });
});

describe('publisher failures', () => {
  it('503 with Retry-After when the publisher reports Kafka unavailable', async () => {
    const publisher = new FakePublisher();
    publisher.failure = new IngestError('INGEST_KAFKA_UNAVAILABLE', 'Kafka did not acknowledge in time.');
    const { app } = build({}, publisher);
    const response = await post(app, 'alice', [fullEvent()]);
    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBe('3');
    expect(response.json()).toEqual({
      code: 'INGEST_KAFKA_UNAVAILABLE',
      message: 'Kafka did not acknowledge in time.',
    });
  });

  it('500 with a code, and no detail leaked, for an unexpected failure', async () => {
    const publisher = new FakePublisher();
    publisher.failure = new Error('secret internals');
    const { app } = build({}, publisher);
    const response = await post(app, 'alice', [fullEvent()]);
    expect(response.statusCode).toBe(500);
    expect(response.json()).toEqual({
      code: 'INGEST_INTERNAL',
      message: expect.not.stringContaining('secret'),
    });
  });

  it('hands the publisher the valid events only, with receivedAt from the clock', async () => {
    const { app, publisher } = build();
    const response = await post(app, 'alice', [
      minimalEvent({ eventId: 'a' }),
      minimalEvent({ eventType: 'x' }),
    ]);
    expect(response.json()).toMatchObject({ accepted: 1, rejected: [{ index: 1 }] });
    expect(publisher.published).toEqual([[expect.objectContaining({ eventId: 'a', receivedAt: 1_000 })]]);
  });
});

describe('token keys unavailable', () => {
  it('answers 503, not 401, when the JWKS cannot be fetched', async () => {
    app = buildIngestApp({
      config: loadIngestConfig({ RETRY_AFTER_SECONDS: '3' }),
      logger: quietLogger(),
      metrics: createMetricsRegistry('ingest-app-test'),
      verifier: createTokenVerifier('http://127.0.0.1:1/.well-known/jwks.json'),
      publisher: new FakePublisher(),
    });
    const token =
      'eyJhbGciOiJFUzI1NiIsImtpZCI6ImsxIn0.eyJzdWIiOiJhbGljZSIsInJvbGUiOiJzdHVkZW50IiwiY2xhc3NlcyI6W119.c2ln';
    const response = await post(app, token, [minimalEvent()]);
    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBe('3');
    expect(response.json().code).toBe('INGEST_AUTH_UNAVAILABLE');
  });
});

describe('ownership', () => {
  it('refuses the batch (403) for a foreign userId even in an event that is invalid otherwise', async () => {
    const { app, publisher } = build();
    const response = await post(app, 'alice', [minimalEvent(), { userId: 'bob' }]);
    expect(response.statusCode).toBe(403);
    expect(response.json().code).toBe('INGEST_FOREIGN_USER');
    expect(publisher.published).toEqual([]);
  });

  it('accepts events without classId (keyed by userId later)', async () => {
    const { app } = build();
    expect((await post(app, 'alice', [minimalEvent({ classId: null })])).statusCode).toBe(202);
  });
});

describe('graceful shutdown', () => {
  it('finishes the batch in flight, then refuses new connections', async () => {
    const publisher = new FakePublisher();
    publisher.delayMs = 500;
    const { app: server } = build({}, publisher);
    await server.listen({ host: '127.0.0.1', port: 0 });
    const { port } = server.server.address() as AddressInfo;
    const url = `http://127.0.0.1:${port}/api/v1/events`;
    const send = () =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer alice' },
        body: JSON.stringify([minimalEvent()]),
      });
    const inFlight = send();
    // Close only once the batch is really in flight (a fixed sleep races on a loaded machine).
    while (publisher.started === 0) await sleep(5);
    const closed = server.close();
    app = undefined;
    const response = await inFlight;
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ accepted: 1, rejected: [] });
    await closed;
    await expect(send()).rejects.toThrow();
    expect(publisher.published).toHaveLength(1);
  });
});

describe('body limits', () => {
  it('takes a plain body up to MAX_BODY_BYTES (past Fastify’s own 1 MiB default)', async () => {
    const { app } = build();
    const events = Array.from({ length: 100 }, () => minimalEvent({ code: 'x'.repeat(15_000) }));
    expect(JSON.stringify(events).length).toBeGreaterThan(1024 * 1024);
    const response = await post(app, 'alice', events);
    expect(response.statusCode).toBe(202);
    expect(response.json()).toMatchObject({ accepted: 100 });
  });
});
