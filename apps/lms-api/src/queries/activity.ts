import { flux, fluxDateTime, fluxDuration, fluxString, type QueryApi } from '@influxdata/influxdb-client';
import { LmsError } from '../errors.js';

/**
 * Activity over time from InfluxDB's `student_progress` measurement (CONTRACT.md): executions
 * and errors per window, by Flux `aggregateWindow`. Every execution point carries the field
 * `success`, so counting that field counts events once. Windows are aligned to multiples of the
 * interval since the epoch (as `aggregateWindow` aligns them) and every window of the range is
 * answered, empty ones with zeros.
 */
export interface ActivityBucket {
  time: string;
  executions: number;
  errors: number;
}

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** `30s`, `1m`, `15m`, `1h`, `7d`… to milliseconds; undefined when malformed. */
export function durationMs(value: string): number | undefined {
  const match = /^([1-9]\d{0,4})([smhd])$/.exec(value);
  if (!match?.[1] || !match[2]) return undefined;
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

export const MAX_WINDOWS = 1_440;
export const MAX_RANGE_MS = 31 * UNIT_MS.d;

export async function classActivity(
  query: QueryApi,
  bucket: string,
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

  const userFilter = params.userId
    ? flux`|> filter(fn: (r) => r.userId == ${fluxString(params.userId)})`
    : flux``;
  const source = flux`from(bucket: ${fluxString(bucket)})
  |> range(start: ${fluxDateTime(new Date(start).toISOString())}, stop: ${fluxDateTime(new Date(stop).toISOString())})
  |> filter(fn: (r) => r._measurement == "student_progress" and r._field == "success")
  |> filter(fn: (r) => r.classId == ${fluxString(String(params.classId))})
  |> filter(fn: (r) => r.event == "cell_execution_complete" or r.event == "cell_execution_error")
  ${userFilter}
  |> group(columns: ["event"])
  |> aggregateWindow(every: ${fluxDuration(params.interval)}, fn: count, createEmpty: false)`;

  let rows: { _time: string; _value: number; event: string }[];
  try {
    rows = await query.collectRows(source);
  } catch (error) {
    throw new LmsError(
      'LMS_INFLUX_UNAVAILABLE',
      'InfluxDB did not answer the activity query; retry shortly.',
      {
        cause: error,
      },
    );
  }

  const buckets = new Map<number, ActivityBucket>();
  for (let time = start; time < stop; time += everyMs) {
    buckets.set(time, { time: new Date(time).toISOString(), executions: 0, errors: 0 });
  }
  for (const row of rows) {
    // aggregateWindow stamps each window with its end; we answer with its start.
    const bucket = buckets.get(Date.parse(row._time) - everyMs);
    if (!bucket) continue;
    if (row.event === 'cell_execution_error') bucket.errors += Number(row._value);
    else bucket.executions += Number(row._value);
  }
  return [...buckets.values()];
}
