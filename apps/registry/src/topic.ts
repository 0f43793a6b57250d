import type { Logger } from '@cellstream/shared';
import kafkajs, { type Admin } from 'kafkajs';
import { RegistryError } from './errors.js';

// kafkajs is CommonJS and Node does not see this export by name.
const { ConfigResourceTypes } = kafkajs;

/**
 * Creates the registry's topic when it is missing: one partition (the log's order is the order
 * of writes), compacted (the latest value per key is the state), replicated on up to three
 * brokers. An existing topic with more partitions cannot be used; one that is not compacted
 * works but would lose old schemas to retention, so it is reported.
 */
export async function ensureSchemasTopic(admin: Admin, topic: string, logger: Logger): Promise<void> {
  // Creating an existing topic works but makes kafkajs log an error: look first.
  if (!(await admin.listTopics()).includes(topic)) {
    const { brokers } = await admin.describeCluster();
    const replicationFactor = Math.min(3, brokers.length);
    const created = await admin.createTopics({
      waitForLeaders: true,
      topics: [
        {
          topic,
          numPartitions: 1,
          replicationFactor,
          configEntries: [{ name: 'cleanup.policy', value: 'compact' }],
        },
      ],
    });
    if (created) logger.info({ replicationFactor }, 'created the schemas topic');
  }

  const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
  const partitions = metadata.topics[0]?.partitions.length ?? 0;
  if (partitions !== 1) {
    throw new RegistryError(
      'STORE_ERROR',
      `The schemas topic ${topic} has ${partitions} partitions; the registry needs exactly 1`,
      { context: { topic, partitions } },
    );
  }

  const configs = await admin.describeConfigs({
    includeSynonyms: false,
    resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['cleanup.policy'] }],
  });
  const policy = configs.resources[0]?.configEntries.find((entry) => entry.configName === 'cleanup.policy');
  if (policy && !policy.configValue.split(',').includes('compact')) {
    logger.warn({ cleanupPolicy: policy.configValue }, 'the schemas topic is not compacted');
  }
}
