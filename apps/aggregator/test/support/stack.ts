import {
  type Alert,
  type ClassAggregate,
  type LearningEvent,
  type StudentStatus,
  TopicSerde,
  topicKeys,
} from '@cellstream/schemas';
import { eventually, testEnv, testKafka, uniqueName } from '@cellstream/testkit';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { type Consumer, type Kafka, Partitioners, type Producer } from 'kafkajs';
import { type AggregatorConfig, loadAggregatorConfig } from '../../src/config.js';

/**
 * Config for an aggregator under test: the stack's addresses, topics, group and transactional
 * ids of the test file's own (a unique TOPIC_PREFIX and group), 3 partitions, a short session
 * timeout so that a killed instance's partitions move quickly.
 */
export function testEnvironment(
  label: string,
  overrides: Record<string, string> = {},
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined) env[key] = value;
  return {
    ...env,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    TOPIC_PREFIX: `${uniqueName(label)}.`,
    AGGREGATOR_GROUP_ID: uniqueName(`${label}-group`),
    TOPIC_PARTITIONS: '3',
    CONSUMER_SESSION_TIMEOUT_MS: '6000',
    CONSUMER_HEARTBEAT_INTERVAL_MS: '500',
    AGGREGATOR_PORT: '0',
    ...overrides,
  };
}

export const testConfig = (env: Record<string, string>): AggregatorConfig => loadAggregatorConfig(env);

/** Produces LearningEvents to the config's events topic the way ingest does (Avro, key classId). */
export class EventProducer {
  private readonly producer: Producer;
  private readonly serde: TopicSerde;

  constructor(
    private readonly config: AggregatorConfig,
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

  async send(events: readonly LearningEvent[]): Promise<void> {
    const messages = await Promise.all(
      events.map(async (event) => ({
        key: topicKeys.learningEvent(event),
        value: await this.serde.encode('learning.events.v1', event),
      })),
    );
    await this.producer.send({ topic: this.config.EVENTS_TOPIC, acks: -1, messages });
  }

  /** Bytes that are not a LearningEvent, keyed like one. */
  async sendRaw(key: string, value: Buffer): Promise<void> {
    await this.producer.send({ topic: this.config.EVENTS_TOPIC, acks: -1, messages: [{ key, value }] });
  }

  disconnect(): Promise<void> {
    return this.producer.disconnect();
  }
}

export interface ReadRecord<T> {
  topic: string;
  partition: number;
  offset: string;
  key: string;
  value: T | null;
  headers: Record<string, string>;
  raw: Buffer | null;
}

/**
 * Reads the aggregator's outputs from the beginning, as a downstream consumer would:
 * read_committed by default (read_uncommitted to see what aborted transactions wrote).
 */
export class OutputReader {
  readonly records: ReadRecord<unknown>[] = [];
  private consumer: Consumer | undefined;
  private readonly serde: TopicSerde;

  constructor(
    private readonly config: AggregatorConfig,
    private readonly options: { readUncommitted?: boolean } = {},
  ) {
    this.serde = new TopicSerde(new SchemaRegistry({ host: testEnv.SCHEMA_REGISTRY_URL }), {
      topicPrefix: config.TOPIC_PREFIX,
    });
  }

  async start(): Promise<void> {
    const { config } = this;
    const consumer = testKafka().consumer({
      groupId: uniqueName('aggregator-reader'),
      readUncommitted: this.options.readUncommitted ?? false,
      maxWaitTimeInMs: 50,
    });
    this.consumer = consumer;
    await consumer.connect();
    const topicNames = [
      config.CLASS_AGGREGATES_TOPIC,
      config.STUDENT_STATUS_TOPIC,
      config.ALERTS_TOPIC,
      config.EVENTS_DLQ_TOPIC,
    ];
    await consumer.subscribe({ topics: topicNames, fromBeginning: true });
    const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
    await consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(message.headers ?? {})) headers[name] = String(value);
        this.records.push({
          topic,
          partition,
          offset: message.offset,
          key: message.key?.toString('utf8') ?? '',
          value: message.value === null ? null : await this.decode(topic, message.value),
          headers,
          raw: message.value,
        });
      },
    });
    await joined;
  }

  private decode(topic: string, value: Buffer): Promise<unknown> | Buffer {
    const { config } = this;
    if (topic === config.CLASS_AGGREGATES_TOPIC)
      return this.serde.decode('learning.class-aggregates.v1', value);
    if (topic === config.STUDENT_STATUS_TOPIC) return this.serde.decode('learning.student-status.v1', value);
    if (topic === config.ALERTS_TOPIC) return this.serde.decode('learning.alerts.v1', value);
    return value;
  }

  of<T>(topic: string): ReadRecord<T>[] {
    return this.records.filter((record) => record.topic === topic) as ReadRecord<T>[];
  }

  aggregates(): ReadRecord<ClassAggregate>[] {
    return this.of<ClassAggregate>(this.config.CLASS_AGGREGATES_TOPIC);
  }

  statuses(): ReadRecord<StudentStatus>[] {
    return this.of<StudentStatus>(this.config.STUDENT_STATUS_TOPIC);
  }

  alerts(): ReadRecord<Alert>[] {
    return this.of<Alert>(this.config.ALERTS_TOPIC);
  }

  /** The latest value of each key of `topic` (what compaction keeps). */
  latest<T>(topic: string): Map<string, T> {
    const latest = new Map<string, T>();
    for (const record of this.of<T>(topic)) if (record.value !== null) latest.set(record.key, record.value);
    return latest;
  }

  /** Waits until the latest aggregates satisfy `done`. */
  waitForAggregates(
    done: (latest: Map<string, ClassAggregate>) => boolean,
    timeoutMs = 30_000,
  ): Promise<Map<string, ClassAggregate>> {
    return eventually(
      async () => {
        const latest = this.latest<ClassAggregate>(this.config.CLASS_AGGREGATES_TOPIC);
        return done(latest) ? latest : undefined;
      },
      { timeoutMs, intervalMs: 100, what: 'the expected aggregates' },
    );
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }
}

/** Sums totalExecutions and totalErrors over the latest aggregate of each class. */
export function totals(latest: Map<string, ClassAggregate>): { executions: number; errors: number } {
  let executions = 0;
  let errors = 0;
  for (const aggregate of latest.values()) {
    executions += aggregate.totalExecutions;
    errors += aggregate.totalErrors;
  }
  return { executions, errors };
}

/** Deletes the topics of a test's TOPIC_PREFIX (the changelog included): the broker is shared. */
export async function deleteTestTopics(config: AggregatorConfig): Promise<void> {
  const admin = testKafka().admin();
  await admin.connect();
  try {
    const names = (await admin.listTopics()).filter((name) => name.startsWith(config.TOPIC_PREFIX));
    if (names.length > 0) await admin.deleteTopics({ topics: names });
  } catch {
    // Best effort: leftover topics only take space.
  } finally {
    await admin.disconnect();
  }
}
