import { describe, expect, it } from 'vitest';
import {
  distribution,
  LatencyRecorder,
  lagIsBounded,
  linearSlope,
  percentile,
  ratesFromCounters,
} from '../src/stats.js';

describe('percentiles', () => {
  it('uses the nearest rank', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(sorted, 0.5)).toBe(50);
    expect(percentile(sorted, 0.99)).toBe(99);
    expect(percentile(sorted, 1)).toBe(100);
    expect(percentile([7], 0.99)).toBe(7);
    expect(percentile([], 0.5)).toBeNaN();
  });

  it('summarises unsorted values', () => {
    const d = distribution([5, 1, 4, 2, 3, 10, 9, 8, 7, 6]);
    expect(d).toEqual({ count: 10, p50: 5, p90: 9, p99: 10, max: 10, mean: 5.5 });
    expect(distribution([]).count).toBe(0);
  });
});

describe('the latency recorder', () => {
  it('summarises a time window and keeps exact count and max beyond its sample', () => {
    let draws = 0;
    // A fixed "random" that keeps the reservoir from ever replacing: the window stays the first samples.
    const recorder = new LatencyRecorder(4, () => {
      draws++;
      return 0.99;
    });
    for (let i = 0; i < 10; i++) recorder.add(1_000 + i * 100, i * 10);
    expect(draws).toBe(6);
    expect(recorder.count).toBe(10);
    const whole = recorder.summary();
    expect(whole.count).toBe(10);
    expect(whole.max).toBe(90);
    // Samples at 1000..1300 are kept; the window [1100, 1300) holds two of them.
    expect(recorder.summary(1_100, 1_300)).toMatchObject({ count: 2, p50: 10, max: 20 });
  });

  it('gives p50/p99/max per bucket of time from the origin', () => {
    const recorder = new LatencyRecorder();
    for (let i = 0; i < 100; i++) recorder.add(10_000 + i * 10, i < 50 ? 100 : 300 + i);
    const over = recorder.overTime(10_000, 500);
    expect(over).toEqual([
      { t: 0.5, p50: 100, p99: 100, max: 100 },
      { t: 1, p50: 374, p99: 399, max: 399 },
    ]);
  });
});

describe('rates and slopes', () => {
  it('turns cumulative counters into per-second rates', () => {
    expect(
      ratesFromCounters([
        { t: 0, value: 0 },
        { t: 2, value: 200 },
        { t: 3, value: 250 },
        { t: 3, value: 260 },
      ]),
    ).toEqual([
      { t: 2, rate: 100 },
      { t: 3, rate: 50 },
    ]);
  });

  it('fits a least-squares slope', () => {
    expect(
      linearSlope([
        { x: 0, y: 1 },
        { x: 1, y: 3 },
        { x: 2, y: 5 },
      ]),
    ).toBeCloseTo(2);
    expect(linearSlope([{ x: 1, y: 1 }])).toBe(0);
  });
});

describe('bounded lag', () => {
  const series = (f: (t: number) => number) =>
    Array.from({ length: 30 }, (_, t) => ({ t: t * 2, lag: f(t * 2) }));

  it('accepts a lag that stays under two seconds of events', () => {
    expect(
      lagIsBounded(
        series((t) => (t % 4) * 2_000),
        5_000,
      ).bounded,
    ).toBe(true);
  });

  it('accepts a large lag that is shrinking or flat, refuses one that grows with the deficit', () => {
    expect(
      lagIsBounded(
        series((t) => 200_000 - t * 1_000),
        5_000,
      ).bounded,
    ).toBe(true);
    expect(
      lagIsBounded(
        series(() => 50_000),
        5_000,
      ).bounded,
    ).toBe(true);
    const growing = lagIsBounded(
      series((t) => t * 500),
      5_000,
    );
    expect(growing.bounded).toBe(false);
    expect(growing.slope).toBeCloseTo(500);
    expect(growing.max).toBe(29_000);
  });
});
