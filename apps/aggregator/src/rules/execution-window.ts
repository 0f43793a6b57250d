import { ACTIVITY_WINDOW_MS, MINUTE_WINDOW_MS } from './settings.js';

/** One execution result kept for the windows: [event time, 1 when it failed else 0, duration in ms or null]. */
export type WindowEntry = [time: number, failed: 0 | 1, durationMs: number | null];

/**
 * Entries are grouped by event time into buckets of this width, the unit the changelog persists:
 * a transaction rewrites the buckets that changed, so narrow buckets keep those writes small.
 */
export const WINDOW_BUCKET_MS = 5_000;

export interface WindowChanges {
  /** Buckets whose entries changed since the last drain, with all their entries. */
  upserts: [bucketStart: number, entries: WindowEntry[]][];
  /** Buckets that fell out of every window since the last drain. */
  deletes: number[];
}

/**
 * The execution results of one class over the last five minutes of event time, exact to the
 * millisecond: executionsLastMinute and errorsLastMinute count entries in [end - 60 s, end], the
 * median takes the durations in [end - 5 min, end]. Out-of-order entries are placed by their own
 * time; the caller decides which entries are too late to enter at all.
 */
export class ExecutionWindow {
  private readonly buckets = new Map<number, WindowEntry[]>();
  /** Per bucket: [executions, errors], so a bucket wholly inside the minute is not scanned entry by entry. */
  private readonly counts = new Map<number, [number, number]>();
  private readonly changed = new Set<number>();
  private readonly deleted = new Set<number>();

  /** Adds an entry unless it is older than every window ending at `windowEnd`; returns whether it was kept. */
  add(entry: WindowEntry, windowEnd: number): boolean {
    if (entry[0] < windowEnd - ACTIVITY_WINDOW_MS) return false;
    const start = bucketOf(entry[0]);
    let bucket = this.buckets.get(start);
    if (!bucket) {
      bucket = [];
      this.buckets.set(start, bucket);
      this.deleted.delete(start);
    }
    bucket.push(entry);
    this.count(start, entry);
    this.changed.add(start);
    return true;
  }

  /** Forgets the buckets entirely older than the five-minute window ending at `windowEnd`. */
  expire(windowEnd: number): void {
    const horizon = windowEnd - ACTIVITY_WINDOW_MS;
    for (const start of this.buckets.keys()) {
      if (start + WINDOW_BUCKET_MS <= horizon) {
        this.buckets.delete(start);
        this.counts.delete(start);
        this.changed.delete(start);
        this.deleted.add(start);
      }
    }
  }

  /** Executions and errors with event time in [windowEnd - 60 s, windowEnd]. */
  lastMinute(windowEnd: number): { executions: number; errors: number } {
    const from = windowEnd - MINUTE_WINDOW_MS;
    let executions = 0;
    let errors = 0;
    for (const [start, entries] of this.buckets) {
      if (start + WINDOW_BUCKET_MS <= from || start > windowEnd) continue;
      const counts = this.counts.get(start);
      // A bucket holds times in [start, start + WINDOW_BUCKET_MS): wholly inside, its counts do.
      if (counts && start >= from && start + WINDOW_BUCKET_MS <= windowEnd) {
        executions += counts[0];
        errors += counts[1];
        continue;
      }
      for (const [time, failed] of entries) {
        if (time < from || time > windowEnd) continue;
        if (failed === 1) errors++;
        else executions++;
      }
    }
    return { executions, errors };
  }

  /** Median duration of the entries in [windowEnd - 5 min, windowEnd] that have one; null when none do. */
  median(windowEnd: number): number | null {
    const from = windowEnd - ACTIVITY_WINDOW_MS;
    const durations: number[] = [];
    for (const [start, entries] of this.buckets) {
      if (start + WINDOW_BUCKET_MS <= from || start > windowEnd) continue;
      for (const [time, , duration] of entries) {
        if (duration !== null && time >= from && time <= windowEnd) durations.push(duration);
      }
    }
    return median(durations);
  }

  get size(): number {
    let size = 0;
    for (const entries of this.buckets.values()) size += entries.length;
    return size;
  }

  /** What changed since the previous call, for the changelog; resets the tracking. */
  drainChanges(): WindowChanges {
    const upserts: WindowChanges['upserts'] = [];
    for (const start of this.changed) {
      const entries = this.buckets.get(start);
      if (entries) upserts.push([start, entries]);
    }
    const deletes = [...this.deleted];
    this.changed.clear();
    this.deleted.clear();
    return { upserts, deletes };
  }

  /** Every bucket, as a restore after this one would need it. */
  allBuckets(): [number, WindowEntry[]][] {
    return [...this.buckets];
  }

  /** Puts back a bucket read from the changelog. */
  loadBucket(start: number, entries: WindowEntry[]): void {
    this.buckets.set(start, entries);
    this.counts.delete(start);
    for (const entry of entries) this.count(start, entry);
  }

  private count(start: number, [, failed]: WindowEntry): void {
    let counts = this.counts.get(start);
    if (!counts) {
      counts = [0, 0];
      this.counts.set(start, counts);
    }
    counts[failed]++;
  }
}

export function bucketOf(time: number): number {
  return Math.floor(time / WINDOW_BUCKET_MS) * WINDOW_BUCKET_MS;
}

/** The median of `values` (the mean of the two middle ones for an even count); null when empty. */
export function median(values: number[]): number | null {
  const n = values.length;
  if (n === 0) return null;
  const upper = select(values, Math.floor(n / 2));
  if (n % 2 === 1) return upper;
  // After select, everything left of n/2 is <= upper: the lower middle is their maximum.
  let lower = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n / 2; i++) lower = Math.max(lower, values[i] as number);
  return (lower + upper) / 2;
}

/** Quickselect: rearranges `values` so that values[k] is the k-th smallest, and returns it. O(n) on average. */
function select(values: number[], k: number): number {
  let left = 0;
  let right = values.length - 1;
  while (left < right) {
    const pivot = values[(left + right) >> 1] as number;
    let i = left;
    let j = right;
    while (i <= j) {
      while ((values[i] as number) < pivot) i++;
      while ((values[j] as number) > pivot) j--;
      if (i <= j) {
        const swap = values[i] as number;
        values[i] = values[j] as number;
        values[j] = swap;
        i++;
        j--;
      }
    }
    if (k <= j) right = j;
    else if (k >= i) left = i;
    else break;
  }
  return values[k] as number;
}
