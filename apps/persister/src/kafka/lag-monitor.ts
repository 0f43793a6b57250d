import type { Logger } from '@cellstream/shared';
import type { Admin } from 'kafkajs';
import type { PersisterMetrics } from '../metrics.js';

/**
 * Consumer lag per group and partition from what is committed (high watermark minus committed
 * offset; a group that never committed lags by everything retained), refreshed every interval.
 * Read from the broker rather than from batches, so a paused or stuck partition shows its lag
 * growing.
 */
export class LagMonitor {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly admin: Admin,
    private readonly topic: string,
    private readonly groups: readonly string[],
    private readonly metrics: PersisterMetrics,
    private readonly logger: Logger,
  ) {}

  start(intervalMs: number): void {
    const tick = () => {
      this.running = this.refresh().catch((error: unknown) =>
        this.logger.debug({ err: error }, 'consumer lag could not be read'),
      );
      this.running.finally(() => {
        if (this.timer !== undefined) this.timer = setTimeout(tick, intervalMs);
      });
    };
    this.timer = setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  async refresh(): Promise<void> {
    const ends = await this.admin.fetchTopicOffsets(this.topic);
    for (const group of this.groups) {
      const [committed] = await this.admin.fetchOffsets({ groupId: group, topics: [this.topic] });
      const byPartition = new Map(
        committed?.partitions.map((entry) => [entry.partition, Number(entry.offset)]) ?? [],
      );
      for (const end of ends) {
        const offset = byPartition.get(end.partition) ?? -1;
        const from = offset >= 0 ? offset : Number(end.low);
        this.metrics.lag.set(
          { group, partition: String(end.partition) },
          Math.max(0, Number(end.high) - from),
        );
      }
    }
  }
}
