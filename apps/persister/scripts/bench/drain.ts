import type { Admin } from 'kafkajs';
import { loadPersisterConfig } from '../../src/config.js';
import { startPersister } from '../../src/start.js';

export interface DrainResult {
  /** From the group's first partition assignment (to any member) to every offset committed. */
  seconds: number;
  /** From starting the persister (connections, group join included) to every offset committed. */
  totalSeconds: number;
  eventsPerSecond: number;
  /** Batches written, their mean size and mean duration (receive to commit). */
  batches: number;
  meanBatchRecords: number;
  meanBatchSeconds: number;
}

/**
 * Runs one consumer group of the persister (in this process, as main.ts would) over a full
 * topic and measures how fast it drains: the time from its partition assignment until the
 * group's committed offsets reach the end of every partition.
 */
export async function drainWithGroup(options: {
  env: Record<string, string>;
  admin: Admin;
  topic: string;
  groupId: string;
  count: number;
  onProgress?: (committed: number, seconds: number) => void;
}): Promise<DrainResult> {
  const started = performance.now();
  const persister = await startPersister(loadPersisterConfig(options.env), { opsServer: false });
  try {
    while (!persister.groups.some((member) => member.joined))
      await new Promise((resolve) => setTimeout(resolve, 5));
    const joined = performance.now();
    const ends = await options.admin.fetchTopicOffsets(options.topic);
    const total = ends.reduce((sum, end) => sum + Number(end.high), 0);
    let lastReport = joined;
    for (;;) {
      const [committed] = await options.admin.fetchOffsets({
        groupId: options.groupId,
        topics: [options.topic],
      });
      const done = (committed?.partitions ?? []).reduce(
        (sum, entry) => sum + Math.max(0, Number(entry.offset)),
        0,
      );
      const now = performance.now();
      if (done >= total) {
        const seconds = (now - joined) / 1_000;
        const metrics = await persister.metrics.getMetricsAsJSON();
        const sumOf = (name: string, suffix: string) =>
          metrics
            .find((metric) => metric.name === name)
            ?.values.filter((value) => (value as { metricName?: string }).metricName === `${name}${suffix}`)
            .reduce((sum, value) => sum + value.value, 0) ?? 0;
        const batches = sumOf('persister_batch_records', '_count');
        return {
          seconds,
          totalSeconds: (now - started) / 1_000,
          eventsPerSecond: options.count / seconds,
          batches,
          meanBatchRecords: sumOf('persister_batch_records', '_sum') / batches,
          meanBatchSeconds: sumOf('persister_batch_duration_seconds', '_sum') / batches,
        };
      }
      if (now - lastReport > 5_000) {
        options.onProgress?.(done, (now - joined) / 1_000);
        lastReport = now;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    await persister.close();
  }
}
