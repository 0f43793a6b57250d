import type { SimEvent } from './events.js';
import { MinHeap } from './heap.js';
import type { Random } from './random.js';
import type { StudentModel } from './student.js';

/** Tokens at `ratePerSecond`, holding at most `capacity`: the run's overall event rate. */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    readonly ratePerSecond: number,
    readonly capacity: number,
    nowMs: number,
  ) {
    this.tokens = Math.min(1, capacity);
    this.last = nowMs;
  }

  /** Whole tokens available at `nowMs`, after refilling for the time since the last call. */
  available(nowMs: number): number {
    const elapsed = Math.max(0, nowMs - this.last);
    this.last = Math.max(this.last, nowMs);
    this.tokens = Math.min(this.capacity, this.tokens + (elapsed / 1000) * this.ratePerSecond);
    return Math.floor(this.tokens);
  }

  take(count: number): void {
    this.tokens -= count;
  }
}

interface Slot {
  /** When the student acts next, in virtual milliseconds. */
  due: number;
  /** Ties broken by insertion order, so the schedule is deterministic. */
  seq: number;
  index: number;
}

export interface PacerOptions {
  /** Events per second across all students. */
  rate: number;
  /** Students start at random virtual times within this span, so they do not all open at once. */
  startSpreadMs?: number;
  /** The bucket holds this many seconds of events: what a stalled event loop may catch up. */
  burstSeconds?: number;
  rng: Random;
  nowMs: number;
}

export interface Emitted {
  /** The student's index in the list the pacer was given. */
  index: number;
  event: SimEvent;
}

/**
 * Spreads the overall rate over the students without a timer per student: one heap ordered by
 * each student's next virtual due time, and one token bucket. Each tick the tokens earned since
 * the last tick are spent on the students due first; virtual time advances to each one's due time.
 * So the run sends exactly the target rate, while the students' think times keep their
 * proportions (the virtual clock runs as fast as the rate requires). Pure apart from `now`.
 */
export class Pacer {
  private readonly heap = new MinHeap<Slot>((a, b) => a.due < b.due || (a.due === b.due && a.seq < b.seq));
  private bucket: TokenBucket;
  private readonly burstSeconds: number;
  private seq = 0;
  private virtualNow = 0;

  constructor(
    private readonly students: readonly StudentModel[],
    options: PacerOptions,
  ) {
    this.burstSeconds = options.burstSeconds ?? 0.5;
    this.bucket = this.newBucket(options.rate, options.nowMs);
    const spread = options.startSpreadMs ?? 30_000;
    students.forEach((_, index) => {
      this.heap.push({ due: options.rng.uniform(0, spread), seq: this.seq++, index });
    });
  }

  /** Students still to act (those done with their sessions leave the heap). */
  get active(): number {
    return this.heap.size;
  }

  /** The students' clock, in virtual milliseconds since the run began. */
  get virtualMs(): number {
    return this.virtualNow;
  }

  /** The overall rate now, events per second. */
  get rate(): number {
    return this.bucket.ratePerSecond;
  }

  /**
   * Changes the overall rate from `nowMs` on (the benchmark's ramp). The new bucket starts
   * nearly empty, so a step up does not burst.
   */
  setRate(rate: number, nowMs: number): void {
    if (!(rate > 0) || !Number.isFinite(rate)) throw new RangeError(`rate must be positive, got ${rate}`);
    this.bucket = this.newBucket(rate, nowMs);
  }

  private newBucket(rate: number, nowMs: number): TokenBucket {
    return new TokenBucket(rate, Math.max(1, rate * this.burstSeconds), nowMs);
  }

  /** The events due at `nowMs`, at most `limit` (the sender's backpressure), in order. */
  tick(nowMs: number, limit = Number.POSITIVE_INFINITY): Emitted[] {
    const budget = Math.min(this.bucket.available(nowMs), limit);
    const emitted: Emitted[] = [];
    const now = new Date(nowMs);
    while (emitted.length < budget) {
      const slot = this.heap.pop();
      if (!slot) break;
      const student = this.students[slot.index];
      if (!student) continue;
      this.virtualNow = Math.max(this.virtualNow, slot.due);
      const step = student.next(now);
      emitted.push({ index: slot.index, event: step.event });
      if (!student.done)
        this.heap.push({ due: this.virtualNow + step.delayMs, seq: this.seq++, index: slot.index });
    }
    this.bucket.take(emitted.length);
    return emitted;
  }
}
