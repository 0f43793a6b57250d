import type { Database } from '@cellstream/db';
import { TopicSerde } from '@cellstream/schemas';
import { createKafka, type Logger } from '@cellstream/shared';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { Registry } from 'prom-client';
import { type LmsConfig, notificationsTopicPrefix } from '../config.js';
import { NotificationRelay } from './relay.js';

/** The relay of NOTIFICATIONS_TOPIC with its Kafka client and serde, from lms-api's settings (not started). */
export function createNotificationRelay(
  config: LmsConfig,
  db: Database,
  logger: Logger,
  metrics?: Registry,
): NotificationRelay {
  const topicPrefix = notificationsTopicPrefix(config);
  return new NotificationRelay({
    db,
    databaseUrl: config.DATABASE_URL,
    kafka: createKafka({
      brokers: config.KAFKA_BROKERS,
      clientId: `${config.KAFKA_CLIENT_ID}-lms-api`,
      logger,
      requestTimeout: config.NOTIFICATION_SEND_TIMEOUT_MS,
    }),
    serde: new TopicSerde(new SchemaRegistry({ host: config.SCHEMA_REGISTRY_URL }), { topicPrefix }),
    topic: config.NOTIFICATIONS_TOPIC,
    topicPrefix,
    partitions: config.TOPIC_PARTITIONS,
    logger,
    pollIntervalMs: config.NOTIFICATION_POLL_INTERVAL_MS,
    batchSize: config.NOTIFICATION_BATCH_SIZE,
    sendTimeoutMs: config.NOTIFICATION_SEND_TIMEOUT_MS,
    metrics,
    retry: {
      initialDelayMs: config.NOTIFICATION_RETRY_INITIAL_MS,
      maxDelayMs: config.NOTIFICATION_RETRY_MAX_MS,
    },
  });
}
