import { runMigrations } from '@cellstream/db';
import { type LearningEvent, TopicSerde, topicKeys } from '@cellstream/schemas';
import { createLogger } from '@cellstream/shared';
import {
  createTestBucket,
  createTestDatabase,
  eventually,
  type TestBucket,
  type TestDatabase,
  testEnv,
  testKafka,
  uniqueName,
} from '@cellstream/testkit';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { type Admin, type Consumer, type Kafka, Partitioners, type Producer } from 'kafkajs';
import { loadPersisterConfig, type PersisterConfig } from '../../src/config.js';
import { ensurePersisterTopics } from '../../src/kafka/topics.js';

/** The stores and names of one test file: its own database, bucket, topics and groups. */
export interface TestStores {
  database: TestDatabase;
  bucket: TestBucket;
  env: Record<string, string>;
  config: PersisterConfig;
  drop(): Promise<void>;
}

/**
 * A fresh PostgreSQL database (migrated), InfluxDB bucket, topic prefix and group ids, and the
 * environment of a persister using them: 3 partitions, a short session timeout (a killed
 * instance's partitions move quickly), short back-off (recovery within a second of an outage).
 */
export async function testStores(
  label: string,
  overrides: Record<string, string> | ((database: TestDatabase) => Record<string, string>) = {},
): Promise<TestStores> {
  const [database, bucket] = await Promise.all([createTestDatabase(label), createTestBucket(label)]);
  await runMigrations(database.url);
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined) env[key] = value;
  Object.assign(env, {
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    DATABASE_URL: database.url,
    INFLUX_BUCKET: bucket.bucket,
    TOPIC_PREFIX: `${uniqueName(label)}.`,
    PERSISTER_PG_GROUP_ID: uniqueName(`${label}-pg`),
    PERSISTER_INFLUX_GROUP_ID: uniqueName(`${label}-influx`),
    PERSISTER_PORT: '0',
    TOPIC_PARTITIONS: '3',
    CONSUMER_SESSION_TIMEOUT_MS: '6000',
    CONSUMER_HEARTBEAT_INTERVAL_MS: '500',
    CONSUMER_MAX_WAIT_MS: '100',
    RETRY_INITIAL_DELAY_MS: '100',
    RETRY_MAX_DELAY_MS: '1000',
    LAG_POLL_INTERVAL_MS: '500',
    ...(typeof overrides === 'function' ? overrides(database) : overrides),
  });
  return {
    database,
    bucket,
    env,
    config: loadPersisterConfig(env),
    drop: async () => {
      await Promise.allSettled([database.drop(), bucket.drop()]);
    },
  };
}

/** Produces LearningEvents to the config's events topic the way ingest does (Avro, key classId). */
export class EventProducer {
  private readonly producer: Producer;
  private readonly serde: TopicSerde;

  constructor(
    private readonly config: PersisterConfig,
    kafka: Kafka = testKafka(),
  ) {
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    this.serde = new TopicSerde(new SchemaRegistry({ host: testEnv.SCHEMA_REGISTRY_URL }), {
      topicPrefix: config.TOPIC_PREFIX,
    });
  }

  connect(): Promise<void> {
    return this.producer.connect();
  }

  encode(event: LearningEvent): Promise<Buffer> {
    return this.serde.encode('learning.events.v1', event);
  }

  async send(events: readonly LearningEvent[]): Promise<void> {
    const messages = await Promise.all(
      events.map(async (event) => ({ key: topicKeys.learningEvent(event), value: await this.encode(event) })),
    );
    await this.producer.send({ topic: this.config.EVENTS_TOPIC, acks: -1, messages });
  }

  /** Bytes as they are, keyed like an event of `key`. */
  async sendRaw(messages: { key: string; value: Buffer; headers?: Record<string, string> }[]): Promise<void> {
    await this.producer.send({ topic: this.config.EVENTS_TOPIC, acks: -1, messages });
  }

  disconnect(): Promise<void> {
    return this.producer.disconnect();
  }
}

/** Waits until each group committed everything in the events topic (lag 0 on every partition). */
export async function waitUntilDrained(
  config: PersisterConfig,
  groups: string[],
  timeoutMs = 60_000,
): Promise<void> {
  const admin = testKafka().admin();
  await admin.connect();
  try {
    await eventually(
      async () => ((await lagOf(admin, config.EVENTS_TOPIC, groups)) === 0 ? true : undefined),
      {
        timeoutMs,
        intervalMs: 250,
        what: `groups ${groups.join(', ')} to commit every record`,
      },
    );
  } finally {
    await admin.disconnect();
  }
}

/** Records of `topic` not yet committed by the groups, summed. */
export async function lagOf(admin: Admin, topic: string, groups: string[]): Promise<number> {
  const ends = await admin.fetchTopicOffsets(topic);
  let lag = 0;
  for (const groupId of groups) {
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    for (const end of ends) {
      const offset = Number(
        committed?.partitions.find((entry) => entry.partition === end.partition)?.offset ?? -1,
      );
      lag += Number(end.high) - (offset >= 0 ? offset : Number(end.low));
    }
  }
  return lag;
}

/** The committed offsets of a group by partition (-1 when none). */
export async function committedOffsets(
  admin: Admin,
  topic: string,
  groupId: string,
): Promise<Map<number, number>> {
  const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return new Map(committed?.partitions.map((entry) => [entry.partition, Number(entry.offset)]) ?? []);
}

export interface DeadLetterRecord {
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

/** Reads the dead-letter topic from the beginning, as an operator would. */
export class DeadLetterReader {
  readonly records: DeadLetterRecord[] = [];
  private consumer: Consumer | undefined;

  constructor(private readonly config: PersisterConfig) {}

  async start(): Promise<void> {
    const consumer = testKafka().consumer({ groupId: uniqueName('dlq-reader'), maxWaitTimeInMs: 50 });
    this.consumer = consumer;
    await consumer.connect();
    await consumer.subscribe({ topic: this.config.EVENTS_DLQ_TOPIC, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(message.headers ?? {})) headers[name] = String(value);
        this.records.push({ key: message.key?.toString('utf8') ?? null, value: message.value, headers });
      },
    });
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }
}

/** Creates the config's events and DLQ topics (as the persister would at start). */
export async function ensureTestTopics(config: PersisterConfig): Promise<void> {
  await ensurePersisterTopics(testKafka(), config, createLogger('test', 'silent'));
}
