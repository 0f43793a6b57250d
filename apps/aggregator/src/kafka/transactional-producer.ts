import { type Logger, retry } from '@cellstream/shared';
import {
  type ICustomPartitioner,
  type Kafka,
  type Message,
  Partitioners,
  type Producer,
  type TopicMessages,
  type Transaction,
} from 'kafkajs';
import { AggregatorError } from '../errors.js';
import type { OutputRecord } from '../processing/records.js';
import { isFencedError } from './kafka-errors.js';

/**
 * The life of one transactional producer (one per input partition):
 *
 *   idle ──connect──▶ connecting ──▶ ready ──begin──▶ in_transaction ──▶ committing ──▶ ready
 *                                                         │                  │
 *                                                         └──▶ aborting ──▶ ready
 *   any failure the producer cannot recover from ──▶ broken ──connect──▶ connecting (a new producer)
 *   a newer producer with the same transactional id ──▶ fenced (terminal: the partition moved)
 *   close ──▶ closed (terminal)
 *
 * kafkajs keeps its own transaction state per producer and cannot leave "committing" after a
 * failed EndTxn, hence "broken": the producer is replaced, and the new one's InitProducerId
 * aborts whatever the old one left open.
 */
export type ProducerState =
  | 'idle'
  | 'connecting'
  | 'ready'
  | 'in_transaction'
  | 'committing'
  | 'aborting'
  | 'broken'
  | 'fenced'
  | 'closed';

export const producerTransitions: Record<ProducerState, readonly ProducerState[]> = {
  idle: ['connecting', 'closed'],
  connecting: ['ready', 'broken', 'closed'],
  ready: ['in_transaction', 'closed'],
  in_transaction: ['committing', 'aborting', 'broken', 'fenced'],
  committing: ['ready', 'broken', 'fenced'],
  aborting: ['ready', 'broken', 'fenced'],
  broken: ['connecting', 'closed'],
  fenced: ['closed'],
  closed: [],
};

export interface TransactionOffsets {
  groupId: string;
  topic: string;
  partition: number;
  /** The next offset to consume (last processed + 1). */
  offset: number;
}

export interface TransactionalProducerOptions {
  kafka: Kafka;
  transactionalId: string;
  transactionTimeoutMs: number;
  logger: Logger;
  /** Test hook: runs after everything is sent and before the commit; throwing aborts the transaction. */
  beforeCommit?: (records: readonly OutputRecord[]) => Promise<void> | void;
}

/** What a partition worker needs of its producer: one call per transaction. */
export interface TransactionSink {
  readonly state: ProducerState;
  /** Writes `records` and commits `offsets` atomically; on failure the transaction is aborted and this throws. */
  commit(records: readonly OutputRecord[], offsets: TransactionOffsets | null): Promise<void>;
  close(): Promise<void>;
}

/** Retries of sendOffsets: kafkajs does not retry CONCURRENT_TRANSACTIONS there (see INFRA notes). */
const sendOffsetsRetry = { attempts: 20, initialDelayMs: 10, maxDelayMs: 250 };

export class TransactionalProducer implements TransactionSink {
  private current: ProducerState = 'idle';
  private producer: Producer | null = null;
  private readonly log: Logger;

  constructor(private readonly options: TransactionalProducerOptions) {
    this.log = options.logger.child({
      component: 'transactional-producer',
      transactionalId: options.transactionalId,
    });
  }

  get state(): ProducerState {
    return this.current;
  }

  async commit(records: readonly OutputRecord[], offsets: TransactionOffsets | null): Promise<void> {
    if (this.current === 'fenced') throw fenced(this.options.transactionalId);
    if (this.current === 'closed') {
      throw new AggregatorError('AGG_PARTITION_CLOSED', 'The producer of this partition is closed');
    }
    if (this.current === 'idle' || this.current === 'broken') await this.connect();
    this.to('in_transaction');
    let transaction: Transaction | undefined;
    try {
      // The first transaction of a producer sends InitProducerId: it fences every older producer
      // with this transactional id and aborts what such a producer left open.
      const t0 = performance.now();
      transaction = await (this.producer as Producer).transaction();
      const t1 = performance.now();
      const parts = chunks(records, MAX_REQUEST_BYTES);
      for (const chunk of parts) {
        await transaction.sendBatch({ topicMessages: toTopicMessages(chunk), acks: -1 });
      }
      const t2 = performance.now();
      if (offsets) await this.sendOffsets(transaction, offsets);
      const t3 = performance.now();
      await this.options.beforeCommit?.(records);
      this.to('committing');
      await transaction.commit();
      const t4 = performance.now();
      if (this.log.isLevelEnabled('debug')) {
        const ms = (from: number, to: number) => Math.round(to - from);
        this.log.debug(
          {
            records: records.length,
            requests: parts.length,
            begin: ms(t0, t1),
            send: ms(t1, t2),
            offsets: ms(t2, t3),
            commit: ms(t3, t4),
          },
          'transaction committed',
        );
      }
      this.to('ready');
    } catch (error) {
      await this.failed(error, transaction);
      if (this.state === 'fenced') throw fenced(this.options.transactionalId, error);
      throw new AggregatorError('AGG_TRANSACTION_FAILED', `The transaction was aborted: ${describe(error)}`, {
        cause: error,
        context: { transactionalId: this.options.transactionalId },
      });
    }
  }

  async close(): Promise<void> {
    if (this.current === 'closed') return;
    this.current = 'closed';
    await this.disconnect();
  }

  private async connect(): Promise<void> {
    this.to('connecting');
    const producer = this.options.kafka.producer({
      transactionalId: this.options.transactionalId,
      transactionTimeout: this.options.transactionTimeoutMs,
      idempotent: true,
      // Idempotence needs one request in flight per connection, or sequence numbers go out of order.
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      // The partitioner ingest uses, so a classId keys the same partition number on every topic.
      createPartitioner: memoizedDefaultPartitioner,
      // Retriable errors are retried until the broker's transaction timeout ends the transaction
      // (kafkajs's default for idempotent producers; fewer retries would only add a warning).
      // Short first delays: a transaction begun right after the previous commit gets
      // CONCURRENT_TRANSACTIONS until the broker has written the markers (milliseconds).
      retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 10, multiplier: 1.5, maxRetryTime: 1_000 },
    });
    try {
      await producer.connect();
      this.producer = producer;
      this.to('ready');
    } catch (error) {
      await producer.disconnect().catch(() => undefined);
      this.to('broken');
      throw new AggregatorError('AGG_TRANSACTION_FAILED', `Cannot connect the producer: ${describe(error)}`, {
        cause: error,
      });
    }
  }

  private async sendOffsets(transaction: Transaction, offsets: TransactionOffsets): Promise<void> {
    await retry(
      () =>
        transaction.sendOffsets({
          consumerGroupId: offsets.groupId,
          topics: [
            {
              topic: offsets.topic,
              partitions: [{ partition: offsets.partition, offset: String(offsets.offset) }],
            },
          ],
        }),
      {
        ...sendOffsetsRetry,
        onRetry: (error, attempt) => this.log.debug({ err: error, attempt }, 'sendOffsets failed; retrying'),
      },
    );
  }

  /** After a failed step: abort when kafkajs still allows it, else replace the producer. */
  private async failed(error: unknown, transaction: Transaction | undefined): Promise<void> {
    if (isFencedError(error)) {
      this.to('fenced');
      await this.disconnect();
      return;
    }
    if (this.current === 'in_transaction' && transaction?.isActive()) {
      this.to('aborting');
      try {
        await transaction.abort();
        this.to('ready');
        return;
      } catch (abortError) {
        this.log.warn({ err: abortError }, 'abort failed; replacing the producer');
        if (isFencedError(abortError)) {
          this.to('fenced');
          await this.disconnect();
          return;
        }
      }
    }
    this.to('broken');
    await this.disconnect();
  }

  private async disconnect(): Promise<void> {
    const producer = this.producer;
    this.producer = null;
    await producer
      ?.disconnect()
      .catch((error: unknown) => this.log.debug({ err: error }, 'disconnect failed'));
  }

  private to(next: ProducerState): void {
    if (!producerTransitions[this.current].includes(next)) {
      throw new AggregatorError(
        'AGG_INVALID_TRANSITION',
        `A producer cannot go from ${this.current} to ${next}`,
        {
          context: { from: this.current, to: next },
        },
      );
    }
    this.current = next;
  }
}

/**
 * Bytes of records per produce request. kafkajs writes all of a request's records for one
 * partition as one record batch, which the broker refuses past `message.max.bytes` (1 MiB by
 * default): a transaction's records go out in requests of at most this size.
 */
const MAX_REQUEST_BYTES = 768 * 1024;
/**
 * Records per produce request: kafkajs groups a request's records per partition by copying the
 * group's array for each record (quadratic in records per partition), so requests stay modest.
 */
const MAX_REQUEST_RECORDS = 500;
/** Key, headers and framing of one record, roughly. */
const RECORD_OVERHEAD_BYTES = 80;

const sizeOf = (value: string | Buffer | null): number =>
  value === null ? 0 : typeof value === 'string' ? Buffer.byteLength(value) : value.length;

/** Splits `records` into runs of at most `maxBytes` and `maxRecords` (a larger record goes alone). */
export function chunks(
  records: readonly OutputRecord[],
  maxBytes: number,
  maxRecords = MAX_REQUEST_RECORDS,
): OutputRecord[][] {
  const result: OutputRecord[][] = [];
  let current: OutputRecord[] = [];
  let bytes = 0;
  for (const record of records) {
    let size = RECORD_OVERHEAD_BYTES + sizeOf(record.key) + sizeOf(record.value);
    for (const [name, value] of Object.entries(record.headers ?? {})) size += name.length + sizeOf(value);
    if (current.length > 0 && (bytes + size > maxBytes || current.length >= maxRecords)) {
      result.push(current);
      current = [];
      bytes = 0;
    }
    current.push(record);
    bytes += size;
  }
  if (current.length > 0) result.push(current);
  return result;
}

/** A kafkajs message that may name the key to hash instead of its own (OutputRecord.partitionKey). */
type PartitionedMessage = Message & { partitionKey?: string };

/**
 * kafkajs's default (Java-compatible murmur2) partitioner, remembering each key's partition:
 * every transaction writes the same class and student keys again, and hashing them is a
 * noticeable share of a busy aggregator's time. The partition count is part of the memo key.
 *
 * Co-partitioned outputs: a message with a `partitionKey` is placed by hashing that instead of
 * its key. Statuses are hashed by their classId, so one input partition's transaction writes
 * one partition of each output topic (as Kafka Streams' co-partitioning does) instead of every
 * status partition: fewer partitions to add to each transaction and to write markers to, and a
 * read_committed reader of a status partition waits only for the one producer writing it, not
 * for whichever of the others has a transaction open.
 */
export const memoizedDefaultPartitioner: ICustomPartitioner = () => {
  const partitioner = Partitioners.DefaultPartitioner();
  const memo = new Map<string, number>();
  return (args) => {
    const message = args.message as PartitionedMessage;
    if (message.partition !== undefined && message.partition !== null) return message.partition;
    const key = message.partitionKey ?? message.key;
    if (key === null || key === undefined) return partitioner(args);
    const memoKey = `${args.topic}\u0000${args.partitionMetadata.length}\u0000${key.toString()}`;
    let partition = memo.get(memoKey);
    if (partition === undefined) {
      partition = partitioner(
        message.partitionKey === undefined ? args : { ...args, message: { ...message, key } },
      );
      if (memo.size >= 200_000) memo.clear();
      memo.set(memoKey, partition);
    }
    return partition;
  };
};

function toTopicMessages(records: readonly OutputRecord[]): TopicMessages[] {
  const byTopic = new Map<string, Message[]>();
  for (const record of records) {
    let messages = byTopic.get(record.topic);
    if (!messages) {
      messages = [];
      byTopic.set(record.topic, messages);
    }
    const message: PartitionedMessage = { key: record.key, value: record.value };
    if (record.partition !== undefined) message.partition = record.partition;
    if (record.partitionKey !== undefined) message.partitionKey = record.partitionKey;
    if (record.headers) message.headers = record.headers;
    messages.push(message);
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
}

function fenced(transactionalId: string, cause?: unknown): AggregatorError {
  return new AggregatorError(
    'AGG_PRODUCER_FENCED',
    `${transactionalId} was fenced by a newer owner of its partition`,
    {
      cause,
      context: { transactionalId },
    },
  );
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
