import { describe, expect, it } from 'vitest';
import {
  ExecutionWindow,
  median,
  WINDOW_BUCKET_MS,
  type WindowEntry,
} from '../../src/rules/execution-window.js';
import { MINUTE, SECOND, T0 } from '../support/events.js';

describe('ExecutionWindow (event time)', () => {
  it('counts the last minute inclusively at both ends: [end - 60 s, end]', () => {
    const window = new ExecutionWindow();
    const end = T0 + 10 * MINUTE;
    window.add([end - MINUTE - 1, 0, null], end); // one millisecond too old
    window.add([end - MINUTE, 0, null], end); // exactly at windowStart
    window.add([end - 30 * SECOND, 1, null], end);
    window.add([end, 0, null], end); // exactly at windowEnd
    expect(window.lastMinute(end)).toEqual({ executions: 2, errors: 1 });
    // The window slides with the class clock: a second later the entry at windowStart is out.
    expect(window.lastMinute(end + SECOND)).toEqual({ executions: 1, errors: 1 });
  });

  it('counts the minute exactly whether buckets are summed whole or scanned, also after a restore', () => {
    const window = new ExecutionWindow();
    const entries: WindowEntry[] = [];
    let seed = 7;
    const next = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    const end = T0 + 5 * MINUTE;
    for (let i = 0; i < 2_000; i++) {
      const entry: WindowEntry = [end - Math.floor(next() * 2 * MINUTE), next() < 0.3 ? 1 : 0, null];
      if (window.add(entry, end)) entries.push(entry);
    }
    const restored = new ExecutionWindow();
    for (const [start, bucket] of window.allBuckets()) restored.loadBucket(start, [...bucket]);
    for (let offset = -MINUTE; offset <= 0; offset += 1_234) {
      const at = end + offset;
      const inMinute = entries.filter(([time]) => time >= at - MINUTE && time <= at);
      const truth = {
        executions: inMinute.filter(([, failed]) => failed === 0).length,
        errors: inMinute.filter(([, failed]) => failed === 1).length,
      };
      expect(window.lastMinute(at)).toEqual(truth);
      expect(restored.lastMinute(at)).toEqual(truth);
    }
  });

  it('places out-of-order entries by their own time', () => {
    const window = new ExecutionWindow();
    const end = T0 + 5 * MINUTE;
    window.add([end, 0, 100], end);
    window.add([end - 50 * SECOND, 1, 300], end); // arrives later, happened earlier
    window.add([end - 2 * MINUTE, 0, 200], end); // outside the minute, inside the five minutes
    expect(window.lastMinute(end)).toEqual({ executions: 1, errors: 1 });
    expect(window.median(end)).toBe(200);
  });

  it('ignores entries older than every window and expires whole buckets', () => {
    const window = new ExecutionWindow();
    const end = T0 + 20 * MINUTE;
    expect(window.add([end - 5 * MINUTE - 1, 0, 10], end)).toBe(false);
    expect(window.add([end - 5 * MINUTE, 0, 10], end)).toBe(true);
    window.drainChanges();
    window.expire(end + 5 * MINUTE + WINDOW_BUCKET_MS + 1);
    expect(window.size).toBe(0);
    const changes = window.drainChanges();
    expect(changes.upserts).toEqual([]);
    expect(changes.deletes).toHaveLength(1);
  });

  it('reports each changed bucket once with all its entries, for the changelog', () => {
    const window = new ExecutionWindow();
    const end = T0 + MINUTE + 2 * SECOND;
    window.add([end - 1, 0, 1], end);
    window.add([end, 1, 2], end);
    const changes = window.drainChanges();
    expect(changes.upserts).toHaveLength(1);
    expect(changes.upserts[0]?.[1]).toEqual([
      [end - 1, 0, 1],
      [end, 1, 2],
    ]);
    expect(window.drainChanges()).toEqual({ upserts: [], deletes: [] });
  });

  it('takes the median of the durations in the last five minutes, null when there are none', () => {
    const window = new ExecutionWindow();
    const end = T0 + 10 * MINUTE;
    expect(window.median(end)).toBeNull();
    window.add([end - 6 * MINUTE, 0, 1_000], end - 6 * MINUTE); // old by the time the clock is at end
    window.add([end - 4 * MINUTE, 0, 10], end);
    window.add([end - 3 * MINUTE, 1, null], end); // no duration: not part of the median
    window.add([end - 2 * MINUTE, 0, 30], end);
    expect(window.median(end)).toBe(20);
  });
});

describe('median', () => {
  it('matches sorting on random inputs, odd and even sizes, with duplicates', () => {
    for (let round = 0; round < 200; round++) {
      const values = Array.from({ length: 1 + (round % 37) }, () => Math.floor(Math.random() * 20));
      const sorted = [...values].sort((a, b) => a - b);
      const n = sorted.length;
      const expected =
        n % 2 === 1 ? sorted[(n - 1) / 2] : ((sorted[n / 2 - 1] as number) + (sorted[n / 2] as number)) / 2;
      expect(median(values)).toBe(expected);
    }
  });
});
