import { describe, expect, it } from 'vitest';
import { behaviourDefaults } from '../src/behaviour.js';
import type { SimEvent } from '../src/events.js';
import { MinHeap } from '../src/heap.js';
import { Pacer, TokenBucket } from '../src/pacer.js';
import { Random } from '../src/random.js';
import { checkSequence } from '../src/sequence.js';
import { StudentModel } from '../src/student.js';

const T0 = Date.parse('2025-01-13T09:00:00.000Z');

function classroom(count: number, seed = 1) {
  const rng = new Random(seed);
  let ids = 0;
  return Array.from(
    { length: count },
    (_, index) =>
      new StudentModel({
        userId: `s${index}`,
        classId: String(1 + (index % 3)),
        rng: rng.fork(`student/${index}`),
        behaviour: behaviourDefaults,
        newId: () => `id-${ids++}`,
      }),
  );
}

/** Drives the pacer on a fake clock, one tick every `tickMs`, and collects what it emits. */
function drive(pacer: Pacer, seconds: number, tickMs = 25, limit?: () => number) {
  const emitted: { index: number; event: SimEvent; atMs: number }[] = [];
  for (let now = T0; now <= T0 + seconds * 1000; now += tickMs) {
    for (const item of pacer.tick(now, limit?.())) emitted.push({ ...item, atMs: now });
  }
  return emitted;
}

describe('the token bucket', () => {
  it('refills at its rate up to its capacity', () => {
    const bucket = new TokenBucket(10, 5, T0);
    expect(bucket.available(T0)).toBe(1);
    bucket.take(1);
    expect(bucket.available(T0 + 200)).toBe(2);
    expect(bucket.available(T0 + 10_000)).toBe(5);
    bucket.take(5);
    expect(bucket.available(T0 + 10_000)).toBe(0);
    // A clock going backwards earns nothing.
    expect(bucket.available(T0)).toBe(0);
  });

  it('carries fractions, so slow rates work', () => {
    const bucket = new TokenBucket(0.5, 1, T0);
    bucket.take(bucket.available(T0));
    expect(bucket.available(T0 + 1_000)).toBe(0);
    expect(bucket.available(T0 + 2_000)).toBe(1);
  });
});

describe('the heap', () => {
  it('pops in order', () => {
    const heap = new MinHeap<number>((a, b) => a < b);
    const rng = new Random(3);
    const values = Array.from({ length: 500 }, () => rng.int(0, 1000));
    for (const value of values) heap.push(value);
    const popped: number[] = [];
    while (heap.size > 0) popped.push(heap.pop() as number);
    expect(popped).toEqual([...values].sort((a, b) => a - b));
    expect(heap.pop()).toBeUndefined();
  });
});

describe('the pacer', () => {
  it('sends the target rate across all students, every student taking part', () => {
    const students = classroom(50);
    const pacer = new Pacer(students, { rate: 200, rng: new Random(1), nowMs: T0 });
    const emitted = drive(pacer, 20);
    expect(emitted.length).toBeGreaterThan(200 * 20 * 0.98);
    expect(emitted.length).toBeLessThanOrEqual(200 * 20 + 100);
    // Each second carries about the rate (no bursts beyond the bucket).
    for (let second = 1; second < 20; second++) {
      const inSecond = emitted.filter(
        (e) => e.atMs > T0 + (second - 1) * 1000 && e.atMs <= T0 + second * 1000,
      );
      expect(inSecond.length).toBeGreaterThanOrEqual(190);
      expect(inSecond.length).toBeLessThanOrEqual(210);
    }
    expect(new Set(emitted.map((e) => e.index)).size).toBe(50);
    // And each student's own events are still a valid sequence, stamped with the clock.
    for (let index = 0; index < 50; index++) {
      const own = emitted.filter((e) => e.index === index);
      expect(checkSequence(own.map((e) => e.event))).toEqual([]);
      for (const e of own) expect(e.event.eventTime).toBe(new Date(e.atMs).toISOString());
    }
  });

  it('changes its rate on the fly without a burst (the benchmark ramp)', () => {
    const pacer = new Pacer(classroom(50), { rate: 100, rng: new Random(3), nowMs: T0 });
    const slow = drive(pacer, 5).length;
    pacer.setRate(400, T0 + 5_000);
    expect(pacer.rate).toBe(400);
    // The new bucket starts nearly empty: no half-second burst at the step.
    expect(pacer.tick(T0 + 5_000).length).toBeLessThanOrEqual(1);
    let fast = 0;
    for (let now = T0 + 5_025; now <= T0 + 10_000; now += 25) fast += pacer.tick(now).length;
    expect(slow).toBeGreaterThan(100 * 5 * 0.95);
    expect(slow).toBeLessThanOrEqual(100 * 5 + 51);
    expect(fast).toBeGreaterThan(400 * 5 * 0.97);
    expect(fast).toBeLessThanOrEqual(400 * 5 + 1);
    expect(() => pacer.setRate(0, T0)).toThrow(RangeError);
  });

  it('holds back when the sender says so, and catches up only as far as the bucket holds', () => {
    const pacer = new Pacer(classroom(10), { rate: 100, rng: new Random(2), nowMs: T0, burstSeconds: 0.5 });
    expect(drive(pacer, 2, 25, () => 0)).toEqual([]);
    // After two blocked seconds at most half a second of events comes out at once.
    expect(pacer.tick(T0 + 2_025).length).toBeLessThanOrEqual(51);
  });

  it('is deterministic for a seed', () => {
    const order = (seed: number) =>
      drive(new Pacer(classroom(20, seed), { rate: 50, rng: new Random(seed), nowMs: T0 }), 5).map(
        (e) => `${e.index}:${e.event.eventType}`,
      );
    expect(order(4)).toEqual(order(4));
    expect(order(4)).not.toEqual(order(5));
  });

  it('lets students who are done leave', () => {
    const rng = new Random(8);
    const students = [0, 1].map(
      (index) =>
        new StudentModel({
          userId: `s${index}`,
          classId: '1',
          rng: rng.fork(index),
          behaviour: { ...behaviourDefaults, sessions: 1 },
        }),
    );
    const pacer = new Pacer(students, { rate: 1_000, rng, nowMs: T0 });
    const emitted = drive(pacer, 5);
    expect(pacer.active).toBe(0);
    expect(emitted.filter((e) => e.event.eventType === 'session_end')).toHaveLength(2);
    expect(pacer.virtualMs).toBeGreaterThan(60_000);
  });
});
