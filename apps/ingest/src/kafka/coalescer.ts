/**
 * Coalesces the records of concurrent HTTP requests into fewer Kafka produce calls.
 *
 * While a produce call is in flight, the records of requests that arrive meanwhile wait in a
 * queue; when it completes, everything queued (up to `maxBytes`) goes out in the next call.
 * Under load this turns many 100-record requests into one larger request, which is what lets
 * an idempotent producer (one request in flight per broker) keep up. Each submission still
 * settles only when the call carrying its own records settles: a request is never acknowledged
 * for records Kafka has not acknowledged, and a failed call fails every submission in it.
 *
 * A submission larger than `maxBytes` is split into chunks sent by consecutive calls, so that no
 * produce request exceeds the broker's record-batch size limit even when every record of a batch
 * goes to the same partition.
 *
 * A submission still queued can be withdrawn (`cancel`): the caller answered 503 and its records
 * must then never be sent. Once handed to Kafka it cannot be withdrawn.
 */
export interface Submission {
  /** Settles when Kafka acknowledged every record of the submission, or any part of it failed. */
  done: Promise<void>;
  /** Withdraws the parts not yet handed to Kafka; true when nothing of it was handed over. */
  cancel(): boolean;
}

interface Part<M> {
  messages: M[];
  bytes: number;
  state: 'queued' | 'sending' | 'settled' | 'cancelled';
  resolve(): void;
  reject(error: unknown): void;
}

export interface CoalescerOptions<M> {
  /** Upper bound of the bytes of one call (one message larger than this is sent alone). */
  maxBytes: number;
  /** Produce calls in flight at once; 1 keeps an idempotent producer's requests strictly ordered. */
  maxConcurrent?: number;
  sizeOf(message: M): number;
}

export class SendCoalescer<M> {
  private queue: Part<M>[] = [];
  private inFlight = 0;
  private idleWaiters: (() => void)[] = [];
  private inFlightSince: number[] = [];
  private readonly maxConcurrent: number;

  constructor(
    private readonly send: (messages: M[]) => Promise<void>,
    private readonly options: CoalescerOptions<M>,
  ) {
    this.maxConcurrent = options.maxConcurrent ?? 1;
  }

  /** Records queued and not yet handed to Kafka. */
  get queued(): number {
    return this.queue.reduce((sum, part) => sum + part.messages.length, 0);
  }

  /** Bytes queued and not yet handed to Kafka. */
  get queuedBytes(): number {
    return this.queue.reduce((sum, part) => sum + part.bytes, 0);
  }

  /** When the oldest call still in flight started (performance.now()), or undefined when none is. */
  get oldestInFlightSince(): number | undefined {
    return this.inFlightSince.length > 0 ? Math.min(...this.inFlightSince) : undefined;
  }

  submit(messages: M[]): Submission {
    const parts = this.split(messages);
    const done = Promise.all(parts.map((part) => part.promise)).then(() => undefined);
    done.catch(() => undefined); // rejected on cancel, when nobody listens any more
    this.queue.push(...parts.map((part) => part.part));
    this.drain();
    return {
      done,
      cancel: () => {
        let untouched = true;
        for (const { part } of parts) {
          if (part.state === 'queued') {
            part.state = 'cancelled';
            part.reject(new Error('cancelled'));
          } else untouched = false;
        }
        this.queue = this.queue.filter((part) => part.state === 'queued');
        return untouched;
      },
    };
  }

  /** Resolves once nothing is queued or in flight. */
  idle(): Promise<void> {
    if (this.inFlight === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private split(messages: M[]): { part: Part<M>; promise: Promise<void> }[] {
    const chunks: { messages: M[]; bytes: number }[] = [];
    let current: { messages: M[]; bytes: number } = { messages: [], bytes: 0 };
    for (const message of messages) {
      const size = this.options.sizeOf(message);
      if (current.messages.length > 0 && current.bytes + size > this.options.maxBytes) {
        chunks.push(current);
        current = { messages: [], bytes: 0 };
      }
      current.messages.push(message);
      current.bytes += size;
    }
    if (current.messages.length > 0) chunks.push(current);
    return chunks.map((chunk) => {
      let resolve!: () => void;
      let reject!: (error: unknown) => void;
      const promise = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      // A cancelled part rejects; its caller has already stopped listening.
      promise.catch(() => undefined);
      return { part: { ...chunk, state: 'queued', resolve, reject }, promise };
    });
  }

  private drain(): void {
    while (this.inFlight < this.maxConcurrent && this.queue.length > 0) {
      const batch: Part<M>[] = [];
      let bytes = 0;
      while (this.queue.length > 0) {
        const next = this.queue[0] as Part<M>;
        if (batch.length > 0 && bytes + next.bytes > this.options.maxBytes) break;
        this.queue.shift();
        batch.push(next);
        bytes += next.bytes;
      }
      for (const part of batch) part.state = 'sending';
      this.inFlight++;
      const since = performance.now();
      this.inFlightSince.push(since);
      const messages =
        batch.length === 1 ? (batch[0] as Part<M>).messages : batch.flatMap((part) => part.messages);
      Promise.resolve(messages)
        .then(this.send)
        .then(
          () => this.settle(batch, since),
          (error: unknown) => this.settle(batch, since, error),
        );
    }
    if (this.inFlight === 0 && this.queue.length === 0) {
      for (const resolve of this.idleWaiters.splice(0)) resolve();
    }
  }

  private settle(batch: Part<M>[], since: number, error?: unknown): void {
    this.inFlight--;
    this.inFlightSince.splice(this.inFlightSince.indexOf(since), 1);
    for (const part of batch) {
      part.state = 'settled';
      if (error === undefined) part.resolve();
      else part.reject(error);
    }
    this.drain();
  }
}
