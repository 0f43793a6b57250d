import { backoffDelay, deliveryDefaults } from './backoff.js';
import { DeliveryError } from './errors.js';
import type { LearningEvent } from './events.js';
import type { Outbox, Queued } from './outbox.js';
import type { Transport } from './transport.js';

/** What the status bar shows. */
export interface DeliveryStatus {
  /** `connected`: the last request went through; `retrying`: waiting to try again; `idle`: nothing sent yet. */
  state: 'idle' | 'connected' | 'retrying';
  queued: number;
  /** Dropped because the outbox was full (oldest first). */
  dropped: number;
  /** Refused by ingest one by one (invalid events): never retried. */
  rejected: number;
  lastError?: { code: string; message: string };
  /** When the next retry is due (ms since the epoch), while retrying. */
  nextAttemptAt?: number;
}

export interface DeliveryOptions {
  outbox: Outbox;
  transport: Transport;
  maxBatch?: number;
  flushIntervalMs?: number;
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  keepaliveBudgetBytes?: number;
  random?: () => number;
  onStatus?: (status: DeliveryStatus) => void;
  log?: (message: string, detail?: unknown) => void;
}

/**
 * Gets events from the outbox to ingest, losing none:
 * - an event is removed from the outbox only once ingest answered 202 for it (accepted, or
 *   rejected as invalid, which no retry would change);
 * - batches of up to `maxBatch`, sent when that many wait or `flushIntervalMs` after the first;
 * - on a network error, 401/403, 429, 5xx the batch stays and is tried again after an
 *   exponential, jittered backoff that never undercuts `Retry-After`;
 * - one request in flight at a time, so the outbox order is the send order;
 * - on page close what is left goes out with `fetch(keepalive)` and stays in the outbox: ingest
 *   is idempotent on `eventId`, so the next page load sending it again does no harm.
 */
export class Delivery {
  private readonly maxBatch: number;
  private readonly flushIntervalMs: number;
  private readonly baseBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly keepaliveBudgetBytes: number;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private timerDueAt = 0;
  private inFlight: Promise<void> | undefined;
  private attempt = 0;
  /** Halved after a 413, so an oversized batch gets through in parts. */
  private batchLimit: number;
  private closed = false;
  /** Events not yet confirmed, kept in memory for the keepalive flush (IndexedDB is async). */
  private readonly unconfirmed = new Map<string, LearningEvent>();
  private status: DeliveryStatus = { state: 'idle', queued: 0, dropped: 0, rejected: 0 };

  constructor(private readonly options: DeliveryOptions) {
    this.maxBatch = options.maxBatch ?? deliveryDefaults.maxBatch;
    this.flushIntervalMs = options.flushIntervalMs ?? deliveryDefaults.flushIntervalMs;
    this.baseBackoffMs = options.baseBackoffMs ?? deliveryDefaults.baseBackoffMs;
    this.maxBackoffMs = options.maxBackoffMs ?? deliveryDefaults.maxBackoffMs;
    this.keepaliveBudgetBytes = options.keepaliveBudgetBytes ?? deliveryDefaults.keepaliveBudgetBytes;
    this.batchLimit = this.maxBatch;
  }

  /** Picks up what an earlier page left in the outbox and sends it. */
  async start(): Promise<void> {
    const queued = await this.options.outbox.count();
    this.update({ queued });
    if (queued > 0) this.schedule(0);
  }

  get current(): DeliveryStatus {
    return this.status;
  }

  async enqueue(event: LearningEvent): Promise<void> {
    if (this.closed) return;
    this.unconfirmed.set(event.eventId, event);
    const dropped = await this.options.outbox.add([event]);
    if (dropped > 0) {
      this.options.log?.(`outbox full: dropped the ${dropped} oldest event(s)`);
      // The memory copy follows the outbox (a Map iterates oldest first).
      for (const eventId of [...this.unconfirmed.keys()].slice(0, dropped)) this.unconfirmed.delete(eventId);
    }
    const queued = this.status.queued + 1 - dropped;
    this.update({ queued, dropped: this.status.dropped + dropped });
    if (this.status.state === 'retrying') return; // the backoff timer decides
    this.schedule(queued >= this.batchLimit ? 0 : this.flushIntervalMs);
  }

  /** Sends now, whatever the timers say (e.g. after the token changed); resets the backoff. */
  async flush(): Promise<void> {
    this.attempt = 0;
    this.clearTimer();
    await this.run();
  }

  /**
   * The page is going: sends what is unconfirmed with keepalive requests (within the browser's
   * keepalive budget, oldest first), without waiting for answers. Synchronous on purpose.
   */
  flushOnUnload(extra: LearningEvent[] = []): void {
    for (const event of extra) this.unconfirmed.set(event.eventId, event);
    const events = [...this.unconfirmed.values()];
    let budget = this.keepaliveBudgetBytes;
    for (let i = 0; i < events.length && budget > 0; i += this.maxBatch) {
      let batch = events.slice(i, i + this.maxBatch);
      let size = JSON.stringify(batch).length;
      while (size > budget && batch.length > 1) {
        batch = batch.slice(0, Math.ceil(batch.length / 2));
        size = JSON.stringify(batch).length;
      }
      if (size > budget) break;
      budget -= size;
      this.options.transport(batch, { keepalive: true }).catch(() => undefined);
    }
  }

  /** Stops the timers; the outbox keeps what was not sent. */
  close(): void {
    this.closed = true;
    this.clearTimer();
  }

  private schedule(delayMs: number): void {
    if (this.closed) return;
    const dueAt = Date.now() + delayMs;
    // An earlier timer already covers this; a later one is brought forward.
    if (this.timer !== undefined && this.timerDueAt <= dueAt) return;
    this.clearTimer();
    this.timerDueAt = dueAt;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.run();
    }, delayMs);
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private run(): Promise<void> {
    // One request at a time: a second caller waits for the loop that is already draining.
    this.inFlight ??= this.drain().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async drain(): Promise<void> {
    while (!this.closed) {
      const batch = await this.options.outbox.peek(this.batchLimit);
      if (batch.length === 0) {
        this.update({ queued: 0 });
        return;
      }
      const outcome = await this.sendOne(batch);
      if (outcome === 'stop') return;
    }
  }

  private async sendOne(batch: Queued[]): Promise<'continue' | 'stop'> {
    const { transport, log } = this.options;
    try {
      const answer = await transport(batch.map((item) => item.event));
      for (const rejection of answer.rejected) {
        log?.(`ingest rejected event ${rejection.eventId ?? rejection.index}: ${rejection.error}`);
      }
      await this.confirm(batch, answer.rejected.length);
      this.attempt = 0;
      this.batchLimit = Math.min(this.maxBatch, this.batchLimit * 2);
      this.update({ state: 'connected', lastError: undefined, nextAttemptAt: undefined });
      return 'continue';
    } catch (error) {
      const failure =
        error instanceof DeliveryError
          ? error
          : new DeliveryError('CS_NETWORK', String(error), { retriable: true, cause: error });
      const lastError = { code: failure.code, message: failure.message };
      if (failure.code === 'CS_TOO_LARGE') {
        if (batch.length > 1) {
          this.batchLimit = Math.ceil(batch.length / 2);
          this.update({ lastError });
          return 'continue';
        }
        log?.('ingest refused an event as too large; dropped', batch[0]?.event.eventId);
        await this.confirm(batch, 1);
        this.update({ lastError });
        return 'continue';
      }
      if (!failure.retriable) {
        // The whole batch was refused as malformed: sending it again would be refused again.
        log?.(`ingest refused the batch (${failure.message}); dropped ${batch.length} event(s)`);
        await this.confirm(batch, batch.length);
        this.update({ lastError });
        return 'continue';
      }
      this.attempt += 1;
      const delay = backoffDelay(this.attempt, {
        baseMs: this.baseBackoffMs,
        maxMs: this.maxBackoffMs,
        retryAfterMs: failure.options.retryAfterMs,
        random: this.options.random,
      });
      log?.(`delivery failed (${failure.code}); retry ${this.attempt} in ${delay} ms`, failure);
      this.update({ state: 'retrying', lastError, nextAttemptAt: Date.now() + delay });
      this.clearTimer();
      this.schedule(delay);
      return 'stop';
    }
  }

  /** Removes a batch ingest answered for; `refused` of them count as rejected. */
  private async confirm(batch: Queued[], refused: number): Promise<void> {
    await this.options.outbox.remove(batch.map((item) => item.seq));
    for (const item of batch) this.unconfirmed.delete(item.event.eventId);
    const queued = await this.options.outbox.count();
    this.update({ queued, rejected: this.status.rejected + refused });
  }

  private update(changes: Partial<DeliveryStatus>): void {
    this.status = { ...this.status, ...changes };
    this.options.onStatus?.(this.status);
  }
}
