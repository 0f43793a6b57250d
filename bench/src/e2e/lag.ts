import type { Admin } from 'kafkajs';

export interface LagPoint {
  /** Seconds since the run's origin. */
  t: number;
  /** Records behind the end of the events topic, per consumer group. */
  lag: Record<string, number>;
  /** Sum of the events topic's end offsets: records in Kafka so far. */
  endOffsets: number;
}

/** Records behind per group: end offset minus committed offset (the start when none is committed). */
export function groupLag(
  ends: readonly { partition: number; high: string; low: string }[],
  committed: readonly { partition: number; offset: string }[],
): number {
  let lag = 0;
  for (const end of ends) {
    const mine = committed.find((entry) => entry.partition === end.partition);
    const offset = mine && Number(mine.offset) >= 0 ? Number(mine.offset) : Number(end.low);
    lag += Math.max(0, Number(end.high) - offset);
  }
  return lag;
}

/** Samples each consumer group's lag on the events topic every `intervalMs`, with kafkajs' admin. */
export class LagSampler {
  readonly points: LagPoint[] = [];
  errors = 0;
  private timer: NodeJS.Timeout | undefined;
  private busy = false;

  constructor(
    private readonly admin: Admin,
    private readonly topic: string,
    private readonly groups: Record<string, string>,
    private readonly originMs: number,
    private readonly intervalMs = 2_000,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.sample(), this.intervalMs);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  async sample(): Promise<LagPoint | undefined> {
    if (this.busy) return undefined;
    this.busy = true;
    const at = Date.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      // A broker too busy to answer must not stop the sampling: give up on this sample after a while.
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('lag sample timed out')), this.intervalMs * 5);
      });
      const point = await Promise.race([this.read(at), timeout]);
      this.points.push(point);
      return point;
    } catch {
      this.errors++;
      return undefined;
    } finally {
      clearTimeout(timer);
      this.busy = false;
    }
  }

  private async read(at: number): Promise<LagPoint> {
    const ends = await this.admin.fetchTopicOffsets(this.topic);
    const entries = await Promise.all(
      Object.entries(this.groups).map(async ([label, groupId]) => {
        const [offsets] = await this.admin.fetchOffsets({ groupId, topics: [this.topic] });
        return [label, groupLag(ends, offsets?.partitions ?? [])] as const;
      }),
    );
    return {
      t: (at - this.originMs) / 1000,
      lag: Object.fromEntries(entries),
      endOffsets: ends.reduce((sum, end) => sum + Number(end.high), 0),
    };
  }
}
