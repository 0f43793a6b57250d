import type { ActivityBucket } from '../api/types';

/**
 * Executions and errors per minute, for the last-hour chart, from two sources that never
 * overlap, so nothing is counted twice:
 * - the seed: lms-api's activity endpoint (InfluxDB), for the minutes before the page started
 *   watching (before the minute of its first snapshot);
 * - live: from that minute on, the difference between consecutive aggregates' cumulative totals,
 *   placed in the minute of the newer one's windowEnd (event time).
 * The minute the page opened in shows only what happened after the snapshot.
 */
export const MINUTE_MS = 60_000;

export interface MinuteCounts {
  executions: number;
  errors: number;
}

/** Keyed by the minute's start, in ms since the epoch. */
export type ActivitySeries = ReadonlyMap<number, MinuteCounts>;

export interface Activity {
  seed: ActivitySeries;
  live: ActivitySeries;
  /** The minute of the first snapshot; null before it. */
  liveFrom: number | null;
}

export const emptyActivity: Activity = { seed: new Map(), live: new Map(), liveFrom: null };

/** Minutes kept; older ones fall off. */
const KEEP_MINUTES = 120;

export const minuteOf = (ms: number): number => Math.floor(ms / MINUTE_MS) * MINUTE_MS;

export function seedActivity(activity: Activity, buckets: readonly ActivityBucket[], now: number): Activity {
  const seed = new Map<number, MinuteCounts>();
  for (const bucket of buckets) {
    const time = Date.parse(bucket.time);
    if (!Number.isFinite(time)) continue;
    seed.set(minuteOf(time), { executions: bucket.executions, errors: bucket.errors });
  }
  return { ...activity, seed: prune(seed, now) };
}

/** The page saw its first snapshot: from this minute on, the chart counts what it sees live. */
export function startLive(activity: Activity, now: number): Activity {
  return activity.liveFrom === null ? { ...activity, liveFrom: minuteOf(now) } : activity;
}

export function addActivity(
  activity: Activity,
  at: number,
  executions: number,
  errors: number,
  now: number,
): Activity {
  if (executions <= 0 && errors <= 0) return activity;
  const live = new Map(activity.live);
  // Late events count in the first live minute, never in the seed's minutes.
  const minute = Math.max(minuteOf(at), activity.liveFrom ?? minuteOf(at));
  const current = live.get(minute) ?? { executions: 0, errors: 0 };
  live.set(minute, {
    executions: current.executions + Math.max(0, executions),
    errors: current.errors + Math.max(0, errors),
  });
  return { ...activity, live: prune(live, now) };
}

function prune(series: Map<number, MinuteCounts>, now: number): Map<number, MinuteCounts> {
  const oldest = minuteOf(now) - KEEP_MINUTES * MINUTE_MS;
  for (const minute of series.keys()) if (minute < oldest) series.delete(minute);
  return series;
}

export function countsAt(activity: Activity, minute: number): MinuteCounts | undefined {
  const fromLive = activity.liveFrom !== null && minute >= activity.liveFrom;
  return fromLive ? activity.live.get(minute) : activity.seed.get(minute);
}

export interface ActivityWindow {
  /** Minute starts in seconds (uPlot's x unit). */
  times: number[];
  executions: number[];
  errors: number[];
}

/** The `minutes` minutes ending with the current one, zero where nothing happened. */
export function activityWindow(activity: Activity, now: number, minutes = 60): ActivityWindow {
  const last = minuteOf(now);
  const window: ActivityWindow = { times: [], executions: [], errors: [] };
  for (let i = minutes - 1; i >= 0; i--) {
    const minute = last - i * MINUTE_MS;
    const counts = countsAt(activity, minute);
    window.times.push(minute / 1000);
    window.executions.push(counts?.executions ?? 0);
    window.errors.push(counts?.errors ?? 0);
  }
  return window;
}

export const sum = (values: readonly number[]): number => values.reduce((total, value) => total + value, 0);
