import type { Logger } from '@cellstream/shared';
import type { Batch, Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { PersisterMetrics } from '../metrics.js';
import { processBatch } from '../pipeline/batch-processor.js';
import type { EventDecoder } from '../pipeline/decode.js';
import type { Sink, SourceRecord } from '../pipeline/records.js';
import type { RetryPolicy } from '../pipeline/retry-controller.js';
import type { DeadLetterQueue } from './dead-letters.js';

export interface ConsumerSettings {
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  maxWaitTimeMs: number;
  maxBytes: number;
  maxBytesPerPartition: number;
  partitionsConsumedConcurrently: number;
}

export interface GroupConsumerOptions {
  kafka: Kafka;
  groupId: string;
  topic: string;
  sink: Sink;
  decode: EventDecoder;
  deadLetters: DeadLetterQueue;
  settings: ConsumerSettings;
  retry: RetryPolicy;
  metrics: PersisterMetrics;
  logger: Logger;
  /** Which of the process's members of this group (0-based), for logs. */
  member?: number;
  /** Called when this member's assignment changes (see `assigned`). */
  onAssignment?: () => void;
}

/**
 * One consumer group, one kafkajs consumer: each fetched batch (one partition) goes through
 * the batch processor with offsets resolved and committed by hand, only after the sink stored
 * the batch and its dead letters are in Kafka. Groups are independent: each has its own
 * consumer, so one that is paused, slow or down never holds back the other.
 */
export class GroupConsumer {
  private readonly consumer: Consumer;
  private readonly log: Logger;
  private joinedGroup = false;
  private partitions: number[] = [];

  constructor(private readonly options: GroupConsumerOptions) {
    const { settings } = options;
    this.log = options.logger.child({
      component: 'consumer',
      group: options.groupId,
      member: options.member ?? 0,
    });
    this.consumer = options.kafka.consumer({
      groupId: options.groupId,
      sessionTimeout: settings.sessionTimeoutMs,
      heartbeatInterval: settings.heartbeatIntervalMs,
      maxWaitTimeInMs: settings.maxWaitTimeMs,
      maxBytes: settings.maxBytes,
      maxBytesPerPartition: settings.maxBytesPerPartition,
      allowAutoTopicCreation: false,
    });
    const { GROUP_JOIN, CRASH, STOP } = this.consumer.events;
    this.consumer.on(GROUP_JOIN, ({ payload }) => {
      this.joinedGroup = true;
      this.assign(payload.memberAssignment[options.topic] ?? []);
      this.log.info({ partitions: this.partitions }, 'joined the group');
    });
    this.consumer.on(CRASH, ({ payload }) => {
      this.joinedGroup = false;
      this.assign([]);
      this.log.error({ err: payload.error, restart: payload.restart }, 'consumer crashed');
    });
    this.consumer.on(STOP, () => {
      this.joinedGroup = false;
      this.assign([]);
    });
  }

  get groupId(): string {
    return this.options.groupId;
  }

  get joined(): boolean {
    return this.joinedGroup;
  }

  /** Partitions of the input assigned to this member. */
  get assigned(): readonly number[] {
    return this.partitions;
  }

  private assign(partitions: number[]): void {
    this.partitions = partitions;
    this.options.onAssignment?.();
  }

  async start(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.options.topic, fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.settings.partitionsConsumedConcurrently,
      eachBatch: (payload) => this.eachBatch(payload),
    });
  }

  /** Lets the batches in flight finish (and commit), then leaves the group. */
  async stop(): Promise<void> {
    await this.consumer.disconnect();
    this.joinedGroup = false;
  }

  private async eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    if (batch.isEmpty()) return;
    const { options } = this;
    const group = options.groupId;
    await processBatch(
      {
        topic: batch.topic,
        partition: batch.partition,
        records: sourceRecords(batch),
        lastOffset: batch.lastOffset(),
        highWatermark: batch.highWatermark,
      },
      {
        partition: batch.partition,
        heartbeat: payload.heartbeat,
        pause: payload.pause,
        isRunning: payload.isRunning,
        isStale: payload.isStale,
        resolveOffset: payload.resolveOffset,
        commit: async (offset) => {
          await payload.commitOffsetsIfNecessary({
            topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset }] }],
          });
        },
      },
      {
        group,
        failedBy: `persister/${group}`,
        sink: options.sink,
        decode: options.decode,
        deadLetters: options.deadLetters,
        retry: options.retry,
        metrics: options.metrics,
        log: this.log,
      },
    );
  }
}

function sourceRecords(batch: Batch): SourceRecord[] {
  return batch.messages.map((message) => ({
    topic: batch.topic,
    partition: batch.partition,
    offset: message.offset,
    key: message.key,
    value: message.value,
    headers: message.headers,
  }));
}
