/** Where reading a partition starts at start-up and the end it must reach to be caught up. */
export interface PartitionRange {
  topic: string;
  partition: number;
  /** First offset read: the low watermark, or for alerts the offset of ALERT_LOOKBACK_MS ago. */
  start: number;
  /** The high watermark when the range was taken. */
  end: number;
}

/**
 * Decides when the initial read of the topics is complete, so that snapshots are whole and
 * /ready may answer 200. A partition is caught up once the consumer's position (the offset after
 * the last record or transaction marker it read) reaches the end taken at start.
 *
 * The end is the high watermark, which read_committed cannot pass while a transaction is open,
 * and the last offsets of a compacted partition may be gone (an aborted transaction and its
 * marker, cleaned away). So the tracker also counts the consumer as caught up when its fetches
 * have returned nothing for `idleMs`: it is then at the end of what it can read.
 */
export class CatchUpTracker {
  private readonly lagging = new Map<string, PartitionRange>();
  private lastProgressAt: number;
  private failing = false;
  private done = false;
  private resolve: () => void = () => undefined;
  readonly caughtUp: Promise<void>;

  constructor(
    ranges: PartitionRange[],
    private readonly idleMs: number,
    private readonly clock: () => number = Date.now,
  ) {
    this.caughtUp = new Promise((resolve) => {
      this.resolve = resolve;
    });
    for (const range of ranges) {
      if (range.start < range.end) this.lagging.set(key(range.topic, range.partition), range);
    }
    this.lastProgressAt = clock();
    this.check();
  }

  get isCaughtUp(): boolean {
    return this.done;
  }

  /** Partitions not yet read to their end, for logs. */
  laggingPartitions(): PartitionRange[] {
    return [...this.lagging.values()];
  }

  /** The consumer read up to `nextOffset` (exclusive) of a partition. */
  advanced(topic: string, partition: number, nextOffset: number): void {
    this.lastProgressAt = this.clock();
    this.failing = false;
    const range = this.lagging.get(key(topic, partition));
    if (range && nextOffset >= range.end) this.lagging.delete(key(topic, partition));
    this.check();
  }

  /**
   * A fetch is starting: if nothing has been read for `idleMs`, the consumer is at the end.
   * Returns the partitions thereby taken as caught up short of their end (empty otherwise).
   */
  fetching(): PartitionRange[] {
    if (this.done || this.failing || this.clock() - this.lastProgressAt < this.idleMs) return [];
    const stalled = this.laggingPartitions();
    this.lagging.clear();
    this.check();
    return stalled;
  }

  /**
   * A fetch returned records (whether or not handling them succeeds), or the group was
   * (re)joined: the consumer is not idle. A consumer failing on records it cannot decode yet
   * (registry down) must not pass for one at the end of the topics.
   */
  active(): void {
    this.lastProgressAt = this.clock();
  }

  /** Handling records failed (kafkajs retries after a backoff): not idle until a batch succeeds. */
  failed(): void {
    this.failing = true;
  }

  private check(): void {
    if (!this.done && this.lagging.size === 0) {
      this.done = true;
      this.resolve();
    }
  }
}

const key = (topic: string, partition: number) => `${topic}\u0000${partition}`;
