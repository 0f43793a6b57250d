import { type Logger, sleep } from '@cellstream/shared';
import type { Batch, Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { AggregatorMetrics } from '../metrics.js';
import type { InputRecord } from '../processing/records.js';
import type { PartitionManager } from '../runtime/partition-manager.js';

export interface EventConsumerOptions {
  kafka: Kafka;
  groupId: string;
  topic: string;
  manager: PartitionManager;
  logger: Logger;
  metrics?: AggregatorMetrics;
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  maxWaitTimeMs: number;
  maxBytesPerPartition: number;
  /** Batches of this many partitions are processed at once (each partition has its own producer). */
  concurrency: number;
}

/** Back-off before fetching again a record the registry could not decode yet. */
const DECODE_RETRY_MS = 1_000;
/** Back-off for batches of a partition that has no worker (lost, waiting for the rebalance). */
const ORPHAN_BATCH_MS = 200;

/**
 * The consumer of learning.events.v1 in the aggregator's group: read_committed, offsets never
 * committed by the consumer itself (they commit in the transactions), and each fetched batch
 * handed to its partition's worker once that partition's state is restored.
 */
export class EventConsumer {
  private readonly consumer: Consumer;
  private readonly log: Logger;
  private joinedGroup = false;
  private stopping = false;

  constructor(private readonly options: EventConsumerOptions) {
    this.log = options.logger.child({ component: 'consumer' });
    this.consumer = options.kafka.consumer({
      groupId: options.groupId,
      readUncommitted: false,
      sessionTimeout: options.sessionTimeoutMs,
      heartbeatInterval: options.heartbeatIntervalMs,
      maxWaitTimeInMs: options.maxWaitTimeMs,
      maxBytesPerPartition: options.maxBytesPerPartition,
      allowAutoTopicCreation: false,
    });
    const { GROUP_JOIN, CRASH, STOP } = this.consumer.events;
    this.consumer.on(GROUP_JOIN, ({ payload }) => {
      this.joinedGroup = true;
      const partitions = payload.memberAssignment[options.topic] ?? [];
      options.metrics?.assignedPartitions.set(partitions.length);
      options.metrics?.lag.reset(); // partitions that moved away must not keep reporting a lag
      options.manager.assign(partitions, payload.memberId);
    });
    this.consumer.on(CRASH, ({ payload }) => {
      this.joinedGroup = false;
      this.log.error({ err: payload.error, restart: payload.restart }, 'consumer crashed');
      options.manager.revokeAll();
      options.metrics?.assignedPartitions.set(0);
    });
    this.consumer.on(STOP, () => {
      this.joinedGroup = false;
    });
  }

  get joined(): boolean {
    return this.joinedGroup;
  }

  async start(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.options.topic, fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.concurrency,
      eachBatch: (payload) => this.eachBatch(payload),
    });
  }

  seek(partition: number, offset: number | 'earliest'): void {
    try {
      this.consumer.seek({
        topic: this.options.topic,
        partition,
        offset: offset === 'earliest' ? '-2' : String(offset),
      });
    } catch (error) {
      this.log.warn({ err: error, partition, offset }, 'seek failed');
    }
  }

  /** Stops fetching and leaves the group (after the caller flushed what was pending). */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.consumer.disconnect();
  }

  /** Stops handing batches to workers (shutdown: the caller flushes next). */
  pauseProcessing(): void {
    this.stopping = true;
  }

  private async eachBatch({
    batch,
    resolveOffset,
    heartbeat,
    isRunning,
    isStale,
  }: EachBatchPayload): Promise<void> {
    if (this.stopping) return;
    const worker = this.options.manager.worker(batch.partition);
    if (!worker) {
      await sleep(ORPHAN_BATCH_MS);
      return;
    }
    const lag = Number(batch.offsetLag());
    this.options.metrics?.lag.set({ partition: String(batch.partition) }, lag);
    const ready = await whileHeartbeating(worker.whenReady(), heartbeat, this.options.heartbeatIntervalMs);
    if (!ready || !isRunning() || isStale() || this.stopping) return;
    try {
      const outcome = await worker.handleBatch(
        toInputRecords(batch),
        Number(batch.lastOffset()) + 1,
        isStale,
        lag,
      );
      if (outcome.kind === 'skipped') return;
      if (outcome.complete) resolveOffset(batch.lastOffset());
      else if (outcome.lastTaken !== null) resolveOffset(String(outcome.lastTaken));
      if (!outcome.complete) await sleep(DECODE_RETRY_MS);
    } catch (error) {
      // The worker recovers or drops the partition itself; the consumer keeps going.
      this.log.error({ err: error, partition: batch.partition }, 'a batch failed');
    }
  }
}

function toInputRecords(batch: Batch): InputRecord[] {
  return batch.messages.map((message) => ({
    offset: Number(message.offset),
    key: message.key,
    value: message.value,
    timestamp: Number(message.timestamp),
  }));
}

/** Awaits `promise`, heartbeating meanwhile so that a long restore does not cost the group membership. */
async function whileHeartbeating<T>(
  promise: Promise<T>,
  heartbeat: () => Promise<void>,
  everyMs: number,
): Promise<T> {
  const timer = setInterval(() => {
    heartbeat().catch(() => undefined);
  }, everyMs);
  try {
    return await promise;
  } finally {
    clearInterval(timer);
  }
}
