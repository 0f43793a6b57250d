import { type LearningEvent, TopicSerde } from '@cellstream/schemas';
import { createLogger } from '@cellstream/shared';
import { testEnv, uniqueName } from '@cellstream/testkit';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { eventsTopicPrefix, type IngestConfig, loadIngestConfig } from '../../src/config.js';
import { type RunningIngest, type StartOptions, startIngest } from '../../src/start.js';
import type { LmsStub } from './lms-stub.js';
import { TopicReader } from './topic-reader.js';

export const quietLogger = () => createLogger('ingest-test', process.env.TEST_LOG_LEVEL ?? 'silent');

/** Config for a test ingest: the stack's addresses, a topic of the file's own, the stub lms-api. */
export function testConfig(lms: Pick<LmsStub, 'url'>, overrides: Record<string, string> = {}): IngestConfig {
  return loadIngestConfig({
    ...process.env,
    LOG_LEVEL: 'silent',
    EVENTS_TOPIC: `${uniqueName('ingest')}.learning.events.v1`,
    LMS_URL: lms.url,
    TOPIC_PARTITIONS: '3',
    ...overrides,
  });
}

/** A serde reading the test topic's records, as a data engineer's consumer would. */
export function testSerde(config: IngestConfig): TopicSerde {
  return new TopicSerde(new SchemaRegistry({ host: testEnv.SCHEMA_REGISTRY_URL }), {
    topicPrefix: eventsTopicPrefix(config),
  });
}

export interface IngestUnderTest {
  config: IngestConfig;
  running: RunningIngest;
  reader: TopicReader<LearningEvent>;
  serde: TopicSerde;
  close(): Promise<void>;
}

/** The real ingest (real Kafka, real registry) and a reader of its topic. */
export async function startTestIngest(
  lms: Pick<LmsStub, 'url'>,
  overrides: Record<string, string> = {},
  options: StartOptions = {},
): Promise<IngestUnderTest> {
  const config = testConfig(lms, overrides);
  const running = await startIngest(config, { logger: quietLogger(), ...options });
  const serde = testSerde(config);
  const reader = new TopicReader<LearningEvent>(config.EVENTS_TOPIC, (value) =>
    serde.decode('learning.events.v1', value),
  );
  await reader.start();
  return {
    config,
    running,
    reader,
    serde,
    async close() {
      await reader.stop();
      await running.close();
    },
  };
}
