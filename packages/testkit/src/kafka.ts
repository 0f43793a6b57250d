import { type Admin, Kafka, logLevel } from 'kafkajs';
import { testEnv } from './env.js';
import { uniqueName } from './names.js';

/** A kafkajs client for tests, quiet unless something is wrong. */
export function testKafka(clientId = uniqueName('client')): Kafka {
  return new Kafka({ brokers: testEnv.KAFKA_BROKERS, clientId, logLevel: logLevel.ERROR });
}

/** Creates fresh topics of the given partition count and returns their names; each is new to this run. */
export async function createTestTopics(
  admin: Admin,
  labels: string[],
  options: { partitions?: number; configEntries?: { name: string; value: string }[] } = {},
): Promise<string[]> {
  const topics = labels.map((label) => uniqueName(label));
  await admin.createTopics({
    waitForLeaders: true,
    topics: topics.map((topic) => ({
      topic,
      numPartitions: options.partitions ?? 3,
      replicationFactor: 1,
      configEntries: options.configEntries,
    })),
  });
  return topics;
}
