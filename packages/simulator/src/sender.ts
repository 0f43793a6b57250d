import { setMaxListeners } from 'node:events';
import { backoffDelay, type RetryOptions } from '@cellstream/shared';
import { SimulatorError } from './errors.js';
import type { SimEvent } from './events.js';
import { abortableSleep } from './http.js';
import { encodeBatch, type IngestClient } from './ingest-client.js';
import type { RunStats } from './stats.js';

/** Where a student's bearer token comes from. */
export interface TokenSource {
  token(): string;
  /** Gets a fresh token after AUTH_TOKEN_EXPIRED; absent when the token cannot be renewed. */
  refresh?: () => Promise<void>;
}

export interface SenderOptions {
  client: IngestClient;
  stats: RunStats;
  /** Most events per request (ingest's MAX_BATCH). */
  maxBatch?: number;
  /** A student's buffer is posted once its oldest event has waited this long. */
  flushIntervalMs?: number;
  /** Bodies at least this large are gzip-compressed. */
  gzipMinBytes?: number;
  /** Requests in flight at once, all students together. */
  maxInFlight?: number;
  retry?: Pick<RetryOptions, 'attempts' | 'initialDelayMs' | 'maxDelayMs'>;
  now?: () => number;
  /**
   * Told of each request just before it is posted (retries included), with the time: lets a
   * benchmark tell the client's own buffering from the platform's latency.
   */
  onPost?: (events: readonly SimEvent[], atMs: number) => void;
  /** Told of each batch given up, for the log. */
  onGiveUp?: (error: SimulatorError, events: number) => void;
}

export const senderDefaults = {
  maxBatch: 100,
  flushIntervalMs: 1_000,
  gzipMinBytes: 2_048,
  maxInFlight: 64,
  // About a minute of retries on average: a restart of ingest or a Kafka leader election loses nothing.
  retry: { attempts: 12, initialDelayMs: 500, maxDelayMs: 15_000 },
} as const;

class Channel {
  buffer: SimEvent[] = [];
  firstAt = 0;
  inFlight = false;
  constructor(readonly tokens: TokenSource) {}
}

/**
 * Posts each student's events as the extension does: a buffer per student, sent when it holds
 * `maxBatch` events or its oldest is `flushIntervalMs` old, one request per student at a time (so
 * a student's events stay in order), gzip when large. Failed requests are retried with
 * exponential backoff and full jitter, waiting at least what `Retry-After` asks; shared's `retry`
 * cannot take a server-given delay, so the loop is here and the delay is shared's
 * `backoffDelay`. A batch is either acknowledged (accepted or rejected one by one) or counted
 * failed: nothing is dropped silently.
 */
export class BatchSender {
  private readonly channels: Channel[];
  private readonly pending = new Set<Channel>();
  private readonly running = new Set<Promise<void>>();
  private readonly stopper = new AbortController();
  private readonly waiters: (() => void)[] = [];
  private readonly settings: Required<
    Omit<SenderOptions, 'client' | 'stats' | 'onGiveUp' | 'onPost' | 'now'>
  >;
  private readonly now: () => number;
  private buffered = 0;
  private inFlightEvents = 0;
  private requestsInFlight = 0;
  private draining = false;

  constructor(
    tokens: readonly TokenSource[],
    private readonly options: SenderOptions,
  ) {
    this.channels = tokens.map((source) => new Channel(source));
    // Every request in flight and every retry waiting listens to the one stop signal.
    setMaxListeners(0, this.stopper.signal);
    this.now = options.now ?? Date.now;
    this.settings = {
      maxBatch: options.maxBatch ?? senderDefaults.maxBatch,
      flushIntervalMs: options.flushIntervalMs ?? senderDefaults.flushIntervalMs,
      gzipMinBytes: options.gzipMinBytes ?? senderDefaults.gzipMinBytes,
      maxInFlight: options.maxInFlight ?? senderDefaults.maxInFlight,
      retry: options.retry ?? senderDefaults.retry,
    };
  }

  /** Events buffered or in flight: what the scheduler holds back on. */
  get backlog(): number {
    return this.buffered + this.inFlightEvents;
  }

  enqueue(index: number, event: SimEvent): void {
    const channel = this.channels[index];
    if (!channel) throw new RangeError(`no student ${index}`);
    if (channel.buffer.length === 0) channel.firstAt = this.now();
    channel.buffer.push(event);
    this.buffered++;
    this.pending.add(channel);
    if (channel.buffer.length >= this.settings.maxBatch || this.draining) this.flush(channel);
  }

  /** Posts the buffers that are due. Called by the run's single timer. */
  sweep(): void {
    const due = this.now() - this.settings.flushIntervalMs;
    for (const channel of this.pending) {
      if (!channel.inFlight && channel.firstAt <= due) this.flush(channel);
    }
  }

  /**
   * Posts everything left and waits for every answer; past `timeoutMs` (or on `abort()`) the
   * requests still open are cancelled and their events counted failed with SIM_ABORTED.
   */
  async drain(timeoutMs: number): Promise<void> {
    this.draining = true;
    const deadline = this.now() + timeoutMs;
    for (;;) {
      for (const channel of this.pending) this.flush(channel);
      if (this.running.size === 0 && this.buffered === 0) break;
      const left = deadline - this.now();
      if (left <= 0 || this.stopper.signal.aborted) {
        this.abort();
        break;
      }
      await Promise.race([...this.running, abortableSleep(Math.min(left, 100), this.stopper.signal)]);
    }
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
    for (const channel of this.channels) {
      if (channel.buffer.length > 0) this.options.stats.countFailed('SIM_ABORTED', channel.buffer.length);
      this.buffered -= channel.buffer.length;
      channel.buffer = [];
    }
    this.pending.clear();
  }

  /** Cancels requests in flight and retries waiting (a second Ctrl-C). */
  abort(): void {
    this.stopper.abort();
  }

  private flush(channel: Channel): void {
    if (channel.inFlight || channel.buffer.length === 0 || this.stopper.signal.aborted) return;
    const batch = channel.buffer.splice(0, this.settings.maxBatch);
    this.buffered -= batch.length;
    if (channel.buffer.length === 0) this.pending.delete(channel);
    else channel.firstAt = this.now();
    channel.inFlight = true;
    this.inFlightEvents += batch.length;
    const delivery = this.deliver(channel, batch).finally(() => {
      channel.inFlight = false;
      this.inFlightEvents -= batch.length;
      this.running.delete(delivery);
      if (this.draining || channel.buffer.length >= this.settings.maxBatch) this.flush(channel);
    });
    this.running.add(delivery);
  }

  private async deliver(channel: Channel, batch: SimEvent[]): Promise<void> {
    const { stats } = this.options;
    const { retry } = this.settings;
    const signal = this.stopper.signal;
    const encoded = await encodeBatch(batch, this.settings.gzipMinBytes);
    stats.batches++;
    stats.sent += batch.length;
    if (encoded.gzipped) stats.gzippedBatches++;
    let refreshed = false;
    for (let attempt = 0; ; attempt++) {
      let failure: SimulatorError;
      try {
        await this.acquire();
        const started = this.now();
        try {
          if (signal.aborted) throw new SimulatorError('SIM_ABORTED', 'stopped before posting');
          stats.requests++;
          stats.bytesSent += encoded.bytes;
          this.options.onPost?.(batch, started);
          const answer = await this.options.client.post(encoded, channel.tokens.token(), signal);
          stats.latency.add(this.now() - started);
          stats.accepted += answer.accepted;
          for (const rejection of answer.rejected) stats.countRejected(rejection.error?.code ?? 'UNKNOWN');
          const unanswered = batch.length - answer.accepted - answer.rejected.length;
          if (unanswered > 0) stats.countFailed('SIM_INGEST_SERVER_ERROR', unanswered);
          return;
        } finally {
          this.release();
        }
      } catch (error) {
        failure =
          error instanceof SimulatorError
            ? error
            : new SimulatorError('SIM_INGEST_UNREACHABLE', String(error), { cause: error });
      }
      if (failure.code === 'SIM_INGEST_TOKEN_EXPIRED' && channel.tokens.refresh && !refreshed) {
        refreshed = true;
        try {
          await channel.tokens.refresh();
          continue;
        } catch (error) {
          failure = error instanceof SimulatorError ? error : failure;
        }
      }
      if (!failure.retriable || attempt + 1 >= retry.attempts || signal.aborted) {
        const code = signal.aborted ? 'SIM_ABORTED' : failure.code;
        stats.countFailed(code, batch.length);
        this.options.onGiveUp?.(failure, batch.length);
        return;
      }
      stats.countRetry(failure.code);
      const delayMs = (failure.retryAfterMs ?? 0) + backoffDelay(attempt, retry);
      if (!(await abortableSleep(delayMs, signal))) {
        stats.countFailed('SIM_ABORTED', batch.length);
        return;
      }
    }
  }

  private acquire(): Promise<void> {
    if (this.requestsInFlight < this.settings.maxInFlight) {
      this.requestsInFlight++;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.waiters.push(() => {
        this.requestsInFlight++;
        resolve();
      });
    });
  }

  private release(): void {
    this.requestsInFlight--;
    this.waiters.shift()?.();
  }
}
