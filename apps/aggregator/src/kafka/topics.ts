import { ensureTopics, type TopicSpec, topics } from '@cellstream/schemas';
import type { Logger } from '@cellstream/shared';
import type { Kafka } from 'kafkajs';
import { type AggregatorConfig, prefixOf } from '../config.js';

/**
 * The changelog topic: compacted, internal to the aggregator (no schema), one partition per
 * input partition. Segments roll hourly so the cleaner keeps restores short.
 */
export function changelogSpec(name: string): TopicSpec {
  return {
    name,
    description: "The aggregator's state, per input partition (internal).",
    key: '[partition, kind, ...ids] as JSON',
    value: null,
    valueDescription: 'JSON state records (see apps/aggregator/src/state/changelog-codec.ts)',
    cleanupPolicy: 'compact',
    retentionMs: null,
    compatibility: null,
    extraConfig: { 'segment.ms': String(3_600_000), 'min.cleanable.dirty.ratio': '0.1' },
  };
}

/**
 * Makes sure the input, the outputs and the changelog exist with their declared configs
 * (idempotent). The changelog gets as many partitions as the input has, so input partition p
 * keeps its state in changelog partition p. Returns the input's partition count.
 */
export async function ensureAggregatorTopics(
  kafka: Kafka,
  config: AggregatorConfig,
  logger: Logger,
): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const contract: [string, TopicSpec][] = [
      [config.EVENTS_TOPIC, topics.learningEvents],
      [config.CLASS_AGGREGATES_TOPIC, topics.classAggregates],
      [config.STUDENT_STATUS_TOPIC, topics.studentStatus],
      [config.ALERTS_TOPIC, topics.alerts],
      [config.EVENTS_DLQ_TOPIC, topics.eventsDlq],
    ];
    const byPrefix = new Map<string, TopicSpec[]>();
    for (const [name, spec] of contract) {
      const prefix = prefixOf(name, spec.name);
      byPrefix.set(prefix, [...(byPrefix.get(prefix) ?? []), spec]);
    }
    for (const [topicPrefix, specs] of byPrefix) {
      await ensureTopics(admin, { partitions: config.TOPIC_PARTITIONS, topicPrefix, topics: specs, logger });
    }
    const metadata = await admin.fetchTopicMetadata({ topics: [config.EVENTS_TOPIC] });
    const inputPartitions = metadata.topics[0]?.partitions.length ?? config.TOPIC_PARTITIONS;
    await ensureTopics(admin, {
      partitions: inputPartitions,
      topics: [changelogSpec(config.AGGREGATOR_STATE_TOPIC)],
      logger,
    });
    return inputPartitions;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
