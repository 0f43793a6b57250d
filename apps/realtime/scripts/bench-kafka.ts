/**
 * The Kafka side of the benchmark: its topics (prefixed, deleted at the end), the seed state, the
 * aggregator's load (`rate` updates/s, one transaction per tick, 1 in 5 an aggregate) and the
 * Kafka floor (a bare read_committed consumer).
 */
import { ensureTopics, TopicSerde, topics } from '@cellstream/schemas';
import { sleep } from '@cellstream/shared';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { Kafka, logLevel, type Message, type Producer } from 'kafkajs';
import { aggregateUpdate, statusUpdate } from './bench-records.js';

export interface BenchKafkaOptions {
  brokers: string[];
  registryUrl: string;
  /** Prepended to topic names (and registry subjects), unique to the run. */
  prefix: string;
  classes: number;
  students: number;
  /** Updates per second. */
  rate: number;
  tickMs: number;
  /** An idempotent producer without transactions. */
  plain: boolean;
}

export class BenchKafka {
  readonly topicNames: {
    classAggregates: string;
    studentStatus: string;
    alerts: string;
    notifications: string;
  };
  private readonly kafka: Kafka;
  private readonly serde: TopicSerde;
  private producer: Producer | undefined;

  constructor(private readonly options: BenchKafkaOptions) {
    const { prefix } = options;
    this.topicNames = {
      classAggregates: `${prefix}${topics.classAggregates.name}`,
      studentStatus: `${prefix}${topics.studentStatus.name}`,
      alerts: `${prefix}${topics.alerts.name}`,
      notifications: `${prefix}${topics.notifications.name}`,
    };
    this.kafka = new Kafka({
      brokers: options.brokers,
      clientId: `${prefix}bench`,
      logLevel: logLevel.NOTHING,
    });
    this.serde = new TopicSerde(new SchemaRegistry({ host: options.registryUrl }), { topicPrefix: prefix });
  }

  /** Deletes this run's topics (named with its prefix), nothing else. */
  async deleteTopics(): Promise<void> {
    const admin = this.kafka.admin();
    try {
      await admin.connect();
      await admin.deleteTopics({ topics: Object.values(this.topicNames) });
    } catch (error) {
      console.warn(`could not delete the topics ${this.options.prefix}*: ${(error as Error).message}`);
    } finally {
      await admin.disconnect();
    }
  }

  async createTopics(): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    await ensureTopics(admin, {
      partitions: 6,
      topicPrefix: this.options.prefix,
      topics: [topics.classAggregates, topics.studentStatus, topics.alerts, topics.notifications],
    });
    await admin.disconnect();
  }

  private async encode(sequence: number): Promise<{ topic: string; message: Message }> {
    const now = Date.now();
    const classId = String(sequence % this.options.classes);
    if (sequence % 5 === 0) {
      return {
        topic: this.topicNames.classAggregates,
        message: {
          key: classId,
          value: await this.serde.encode(
            'learning.class-aggregates.v1',
            aggregateUpdate(classId, sequence, now),
          ),
          timestamp: String(now),
        },
      };
    }
    const userId = `s${sequence % this.options.students}`;
    return {
      topic: this.topicNames.studentStatus,
      message: {
        key: `${classId}/${userId}`,
        value: await this.serde.encode(
          'learning.student-status.v1',
          statusUpdate(classId, userId, sequence, now),
        ),
        timestamp: String(now),
      },
    };
  }

  /** The aggregator's side: records in transactions, `rate` per second, one transaction per tick. */
  load() {
    const producer = this.connected();
    let running = false;
    let done: Promise<void> = Promise.resolve();
    let sequence = 1_000_000;
    const { rate, tickMs, plain } = this.options;
    const encode = (next: number) => this.encode(next);
    return {
      start() {
        running = true;
        done = (async () => {
          const startedAt = Date.now();
          let sent = 0;
          let next = startedAt;
          while (running) {
            // Catch up on the schedule: as many records as the rate asks for by now.
            const count = Math.floor(((Date.now() - startedAt) * rate) / 1000) - sent;
            sent += count;
            if (count > 0) {
              const records = await Promise.all(Array.from({ length: count }, () => encode(sequence++)));
              const topicMessages = records.map(({ topic, message }) => ({ topic, messages: [message] }));
              if (plain) {
                await producer.sendBatch({ topicMessages, acks: -1 });
              } else {
                const transaction = await producer.transaction();
                await transaction.sendBatch({ topicMessages });
                await transaction.commit();
              }
            }
            next += tickMs;
            await sleep(Math.max(0, next - Date.now()));
          }
        })();
      },
      async stop() {
        running = false;
        await done;
      },
    };
  }

  async connect(): Promise<void> {
    // A transaction begun right after a commit may meet CONCURRENT_TRANSACTIONS while the broker
    // writes the markers; kafkajs's default first retry waits 300 ms, so retry sooner.
    const producer = this.kafka.producer({
      transactionalId: `${this.options.prefix}bench-producer`,
      idempotent: true,
      maxInFlightRequests: 1,
      retry: { initialRetryTime: 10, retries: 10 },
    });
    await producer.connect();
    this.producer = producer;
  }

  async disconnect(): Promise<void> {
    await this.producer?.disconnect();
  }

  private connected(): Producer {
    if (!this.producer) throw new Error('connect() first');
    return this.producer;
  }

  /** An aggregate and `students` statuses per class, written before realtime starts. */
  async seed(): Promise<void> {
    const producer = this.connected();
    const records: { topic: string; message: Message }[] = [];
    for (let classId = 0; classId < this.options.classes; classId++) {
      const now = Date.now();
      records.push({
        topic: this.topicNames.classAggregates,
        message: {
          key: String(classId),
          value: await this.serde.encode(
            'learning.class-aggregates.v1',
            aggregateUpdate(String(classId), 0, now),
          ),
        },
      });
      for (let student = 0; student < this.options.students; student++) {
        const userId = `s${student}`;
        records.push({
          topic: this.topicNames.studentStatus,
          message: {
            key: `${classId}/${userId}`,
            value: await this.serde.encode(
              'learning.student-status.v1',
              statusUpdate(String(classId), userId, 0, now),
            ),
          },
        });
      }
    }
    for (let start = 0; start < records.length; start += 1_000) {
      const transaction = await producer.transaction();
      await transaction.sendBatch({
        topicMessages: records
          .slice(start, start + 1_000)
          .map(({ topic, message }) => ({ topic, messages: [message] })),
      });
      await transaction.commit();
    }
  }

  /**
   * The Kafka floor: a bare read_committed kafkajs consumer of the same topics, measuring record
   * timestamp → receipt (transaction commit, broker, fetch), what realtime cannot go below.
   */
  async floor() {
    const consumer = this.kafka.consumer({ groupId: `${this.options.prefix}floor`, maxWaitTimeInMs: 500 });
    const delays: number[] = [];
    let measuring = false;
    await consumer.connect();
    await consumer.subscribe({ topics: [this.topicNames.classAggregates, this.topicNames.studentStatus] });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const now = Date.now();
        if (measuring) for (const message of batch.messages) delays.push(now - Number(message.timestamp));
      },
    });
    return {
      start() {
        measuring = true;
      },
      async stop() {
        measuring = false;
        await consumer.disconnect();
        return delays.sort((a, b) => a - b);
      },
    };
  }
}
