import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Alert, ClassAggregate, Notification, StudentStatus, TopicSerde } from '@cellstream/schemas';
import { backoffDelay, isRetriable, type Logger, sleep } from '@cellstream/shared';
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { CatchUpTracker, type PartitionRange } from './catch-up.js';

/** The topics read, by role; each name may carry a prefix. */
export interface StateTopics {
  classAggregates: string;
  studentStatus: string;
  alerts: string;
  notifications: string;
}

export type RecordKind = keyof StateTopics;

export interface RecordMeta {
  partition: number;
  offset: string;
  /** The Kafka record's timestamp, milliseconds since the epoch. */
  timestamp: number;
  /**
   * When the fetch that brought it returned (Date.now()): record → receivedAt is what Kafka (and
   * waiting for the previous fetch's work) took, receivedAt → publish is realtime's own work.
   */
  receivedAt: number;
}

/** Where decoded records go. Handlers never see kafkajs. */
export interface StateRecordHandler {
  classAggregate(aggregate: ClassAggregate, meta: RecordMeta): void;
  studentStatus(status: StudentStatus, meta: RecordMeta): void;
  alert(alert: Alert, meta: RecordMeta): void;
  notification(notification: Notification, meta: RecordMeta): void;
  /** A tombstone on the aggregates topic (key classId). */
  aggregateDeleted(classId: string): void;
  /** A tombstone on the status topic (key `classId/userId`). */
  studentStatusDeleted(classId: string, userId: string): void;
}

export type ConsumerState = 'connecting' | 'catching_up' | 'up' | 'down';

export interface StateConsumerOptions {
  kafka: Kafka;
  serde: TopicSerde;
  topics: StateTopics;
  /** The instance's group id is `<prefix>-<host>-<pid>-<random>`: every instance reads every partition. */
  groupPrefix: string;
  /** How far back the event topics (alerts, notifications) are read at start. */
  lookbackMs: { alerts: number; notifications: number };
  handler: StateRecordHandler;
  logger: Logger;
  onRecord?: (kind: RecordKind, outcome: 'applied' | 'tombstone' | 'undecodable' | 'replayed') => void;
  /** Idle time after which the initial read counts as complete even short of the end offsets. */
  catchUpIdleMs?: number;
}

/** The registry names of the value schemas, by role: what `TopicSerde.decode` reads them as. */
const schemaTopic = {
  classAggregates: 'learning.class-aggregates.v1',
  studentStatus: 'learning.student-status.v1',
  alerts: 'learning.alerts.v1',
  notifications: 'learning.notifications.v1',
} as const;

/**
 * Reads the aggregator's three topics and lms-api's notifications (read_committed: records of aborted transactions never
 * arrive) from their start, decodes them through the registry and hands them to the handler.
 *
 * Every instance reads everything: its consumer group is its own (random suffix), nothing is
 * committed, and compacted topics are read from the beginning, so each instance rebuilds the
 * whole state at start. Alerts and notifications (delete topics) are read from ALERT_LOOKBACK_MS
 * and NOTIFICATION_LOOKBACK_MS ago.
 * The next offset of each partition is kept here; whenever the group is (re)joined, e.g. after
 * kafkajs restarts a crashed consumer, each partition is sought there, so no record is applied
 * twice and none is missed.
 */
export class StateConsumer {
  private consumer: Consumer | undefined;
  private tracker: CatchUpTracker | undefined;
  private readonly next = new Map<string, number>();
  private readonly kinds: Map<string, RecordKind>;
  private readonly groupId: string;
  private running = false;
  private crashed = false;
  private fetchedAt = 0;
  private readonly log: Logger;
  private caughtUpResolve: () => void = () => undefined;
  /** Resolves once the initial read is complete. */
  readonly caughtUp: Promise<void>;

  constructor(private readonly options: StateConsumerOptions) {
    this.kinds = new Map(
      (Object.entries(options.topics) as [RecordKind, string][]).map(([kind, topic]) => [topic, kind]),
    );
    this.groupId = `${options.groupPrefix}-${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`;
    this.log = options.logger.child({ component: 'consumer', groupId: this.groupId });
    this.caughtUp = new Promise((resolve) => {
      this.caughtUpResolve = resolve;
    });
  }

  state(): ConsumerState {
    if (this.crashed) return 'down';
    if (!this.tracker) return 'connecting';
    return this.tracker.isCaughtUp ? 'up' : 'catching_up';
  }

  /** Starts reading in the background, retrying until Kafka answers; `caughtUp` tells when done. */
  start(): void {
    this.running = true;
    void this.connectLoop();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.consumer?.disconnect().catch(() => undefined);
  }

  private async connectLoop(): Promise<void> {
    for (let attempt = 0; this.running; attempt++) {
      try {
        if (!this.tracker) {
          const ranges = await this.readRanges();
          for (const range of ranges) this.next.set(key(range.topic, range.partition), range.start);
          this.tracker = new CatchUpTracker(ranges, this.options.catchUpIdleMs ?? 3_000);
          void this.tracker.caughtUp.then(() => {
            this.log.info('caught up with the topics: snapshots are complete');
            this.caughtUpResolve();
          });
        }
        await this.runConsumer();
        return;
      } catch (error) {
        if (!this.running) return;
        const delayMs = backoffDelay(attempt, { initialDelayMs: 250, maxDelayMs: 10_000 });
        this.log.warn({ err: error, attempt, delayMs }, 'Kafka did not answer; retrying');
        await sleep(delayMs);
      }
    }
  }

  /** Start and end offsets of every partition: the low watermark (event topics: lookback) to the high. */
  private async readRanges(): Promise<PartitionRange[]> {
    const admin = this.options.kafka.admin();
    await admin.connect();
    try {
      const ranges: PartitionRange[] = [];
      for (const [topic, kind] of this.kinds) {
        const offsets = await admin.fetchTopicOffsets(topic);
        const since =
          kind === 'alerts' || kind === 'notifications'
            ? await admin.fetchTopicOffsetsByTimestamp(topic, Date.now() - this.options.lookbackMs[kind])
            : [];
        for (const { partition, low, high } of offsets) {
          const from = since.find((entry) => entry.partition === partition)?.offset;
          const start = Math.max(Number(low), from === undefined ? 0 : Number(from));
          ranges.push({ topic, partition, start, end: Number(high) });
        }
      }
      return ranges;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  private async runConsumer(): Promise<void> {
    const consumer = this.options.kafka.consumer({
      groupId: this.groupId,
      allowAutoTopicCreation: false,
      // An empty fetch returns after this; records are returned as soon as they are there.
      maxWaitTimeInMs: 500,
      // Bounds one fetch (hence one stretch of work) when far behind; plenty at realtime's rates.
      maxBytes: 4 * 1024 * 1024,
      retry: { retries: 8 },
    });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      this.tracker?.active();
      for (const [topic, partitions] of Object.entries(payload.memberAssignment)) {
        for (const partition of partitions) {
          const offset = this.next.get(key(topic, partition));
          if (offset !== undefined) consumer.seek({ topic, partition, offset: String(offset) });
        }
      }
    });
    consumer.on(consumer.events.FETCH_START, () => {
      const stalled = this.tracker?.fetching() ?? [];
      if (stalled.length > 0) {
        this.log.warn({ stalled }, 'nothing more to read short of the end offsets (open transaction?)');
      }
    });
    consumer.on(consumer.events.FETCH, () => {
      this.fetchedAt = Date.now();
    });
    consumer.on(consumer.events.START_BATCH_PROCESS, () => this.tracker?.active());
    // Batches of only transaction markers or aborted records never reach eachBatch.
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      if (payload.batchSize === 0)
        this.advance(payload.topic, payload.partition, Number(payload.lastOffset) + 1);
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (payload.restart) {
        this.log.warn({ err: payload.error }, 'consumer crashed; kafkajs restarts it');
        return;
      }
      this.log.error({ err: payload.error }, 'consumer crashed; starting a new one');
      this.crashed = true;
      void this.restartAfterCrash();
    });

    await consumer.connect();
    await consumer.subscribe({ topics: [...this.kinds.keys()], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async (payload) => {
        try {
          await this.eachBatch(payload);
        } catch (error) {
          this.tracker?.failed();
          throw error;
        }
      },
    });
    this.crashed = false;
  }

  private async restartAfterCrash(): Promise<void> {
    await this.consumer?.disconnect().catch(() => undefined);
    await sleep(1_000);
    if (this.running) void this.connectLoop();
  }

  private async eachBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload) {
    const kind = this.kinds.get(batch.topic);
    if (!kind) return;
    // kafkajs handles every batch of a fetch before that broker is fetched from again, so this
    // batch came with the last fetch (with several brokers, the last of any: close enough for a metric).
    const receivedAt = this.fetchedAt || Date.now();
    let sliceStart = performance.now();
    for (const message of batch.messages) {
      if (!isRunning() || isStale()) return;
      await this.handle(kind, batch.topic, batch.partition, message, receivedAt);
      resolveOffset(message.offset);
      // A large batch (the initial read, or catching up after a stall) would otherwise hold the
      // event loop for its whole length: let uWS serve sockets, pings and /ready in between.
      if (performance.now() - sliceStart > YIELD_AFTER_MS) {
        await new Promise((resolve) => setImmediate(resolve));
        sliceStart = performance.now();
      }
    }
    resolveOffset(batch.lastOffset());
    this.advance(batch.topic, batch.partition, Number(batch.lastOffset()) + 1);
    await heartbeat();
  }

  private async handle(
    kind: RecordKind,
    topic: string,
    partition: number,
    message: KafkaMessage,
    receivedAt: number,
  ) {
    const slot = key(topic, partition);
    const offset = Number(message.offset);
    if (offset < (this.next.get(slot) ?? 0)) {
      this.options.onRecord?.(kind, 'replayed');
      return;
    }
    this.next.set(slot, offset + 1);
    const recordKey = message.key?.toString('utf8') ?? '';
    const meta: RecordMeta = {
      partition,
      offset: message.offset,
      timestamp: Number(message.timestamp),
      receivedAt,
    };
    if (message.value === null) {
      this.tombstone(kind, recordKey);
      this.options.onRecord?.(kind, 'tombstone');
      return;
    }
    let record: unknown;
    try {
      record = await this.options.serde.decode(schemaTopic[kind], message.value);
    } catch (error) {
      if (isRetriable(error)) {
        this.next.set(slot, offset); // read it again when kafkajs retries the batch
        throw error;
      }
      this.log.warn(
        { err: error, topic, partition, offset: message.offset },
        'skipping an undecodable record',
      );
      this.options.onRecord?.(kind, 'undecodable');
      return;
    }
    const { handler } = this.options;
    if (kind === 'classAggregates') handler.classAggregate(record as ClassAggregate, meta);
    else if (kind === 'studentStatus') handler.studentStatus(record as StudentStatus, meta);
    else if (kind === 'alerts') handler.alert(record as Alert, meta);
    else handler.notification(record as Notification, meta);
    this.options.onRecord?.(kind, 'applied');
  }

  private tombstone(kind: RecordKind, recordKey: string): void {
    if (kind === 'classAggregates') this.options.handler.aggregateDeleted(recordKey);
    if (kind === 'studentStatus') {
      const slash = recordKey.indexOf('/');
      if (slash > 0) {
        this.options.handler.studentStatusDeleted(recordKey.slice(0, slash), recordKey.slice(slash + 1));
      }
    }
  }

  private advance(topic: string, partition: number, nextOffset: number): void {
    const slot = key(topic, partition);
    if (nextOffset > (this.next.get(slot) ?? 0)) this.next.set(slot, nextOffset);
    this.tracker?.advanced(topic, partition, nextOffset);
  }
}

const key = (topic: string, partition: number) => `${topic}\u0000${partition}`;

/** Longest stretch of record handling before the event loop gets a turn. */
const YIELD_AFTER_MS = 10;
