import { ensureTopics, TopicSerde, topics } from '@cellstream/schemas';
import {
  createKafka,
  createLogger,
  createMetricsRegistry,
  createTokenVerifier,
  type Logger,
  lmsJwksUrl,
  lmsRevocationsUrl,
  RevocationList,
  retry,
  type TokenVerifier,
} from '@cellstream/shared';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { FastifyInstance } from 'fastify';
import { buildIngestApp } from './app.js';
import { eventsTopicPrefix, type IngestConfig } from './config.js';
import { KafkaEventPublisher } from './kafka/publisher.js';

export interface RunningIngest {
  app: FastifyInstance;
  publisher: KafkaEventPublisher;
  revocations: RevocationList;
  logger: Logger;
  /** Stops accepting, lets in-flight batches finish, then disconnects the producer. */
  close(): Promise<void>;
}

export interface StartOptions {
  logger?: Logger;
  /** Default: lms-api's JWKS at JWKS_URL (or `${LMS_URL}/.well-known/jwks.json`). */
  verifier?: TokenVerifier;
  clock?: () => number;
}

const startupRetry = { attempts: 10, initialDelayMs: 250, maxDelayMs: 5_000 };

/**
 * Everything before `listen`: makes sure the events topic exists (ensureTopics, idempotent),
 * registers the events schema once (or finds its id), connects the idempotent producer, loads
 * the revoked tokens, and builds the app. main.ts, the benchmark and tests that want the real
 * thing share it.
 */
export async function startIngest(config: IngestConfig, options: StartOptions = {}): Promise<RunningIngest> {
  const logger = options.logger ?? createLogger('ingest', config.LOG_LEVEL);
  const kafka = createKafka({
    brokers: config.KAFKA_BROKERS,
    clientId: `${config.KAFKA_CLIENT_ID}-ingest`,
    logger,
    requestTimeout: Math.max(config.PRODUCE_TIMEOUT_MS, 1_000),
  });
  const topicPrefix = eventsTopicPrefix(config);

  await retry(
    async () => {
      const admin = kafka.admin();
      try {
        await admin.connect();
        await ensureTopics(admin, {
          partitions: config.TOPIC_PARTITIONS,
          topicPrefix,
          topics: [topics.learningEvents],
          logger,
        });
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
    },
    {
      ...startupRetry,
      shouldRetry: () => true,
      onRetry: (error, attempt) =>
        logger.warn({ err: error, attempt }, 'ensuring the events topic failed; retrying'),
    },
  );

  const serde = new TopicSerde(new SchemaRegistry({ host: config.SCHEMA_REGISTRY_URL }), { topicPrefix });
  const schemaId = await retry(() => serde.schemaId('learning.events.v1'), {
    ...startupRetry,
    onRetry: (error, attempt) =>
      logger.warn({ err: error, attempt }, 'the schema registry did not answer; retrying'),
  });
  logger.info({ topic: config.EVENTS_TOPIC, schemaId }, 'events schema registered');

  const metrics = createMetricsRegistry('ingest');
  const publisher = new KafkaEventPublisher({
    kafka,
    serde,
    topic: config.EVENTS_TOPIC,
    registryUrl: config.SCHEMA_REGISTRY_URL,
    logger,
    metrics,
    timeoutMs: config.PRODUCE_TIMEOUT_MS,
    maxRequestBytes: config.PRODUCE_MAX_BYTES,
    concurrency: config.PRODUCE_CONCURRENCY,
    brokers: config.KAFKA_BROKERS,
  });
  await publisher.start();

  const revocations = new RevocationList({
    url: lmsRevocationsUrl(config),
    intervalMs: config.REVOCATION_POLL_MS,
    logger,
    clock: options.clock,
  });
  await revocations.start();

  const app = buildIngestApp({
    config,
    logger,
    metrics,
    verifier: options.verifier ?? createTokenVerifier(lmsJwksUrl(config)),
    publisher,
    revocations,
    clock: options.clock,
  });

  return {
    app,
    publisher,
    revocations,
    logger,
    async close() {
      revocations.stop();
      await app.close();
      await publisher.close();
    },
  };
}
