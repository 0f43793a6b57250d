import { ensureTopics, type TopicSpec, topics } from '@cellstream/schemas';
import type { Logger } from '@cellstream/shared';
import type { Kafka } from 'kafkajs';
import { type PersisterConfig, prefixOf } from '../config.js';

/**
 * Makes sure the input and the dead-letter topic exist with their declared configs (idempotent;
 * partitions are only ever added), so the persister may start before the rest of the stack.
 */
export async function ensurePersisterTopics(
  kafka: Kafka,
  config: PersisterConfig,
  logger: Logger,
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const wanted: [string, TopicSpec][] = [
      [config.EVENTS_TOPIC, topics.learningEvents],
      [config.EVENTS_DLQ_TOPIC, topics.eventsDlq],
    ];
    for (const [name, spec] of wanted) {
      await ensureTopics(admin, {
        partitions: config.TOPIC_PARTITIONS,
        topicPrefix: prefixOf(name, spec.name),
        topics: [spec],
        logger,
      });
    }
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
