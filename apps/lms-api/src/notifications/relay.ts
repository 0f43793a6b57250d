import { type Database, notificationOutbox } from '@cellstream/db';
import { ensureTopics, type Notification, type TopicSerde, topics } from '@cellstream/schemas';
import { backoffDelay, type Logger } from '@cellstream/shared';
import { and, asc, inArray, isNull, sql } from 'drizzle-orm';
import type { Kafka, Producer } from 'kafkajs';
import pg from 'pg';
import { Counter, Gauge, type Registry } from 'prom-client';
import { OUTBOX_CHANNEL } from './outbox.js';

export interface RelayOptions {
  db: Database;
  /** For the LISTEN connection (a client of its own, outside the pool). */
  databaseUrl: string;
  kafka: Kafka;
  /** The serde of the notifications topic (its topicPrefix gives `<topic>-value`). */
  serde: TopicSerde;
  /** The topic name, prefix included (NOTIFICATIONS_TOPIC). */
  topic: string;
  topicPrefix: string;
  partitions: number;
  logger: Logger;
  pollIntervalMs: number;
  batchSize: number;
  sendTimeoutMs: number;
  retry: { initialDelayMs: number; maxDelayMs: number };
  /** Where the relay's metrics go (lms-api's registry); none when omitted. */
  metrics?: Registry;
}

export type KafkaState = 'up' | 'down';

/**
 * Publishes the notification outbox to `learning.notifications.v1`, oldest row first, and stamps
 * each row `sent_at` once Kafka acknowledged it (idempotent producer, acks from all in-sync
 * replicas). A row is marked sent only after the acknowledgement, so an outage or a crash can
 * repeat a notification but never lose one; consumers deduplicate on `notificationId`.
 *
 * It wakes on PostgreSQL NOTIFY (sent by `enqueueNotification` at commit) and also polls every
 * `pollIntervalMs`, so a lost LISTEN connection only slows it down. Rows are claimed with
 * `FOR UPDATE SKIP LOCKED`, so several lms-api instances can run a relay each.
 */
export class NotificationRelay {
  private producer: Producer | undefined;
  private topicReady = false;
  private listener: pg.Client | undefined;
  private listenerRetry: NodeJS.Timeout | undefined;
  private listenerFailures = 0;
  private wakeUp: (() => void) | undefined;
  private woken = false;
  private closing = false;
  private loop: Promise<void> | undefined;
  private kafka: KafkaState = 'down';
  /** Which side the step in progress talks to, so a failure is blamed on the right one. */
  private stage: 'kafka' | 'postgres' = 'postgres';
  private readonly log: Logger;
  private readonly published: Counter;
  private readonly failed: Counter;

  constructor(private readonly options: RelayOptions) {
    this.log = options.logger.child({ component: 'notification-relay', outboxTopic: options.topic });
    const registers = options.metrics ? [options.metrics] : [];
    this.published = new Counter({
      name: 'lms_notifications_published_total',
      help: 'Notifications the outbox relay published to Kafka (acknowledged).',
      registers,
    });
    this.failed = new Counter({
      name: 'lms_notification_publish_failures_total',
      help: 'Failed attempts of the outbox relay to publish (Kafka or the registry unreachable); retried.',
      registers,
    });
    const db = options.db;
    new Gauge({
      name: 'lms_notification_outbox_unsent',
      help: 'Outbox rows not yet published to Kafka (grows while Kafka is unreachable).',
      registers,
      async collect() {
        this.set(await unsentNotifications(db).catch(() => Number.NaN));
      },
    });
  }

  /** Starts listening and publishing in the background; never throws (failures are retried). */
  start(): void {
    if (this.loop) return;
    void this.listen();
    this.loop = this.run();
  }

  /** Whether the last attempt to reach Kafka worked (for GET /ready). */
  kafkaState(): KafkaState {
    return this.kafka;
  }

  /** Look at the outbox now instead of at the next poll. */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  /** Finishes the publish in flight, then disconnects. Unsent rows stay for the next start. */
  async close(): Promise<void> {
    this.closing = true;
    this.wake();
    clearTimeout(this.listenerRetry);
    await this.loop;
    await this.listener?.end().catch(() => undefined);
    await this.dropProducer();
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.closing) {
      let sent = 0;
      try {
        sent = await this.publishBatch();
        this.published.inc(sent);
        failures = 0;
      } catch (error) {
        failures++;
        this.failed.inc();
        const failedOn = this.stage;
        if (failedOn === 'kafka') {
          this.kafka = 'down';
          // A failed send may still have been written. kafkajs would reuse its sequence numbers for
          // the next batch, and the broker would take that batch for a duplicate and drop it while
          // acknowledging it; a new producer (new producer id) repeats rows instead of losing them.
          await this.dropProducer();
        }
        await this.recordFailure(error);
        const delayMs = backoffDelay(failures - 1, this.options.retry);
        this.log.warn(
          { err: error, failedOn, failures, delayMs },
          'publishing notifications failed; retrying',
        );
        await this.sleep(delayMs, false);
        continue;
      }
      // A full batch means more may be waiting: go on at once.
      if (sent < this.options.batchSize) await this.sleep(this.options.pollIntervalMs, true);
    }
  }

  /** Publishes up to one batch of unsent rows; returns how many. */
  private async publishBatch(): Promise<number> {
    this.stage = 'kafka';
    const producer = await this.connect();
    const { db, serde, topic, batchSize, sendTimeoutMs } = this.options;
    this.stage = 'postgres';
    return db.transaction(async (tx) => {
      this.stage = 'postgres';
      const rows = await tx
        .select({
          id: notificationOutbox.id,
          key: notificationOutbox.key,
          payload: notificationOutbox.payload,
        })
        .from(notificationOutbox)
        .where(isNull(notificationOutbox.sentAt))
        .orderBy(asc(notificationOutbox.id))
        .limit(batchSize)
        .for('update', { skipLocked: true });
      if (rows.length === 0) return 0;
      this.stage = 'kafka';
      const messages = await Promise.all(
        rows.map(async (row) => ({
          key: row.key,
          value: await serde.encode(topics.notifications.name, row.payload as unknown as Notification),
        })),
      );
      await producer.send({ topic, acks: -1, timeout: sendTimeoutMs, messages });
      this.kafka = 'up';
      this.stage = 'postgres';
      await tx
        .update(notificationOutbox)
        .set({ sentAt: new Date() })
        .where(
          inArray(
            notificationOutbox.id,
            rows.map((row) => row.id),
          ),
        );
      this.log.debug({ count: rows.length }, 'notifications published');
      return rows.length;
    });
  }

  /** Counts a failed attempt on the rows waiting at the head of the outbox, for operators (best effort). */
  private async recordFailure(error: unknown): Promise<void> {
    const message = error instanceof Error ? error.message : String(error);
    const head = this.options.db
      .select({ id: notificationOutbox.id })
      .from(notificationOutbox)
      .where(isNull(notificationOutbox.sentAt))
      .orderBy(asc(notificationOutbox.id))
      .limit(this.options.batchSize);
    await this.options.db
      .update(notificationOutbox)
      .set({ attempts: sql`${notificationOutbox.attempts} + 1`, lastError: message.slice(0, 1_000) })
      .where(and(inArray(notificationOutbox.id, head), isNull(notificationOutbox.sentAt)))
      .catch(() => undefined);
  }

  private async connect(): Promise<Producer> {
    const { kafka, topicPrefix, partitions, serde } = this.options;
    if (!this.topicReady) {
      const admin = kafka.admin({ retry: { retries: 2 } });
      try {
        await admin.connect();
        await ensureTopics(admin, {
          partitions,
          topicPrefix,
          topics: [topics.notifications],
          logger: this.log,
        });
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
      await serde.register(topics.notifications.name);
      this.topicReady = true;
    }
    if (!this.producer) {
      const producer = kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        retry: { retries: 3, initialRetryTime: 200, maxRetryTime: 2_000 },
      });
      this.producer = producer;
      await producer.connect();
    }
    this.kafka = 'up';
    return this.producer;
  }

  private async dropProducer(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    await producer?.disconnect().catch(() => undefined);
  }

  /** Waits `ms`, or less when woken (if `wakeable`) or closing. */
  private sleep(ms: number, wakeable: boolean): Promise<void> {
    if (this.closing) return Promise.resolve();
    if (wakeable && this.woken) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        if (this.wakeUp === onWake) this.wakeUp = undefined;
        resolve();
      };
      const onWake = () => {
        if (this.closing || wakeable) {
          this.woken = false;
          finish();
        }
      };
      const timer = setTimeout(finish, ms);
      this.wakeUp = onWake;
    });
  }

  /** LISTENs on the outbox channel; on a lost connection tries again with back-off (polling covers the gap). */
  private async listen(): Promise<void> {
    if (this.closing) return;
    const client = new pg.Client({ connectionString: this.options.databaseUrl });
    this.listener = client;
    const retryLater = (error: unknown) => {
      if (this.closing || this.listener !== client) return;
      this.listener = undefined;
      client.removeAllListeners('notification');
      void client.end().catch(() => undefined);
      this.listenerFailures++;
      const delayMs = backoffDelay(this.listenerFailures, this.options.retry);
      this.log.warn({ err: error, delayMs }, 'LISTEN connection lost; polling until it is back');
      this.listenerRetry = setTimeout(() => void this.listen(), delayMs);
    };
    client.on('error', retryLater);
    client.on('end', () => retryLater(new Error('connection ended')));
    client.on('notification', () => this.wake());
    try {
      await client.connect();
      await client.query(`LISTEN ${OUTBOX_CHANNEL}`);
      this.listenerFailures = 0;
      // Rows committed while we were not listening are picked up by this wake.
      this.wake();
    } catch (error) {
      retryLater(error);
    }
  }
}

/** Unsent outbox rows (for tests and operators). */
export async function unsentNotifications(db: Database): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(notificationOutbox)
    .where(isNull(notificationOutbox.sentAt));
  return row?.n ?? 0;
}
