import type { Admin } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { DashboardFleet, timeOf } from '../src/e2e/dashboards.js';
import { groupLag, LagSampler } from '../src/e2e/lag.js';
import { PostLedger } from '../src/e2e/post-ledger.js';
import { acceptedRate, lagVerdicts, rateOf } from '../src/e2e/run.js';

const T = Date.parse('2026-11-29T12:00:00.000Z');

describe('the post ledger', () => {
  it('finds when an event was posted, and forgets events past its window', () => {
    const ledger = new PostLedger(10_000);
    ledger.record([{ userId: 'a', eventTime: new Date(T).toISOString() }], T + 900);
    // A retry of the same event moves its time.
    ledger.record([{ userId: 'a', eventTime: new Date(T).toISOString() }], T + 1_500);
    ledger.record([{ userId: 'b', eventTime: new Date(T + 5).toISOString() }], T + 1_600);
    expect(ledger.postedAt('a', T)).toBe(T + 1_500);
    expect(ledger.postedAt('b', T + 5)).toBe(T + 1_600);
    expect(ledger.postedAt('a', T + 1)).toBeUndefined();
    ledger.record([{ userId: 'c', eventTime: new Date(T + 20_000).toISOString() }], T + 11_550);
    expect(ledger.postedAt('a', T)).toBeUndefined();
    expect(ledger.postedAt('b', T + 5)).toBe(T + 1_600);
    expect(ledger.size).toBe(2);
  });
});

describe('a dashboard', () => {
  it('times each new event of a student once, from eventTime and from its post', () => {
    const ledger = new PostLedger();
    ledger.record([{ userId: 'u1', eventTime: new Date(T).toISOString() }], T + 1_000);
    let now = T + 1_300;
    const fleet = new DashboardFleet(ledger, () => now);
    const status = (lastEventTime: unknown, userId = 'u1') =>
      JSON.stringify({ type: 'student_status', classId: '7', userId, status: 'active', lastEventTime });
    fleet.onMessage(status(T));
    now = T + 1_800;
    fleet.onMessage(status(new Date(T).toISOString())); // the same event again: not measured
    fleet.onMessage(status(T + 100, 'u2')); // not posted through this run's ledger
    fleet.onMessage(JSON.stringify({ type: 'class_aggregate', classId: '7' }));
    fleet.onMessage('not json');
    expect(fleet.counters).toMatchObject({ updates: 3, measured: 2, matched: 1, errors: 1 });
    expect(fleet.fromEvent.summary()).toMatchObject({ count: 2, max: 1_700 });
    expect(fleet.fromPost.summary()).toMatchObject({ count: 1, p50: 300 });
  });

  it('reads timestamps as numbers or ISO strings', () => {
    expect(timeOf(T)).toBe(T);
    expect(timeOf(new Date(T).toISOString())).toBe(T);
    expect(timeOf('yesterday')).toBeUndefined();
    expect(timeOf(null)).toBeUndefined();
  });
});

describe('lag and rates', () => {
  it('counts a group with no committed offset from the start of the partition', () => {
    const ends = [
      { partition: 0, high: '100', low: '0' },
      { partition: 1, high: '50', low: '10' },
    ];
    expect(
      groupLag(ends, [
        { partition: 0, offset: '90' },
        { partition: 1, offset: '-1' },
      ]),
    ).toBe(50);
    expect(groupLag(ends, [])).toBe(140);
  });

  it('judges each group over a window and measures the accepted rate between samples', () => {
    const points = Array.from({ length: 20 }, (_, i) => ({
      t: i * 2,
      lag: { pg: i * 1_000, aggregator: 100 },
      endOffsets: i * 10_000,
    }));
    const verdicts = lagVerdicts(points, 0, 40, 5_000, ['pg', 'aggregator']);
    expect(verdicts.pg?.bounded).toBe(false);
    expect(verdicts.aggregator?.bounded).toBe(true);
    const samples = [0, 1, 2, 3, 4].map((t) => ({
      t,
      offered: 100,
      generated: t * 100,
      backlog: 0,
      accepted: t * 90,
      failed: 0,
      updates: 0,
      pgRows: 0,
    }));
    expect(acceptedRate(samples, 1, 4)).toBe(90);
    expect(acceptedRate(samples, 10, 20)).toBe(0);
    expect(rateOf(samples, 0, 4, (sample) => sample.generated)).toBe(100);
  });
});

describe('the lag sampler', () => {
  it('reads every group against the end offsets, and gives up on a sample the broker does not answer', async () => {
    let calls = 0;
    const admin = {
      fetchTopicOffsets: async () => {
        calls++;
        // The first call hangs, as a broker too busy to answer.
        if (calls === 1) return new Promise(() => {});
        return [{ partition: 0, high: '500', low: '0', offset: '500' }];
      },
      fetchOffsets: async ({ groupId }: { groupId: string }) => [
        { topic: 't', partitions: [{ partition: 0, offset: groupId === 'g-pg' ? '400' : '500' }] },
      ],
    } as unknown as Admin;
    const sampler = new LagSampler(admin, 't', { pg: 'g-pg', aggregator: 'g-agg' }, Date.now() - 2_000, 10);
    expect(await sampler.sample()).toBeUndefined();
    expect(sampler.errors).toBe(1);
    const point = await sampler.sample();
    expect(point?.lag).toEqual({ pg: 100, aggregator: 0 });
    expect(point?.endOffsets).toBe(500);
    expect(point?.t).toBeGreaterThanOrEqual(2);
    expect(sampler.points).toHaveLength(1);
  });
});
