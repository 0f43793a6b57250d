import { randomUUID } from 'node:crypto';
import { backoffDelay, type Logger, sleep } from '@cellstream/shared';
import type { Consumer, Kafka, KafkaMessage } from 'kafkajs';
import { decodeRecord } from './log-record.js';
import { OffsetTracker } from './offset-tracker.js';
import type { RegistryState } from './state.js';
import type { StoreStats } from './store.js';

const restartDelays = { initialDelayMs: 500, maxDelayMs: 10_000 };

/**
 * Reads the whole schemas topic, from its first record on, into `state`, and tracks how far it
 * got in `offsets`. Each reader has a consumer group of its own (every instance reads every
 * record) and never commits offsets. Only committed transactions are read.
 */
export class LogReader {
  readonly offsets = new OffsetTracker();
  private consumer: Consumer | undefined;
  private stopped = false;

  constructor(
    private readonly kafka: Kafka,
    private readonly topic: string,
    private readonly state: RegistryState,
    private readonly stats: StoreStats,
    private readonly logger: Logger,
  ) {}

  get started(): boolean {
    return this.consumer !== undefined;
  }

  async start(): Promise<void> {
    const consumer = this.kafka.consumer({
      groupId: `registry-${randomUUID()}`,
      readUncommitted: false,
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: 250,
    });
    // Batches may end with transaction markers, which eachMessage never sees: count them too.
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      this.offsets.advance(Number(payload.lastOffset) + 1);
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (!payload.restart && consumer === this.consumer) void this.replace(payload.error);
    });
    this.consumer = consumer;
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [this.topic], fromBeginning: true });
      await consumer.run({ autoCommit: false, eachMessage: async ({ message }) => this.apply(message) });
      if (this.stopped) await consumer.disconnect();
    } catch (error) {
      this.consumer = undefined;
      await consumer.disconnect().catch(() => undefined);
      throw error;
    }
  }

  /** kafkajs gave up on a consumer (it restarts it by itself for retriable errors). */
  private async replace(cause: Error): Promise<void> {
    this.logger.error({ err: cause }, 'the schemas consumer stopped; starting a new one');
    const old = this.consumer;
    this.consumer = undefined;
    await old?.disconnect().catch(() => undefined);
    for (let attempt = 0; !this.stopped; attempt++) {
      try {
        await this.start();
        return;
      } catch (error) {
        this.logger.warn({ err: error }, 'cannot start the schemas consumer yet; retrying');
        await sleep(backoffDelay(attempt, restartDelays));
      }
    }
  }

  private apply(message: KafkaMessage): void {
    const offset = Number(message.offset);
    // A new consumer starts from the beginning again: skip what is already applied.
    if (offset < this.offsets.position) return;
    const record = decodeRecord(
      message.key?.toString('utf8') ?? null,
      message.value?.toString('utf8') ?? null,
    );
    if (record.kind === 'skipped') {
      this.stats.skippedRecords++;
      this.logger.debug({ offset, reason: record.reason }, 'skipped a record');
    } else {
      const warning = this.state.apply(record);
      if (warning) this.logger.warn({ offset }, warning);
    }
    this.offsets.advance(offset + 1);
  }

  async close(error: Error): Promise<void> {
    this.stopped = true;
    this.offsets.failAll(error);
    const consumer = this.consumer;
    this.consumer = undefined;
    await consumer?.disconnect();
  }
}
