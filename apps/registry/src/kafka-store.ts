import { backoffDelay, type Logger, retry, sleep } from '@cellstream/shared';
import { type Admin, type Kafka, Partitioners, type Producer } from 'kafkajs';
import { RegistryError } from './errors.js';
import { LogReader } from './log-reader.js';
import { encodeRecord } from './log-record.js';
import { RegistryState } from './state.js';
import type { KafkaState, RegistryStore, StoreStats, StoreStatus, WritePlan } from './store.js';
import { withTimeout } from './timeouts.js';
import { ensureSchemasTopic } from './topic.js';

export interface KafkaRegistryStoreOptions {
  kafka: Kafka;
  topic: string;
  logger: Logger;
  /** Shared by every registry instance of the topic: it is what serializes their writes. */
  transactionalId?: string;
  /** How long a write may wait for the log (catching up before, applying after), in ms. */
  writeTimeoutMs?: number;
  /** Attempts of one write when Kafka fails or another instance fences this one. */
  writeAttempts?: number;
}

/** Settings for the `/ready` probe, in ms. */
const statusTimeoutMs = 2_000;
const startDelays = { initialDelayMs: 500, maxDelayMs: 10_000 };
const writeDelays = { initialDelayMs: 50, maxDelayMs: 1_000 };

function deferred(): { promise: Promise<void>; resolve: () => void; reject: (error: Error) => void } {
  let resolve: () => void = () => undefined;
  let reject: (error: Error) => void = () => undefined;
  const promise = new Promise<void>((done, fail) => {
    resolve = done;
    reject = fail;
  });
  promise.catch(() => undefined); // rejected only on close, which nobody needs to hear about
  return { promise, resolve, reject };
}

const shuttingDown = () => new RegistryError('STORE_ERROR', 'The registry is shutting down');

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * The registry's state kept in a compacted Kafka topic, as Confluent's registry keeps it
 * (README.md explains the design):
 *
 * - Reads: every instance consumes the whole topic (log-reader.ts) and applies each record to
 *   its in-memory state. Nothing is applied that has not come back from the log, so all
 *   instances converge on the same state.
 * - Writes: one at a time across all instances, through a transactional producer whose
 *   transactional id they all share. Starting a transaction fences every other instance's
 *   producer, so a write commits only if no other instance began one after it; before planning,
 *   the writer reads the log up to its end. A fenced writer retries with a fresh producer.
 */
export class KafkaRegistryStore implements RegistryStore {
  readonly state = new RegistryState();
  readonly stats: StoreStats = { writes: 0, writeRetries: 0, skippedRecords: 0 };
  readonly topic: string;
  private readonly kafka: Kafka;
  private readonly logger: Logger;
  private readonly transactionalId: string;
  private readonly writeTimeoutMs: number;
  private readonly writeAttempts: number;
  private readonly reader: LogReader;
  private readonly loaded = deferred();
  private readonly admin: Admin;
  private producer: Producer | undefined;
  private phase: KafkaState = 'connecting';
  private stopped = false;
  private lastError: string | undefined;
  private starting: Promise<void> | undefined;
  private writes: Promise<unknown> = Promise.resolve();

  constructor(options: KafkaRegistryStoreOptions) {
    this.kafka = options.kafka;
    this.topic = options.topic;
    this.logger = options.logger.child({ component: 'store', topic: options.topic });
    this.transactionalId = options.transactionalId ?? `cellstream-registry.${options.topic}`;
    this.writeTimeoutMs = options.writeTimeoutMs ?? 10_000;
    this.writeAttempts = options.writeAttempts ?? 10;
    this.admin = this.kafka.admin();
    this.reader = new LogReader(this.kafka, this.topic, this.state, this.stats, this.logger);
  }

  get position(): number {
    return this.reader.offsets.position;
  }

  /** Connects, creates the topic if needed and reads it to its end; retries until it succeeds or `close()`. */
  start(): Promise<void> {
    this.starting ??= this.startUntilLoaded();
    return this.starting;
  }

  private async startUntilLoaded(): Promise<void> {
    for (let attempt = 0; !this.stopped; attempt++) {
      try {
        this.setPhase('connecting');
        await this.admin.connect();
        await ensureSchemasTopic(this.admin, this.topic, this.logger);
        if (!this.reader.started) await this.reader.start();
        this.setPhase('catching-up');
        await this.sync(Number.POSITIVE_INFINITY);
        if (this.stopped) return;
        this.setPhase('ready');
        this.lastError = undefined;
        this.loaded.resolve();
        this.logger.info({ position: this.position, ...this.state.counts() }, 'schemas loaded from the log');
        return;
      } catch (error) {
        if (this.stopped) return;
        this.setPhase('unreachable');
        this.lastError = messageOf(error);
        const delayMs = backoffDelay(attempt, startDelays);
        this.logger.warn({ err: error, delayMs }, 'cannot load the schemas yet; retrying');
        await sleep(delayMs);
      }
    }
  }

  private setPhase(phase: KafkaState): void {
    if (!this.stopped) this.phase = phase;
  }

  async whenReady(timeoutMs: number): Promise<void> {
    await withTimeout(this.loaded.promise, timeoutMs, `loading the schemas from the ${this.topic} topic`);
  }

  /** The offset after the last record of the log. */
  private async endOffset(timeoutMs: number): Promise<number> {
    const offsets = await withTimeout(
      this.admin.fetchTopicOffsets(this.topic),
      timeoutMs,
      'asking Kafka for the log end',
    );
    return Number(offsets.find((entry) => entry.partition === 0)?.high ?? 0);
  }

  async sync(timeoutMs: number): Promise<void> {
    const started = Date.now();
    const end = await this.endOffset(timeoutMs);
    await this.reader.offsets.waitFor(
      end,
      timeoutMs - (Date.now() - started),
      `reading the ${this.topic} topic to its end`,
    );
  }

  write<T>(plan: (state: RegistryState) => WritePlan<T>): Promise<T> {
    const run = this.writes.then(() => this.writeWithRetries(plan));
    this.writes = run.catch(() => undefined);
    return run;
  }

  private async writeWithRetries<T>(plan: (state: RegistryState) => WritePlan<T>): Promise<T> {
    await this.whenReady(this.writeTimeoutMs);
    if (this.stopped) throw shuttingDown();
    try {
      return await retry(() => this.writeOnce(plan), {
        ...writeDelays,
        attempts: this.writeAttempts,
        // Registry errors are answers (404, 409, timeouts); anything else is Kafka's.
        shouldRetry: (error) => !(error instanceof RegistryError) && !this.stopped,
        onRetry: (error, attempt) => {
          this.stats.writeRetries++;
          this.logger.info(
            { attempt, reason: messageOf(error) },
            'write did not commit (fenced or Kafka error); retrying',
          );
        },
      });
    } catch (error) {
      if (error instanceof RegistryError) throw error;
      throw new RegistryError(
        'STORE_ERROR',
        `Error while writing to the ${this.topic} topic: ${messageOf(error)}`,
        {
          cause: error,
        },
      );
    }
  }

  private async writeOnce<T>(plan: (state: RegistryState) => WritePlan<T>): Promise<T> {
    const producer = await this.writer();
    // The first transaction of a producer fences every other instance's producer.
    const transaction = await producer.transaction().catch(async (error: unknown) => {
      await this.dropWriter();
      throw error;
    });
    try {
      await this.sync(this.writeTimeoutMs);
      const { records, result } = plan(this.state);
      if (records.length === 0) {
        await transaction.abort();
        return result;
      }
      const messages = records.map((record) => ({ partition: 0, ...encodeRecord(record) }));
      const [metadata] = await transaction.send({ topic: this.topic, messages });
      await transaction.commit();
      this.stats.writes++;
      const last = Number(metadata?.baseOffset ?? this.position) + records.length - 1;
      await this.reader.offsets.waitFor(last + 1, this.writeTimeoutMs, 'applying the written records');
      return result;
    } catch (error) {
      if (transaction.isActive()) await transaction.abort().catch(() => undefined);
      if (!(error instanceof RegistryError)) await this.dropWriter();
      throw error;
    }
  }

  private async writer(): Promise<Producer> {
    if (this.producer) return this.producer;
    const producer = this.kafka.producer({
      transactionalId: this.transactionalId,
      idempotent: true,
      maxInFlightRequests: 1,
      transactionTimeout: 30_000,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
    this.producer = producer;
    return producer;
  }

  private async dropWriter(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    await producer?.disconnect().catch(() => undefined);
  }

  async status(): Promise<StoreStatus> {
    const base = { topic: this.topic, position: this.position };
    if (this.phase !== 'ready') {
      return {
        ...base,
        ready: false,
        kafka: this.phase,
        ...(this.lastError ? { error: this.lastError } : {}),
      };
    }
    let end: number;
    try {
      end = await this.endOffset(statusTimeoutMs);
    } catch (error) {
      return { ...base, ready: false, kafka: 'unreachable', error: messageOf(error) };
    }
    try {
      await this.reader.offsets.waitFor(end, statusTimeoutMs, 'reading the log to its end');
      return { ...base, position: this.position, ready: true, kafka: 'ready' };
    } catch {
      return { ...base, ready: false, kafka: 'catching-up', error: `${end - this.position} records behind` };
    }
  }

  async close(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.phase = 'stopped';
    this.loaded.reject(shuttingDown());
    const closing = this.reader.close(shuttingDown());
    await this.writes;
    await Promise.allSettled([closing, this.dropWriter(), this.admin.disconnect()]);
  }
}
