import { type LearningEventHttp, toLearningEventRecord } from '@cellstream/schemas';
import { createKafka, createMetricsRegistry, createTokenVerifier } from '@cellstream/shared';
import { eventually, testEnv, testKafka, uniqueName } from '@cellstream/testkit';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildIngestApp } from '../src/app.js';
import { KafkaEventPublisher } from '../src/kafka/publisher.js';
import { fullEvent, gzipJson } from './support/events.js';
import { type IngestUnderTest, quietLogger, startTestIngest, testSerde } from './support/ingest.js';
import { type LmsStub, startLmsStub } from './support/lms-stub.js';

// Kafka unreachable: a second ingest on the same topic whose producer points at a port where
// nothing listens (the shared broker is never stopped: other test files use it). Killing a
// broker in the middle of a produce is the reliability suite's business (tests/).
let lms: LmsStub;
let healthy: IngestUnderTest;
let broken: FastifyInstance;
let brokenPublisher: KafkaEventPublisher;
let token: string;

beforeAll(async () => {
  lms = await startLmsStub();
  healthy = await startTestIngest(lms);
  const config = { ...healthy.config, KAFKA_BROKERS: ['127.0.0.1:1'], RETRY_AFTER_SECONDS: 7 };
  const logger = quietLogger();
  brokenPublisher = new KafkaEventPublisher({
    kafka: createKafka({
      brokers: config.KAFKA_BROKERS,
      clientId: 'ingest-test-broken',
      logger,
      connectionTimeout: 200,
    }),
    serde: testSerde(config),
    topic: config.EVENTS_TOPIC,
    registryUrl: testEnv.SCHEMA_REGISTRY_URL,
    logger,
    metrics: createMetricsRegistry('ingest-test-broken'),
    timeoutMs: 1_000,
    maxRequestBytes: config.PRODUCE_MAX_BYTES,
  });
  void brokenPublisher.start(); // keeps trying in the background; never succeeds
  broken = buildIngestApp({
    config,
    logger,
    metrics: createMetricsRegistry('ingest-test-broken'),
    verifier: createTokenVerifier(lms.jwksUrl),
    publisher: brokenPublisher,
  });
  token = await lms.sign({ sub: 'alice', classes: ['42'] });
});

afterAll(async () => {
  await broken?.close();
  await brokenPublisher?.close();
  await healthy?.close();
  await lms?.close();
});

describe('Kafka unreachable', () => {
  it('answers 503 with Retry-After and accepts nothing', async () => {
    const events = Array.from({ length: 20 }, () => fullEvent());
    const response = await broken.inject({
      method: 'POST',
      url: '/api/v1/events',
      ...gzipJson(events),
      headers: { ...gzipJson(events).headers, authorization: `Bearer ${token}` },
    });
    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBe('7');
    expect(response.json()).toEqual({ code: 'INGEST_KAFKA_UNAVAILABLE', message: expect.any(String) });

    // The same batch through the healthy instance, then: only that one copy is in the topic.
    const sentinel = fullEvent();
    const retried = await healthy.running.app.inject({
      method: 'POST',
      url: '/api/v1/events',
      ...gzipJson([...events, sentinel]),
      headers: { ...gzipJson([]).headers, authorization: `Bearer ${token}` },
    });
    expect(retried.statusCode).toBe(202);
    await healthy.reader.waitFor((record) => record.decoded.eventId === sentinel.eventId, 1);
    const ids = new Set(events.map((event) => event.eventId));
    expect(healthy.reader.records.filter((record) => ids.has(record.decoded.eventId))).toHaveLength(20);
  });

  it('/ready is 503 and names Kafka as down, the registry as up', async () => {
    const ready = await broken.inject('/ready');
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toMatchObject({
      code: 'INGEST_NOT_READY',
      status: 'not_ready',
      dependencies: { kafka: { status: 'down' }, registry: { status: 'up' } },
    });
  });
});

describe('Kafka slower than PRODUCE_TIMEOUT_MS', () => {
  it('rejects with INGEST_KAFKA_UNAVAILABLE once the timeout has passed, and /ready turns down', async () => {
    // A topic that does not exist (and is not auto-created): the producer keeps retrying.
    const config = { ...healthy.config, EVENTS_TOPIC: `${uniqueName('missing')}.learning.events.v1` };
    const logger = quietLogger();
    const publisher = new KafkaEventPublisher({
      kafka: createKafka({ brokers: testEnv.KAFKA_BROKERS, clientId: 'ingest-test-slow', logger }),
      serde: testSerde(config),
      topic: config.EVENTS_TOPIC,
      registryUrl: testEnv.SCHEMA_REGISTRY_URL,
      logger,
      metrics: createMetricsRegistry('ingest-test-slow'),
      timeoutMs: 500,
      maxRequestBytes: config.PRODUCE_MAX_BYTES,
    });
    await publisher.start();
    try {
      const record = toLearningEventRecord(fullEvent() as unknown as LearningEventHttp, Date.now());
      const started = Date.now();
      await expect(publisher.publish([record])).rejects.toMatchObject({
        code: 'INGEST_KAFKA_UNAVAILABLE',
        status: 503,
      });
      const elapsed = Date.now() - started;
      expect(elapsed).toBeGreaterThanOrEqual(450);
      expect(elapsed).toBeLessThan(3_000); // without the bound, it would wait for ever
      // The call keeps retrying: once it has waited longer than PRODUCE_TIMEOUT_MS, /ready says
      // so, and a balancer can send batches elsewhere.
      const kafka = await eventually(
        async () => {
          const state = (await publisher.readiness()).kafka;
          return state?.status === 'down' ? state : undefined;
        },
        { timeoutMs: 5_000, what: 'kafka reported down' },
      );
      expect(kafka.detail).toContain('produce call has waited');
    } finally {
      await publisher.close();
    }
    const admin = testKafka().admin();
    await admin.connect();
    expect(await admin.listTopics()).not.toContain(config.EVENTS_TOPIC);
    await admin.disconnect();
  });
});

describe('every broker gone while ingest is idle', () => {
  it('turns /ready down at once, without waiting for a produce call to stall', async () => {
    const logger = quietLogger();
    const makePublisher = (brokers: string[]) =>
      new KafkaEventPublisher({
        kafka: createKafka({ brokers: testEnv.KAFKA_BROKERS, clientId: 'ingest-test-probe', logger }),
        serde: testSerde(healthy.config),
        topic: healthy.config.EVENTS_TOPIC,
        registryUrl: testEnv.SCHEMA_REGISTRY_URL,
        logger,
        metrics: createMetricsRegistry('ingest-test-probe'),
        timeoutMs: 1_000,
        maxRequestBytes: healthy.config.PRODUCE_MAX_BYTES,
        brokers,
      });
    // Connected through the real broker; the probed list is where the broker "was": nothing listens there.
    const orphaned = makePublisher(['127.0.0.1:1']);
    const live = makePublisher(testEnv.KAFKA_BROKERS);
    await Promise.all([orphaned.start(), live.start()]);
    try {
      expect((await orphaned.readiness()).kafka).toEqual({
        status: 'down',
        detail: 'no broker accepts connections (127.0.0.1:1)',
      });
      expect((await live.readiness()).kafka).toEqual({ status: 'up' });
    } finally {
      await Promise.all([orphaned.close(), live.close()]);
    }
  });
});
