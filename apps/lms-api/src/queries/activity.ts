import type { InfluxQl } from '@cellstream/shared';
import { LmsError } from '../errors.js';

/**
 * Activity over time from InfluxDB: executions and errors per window, counted by InfluxQL.
 * A class's chart sums `class_activity_1m` (the persister's count per class, type and minute)
 * when the window is whole minutes, and counts `class_activity` (one point per finished
 * execution of a class, two series per class) otherwise; one student's counts
 * `student_progress` (CONTRACT.md), whose every execution point carries the field `success`, in
 * that student's few series. Windows are aligned to multiples of the interval since the epoch
 * (as InfluxQL's `GROUP BY time` aligns them) and every window of the range is answered, empty
 * ones with zeros.
 */
export interface ActivityBucket {
  time: string;
  executions: number;
  errors: number;
}

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const MINUTE_MS = UNIT_MS.m;

/** `30s`, `1m`, `15m`, `1h`, `7d`… to milliseconds; undefined when malformed. */
export function durationMs(value: string): number | undefined {
  const match = /^([1-9]\d{0,4})([smhd])$/.exec(value);
  if (!match?.[1] || !match[2]) return undefined;
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

export const MAX_WINDOWS = 1_440;
export const MAX_RANGE_MS = 31 * UNIT_MS.d;

export async function classActivity(
  influx: InfluxQl,
  params: { classId: number; interval: string; range: string; userId?: string; now?: number },
): Promise<ActivityBucket[]> {
  const everyMs = durationMs(params.interval);
  const rangeMs = durationMs(params.range);
  if (everyMs === undefined || rangeMs === undefined) {
    throw new LmsError('LMS_VALIDATION', 'interval and range are durations such as 30s, 1m, 1h or 7d.');
  }
  if (rangeMs > MAX_RANGE_MS) throw new LmsError('LMS_VALIDATION', 'range is at most 31d.');
  if (rangeMs / everyMs > MAX_WINDOWS) {
    throw new LmsError(
      'LMS_VALIDATION',
      `range / interval is at most ${MAX_WINDOWS} windows: widen the interval.`,
    );
  }
  const now = params.now ?? Date.now();
  const stop = Math.floor(now / everyMs) * everyMs + everyMs;
  const start = Math.floor((now - rangeMs) / everyMs) * everyMs + everyMs;

  // The interval is validated above (digits and a unit), the times are numbers we computed; the
  // ids go as bound parameters.
  const window = `time >= ${start}ms AND time < ${stop}ms GROUP BY time(${params.interval}), "event" fill(none)`;
  const series = params.userId
    ? await influx.run(
        `SELECT count("success") FROM ${influx.from('student_progress')}
         WHERE "classId" = $classId AND "userId" = $userId
           AND ("event" = 'cell_execution_complete' OR "event" = 'cell_execution_error') AND ${window}`,
        { classId: String(params.classId), userId: params.userId },
      )
    : everyMs % MINUTE_MS === 0
      ? await influx.run(
          `SELECT sum("n") FROM ${influx.from('class_activity_1m')} WHERE "classId" = $classId AND ${window}`,
          { classId: String(params.classId) },
        )
      : await influx.run(
          `SELECT count("n") FROM ${influx.from('class_activity')} WHERE "classId" = $classId AND ${window}`,
          { classId: String(params.classId) },
        );

  const buckets = new Map<number, ActivityBucket>();
  for (let time = start; time < stop; time += everyMs) {
    buckets.set(time, { time: new Date(time).toISOString(), executions: 0, errors: 0 });
  }
  for (const { tags, values } of series) {
    const errors = tags?.event === 'cell_execution_error';
    for (const [time, count] of values ?? []) {
      // InfluxQL stamps each window with its start.
      const bucket = buckets.get(Number(time));
      if (!bucket) continue;
      if (errors) bucket.errors += Number(count);
      else bucket.executions += Number(count);
    }
  }
  return [...buckets.values()];
}
