import { describe, expect, it } from 'vitest';
import { DedupStore } from '../../src/rules/dedup.js';
import { MINUTE, T0 } from '../support/events.js';

const settings = { maxIds: 10, retentionMs: 60 * MINUTE, segmentMaxIds: 4 };

describe('DedupStore', () => {
  it('counts an event id once however often it comes', () => {
    const store = new DedupStore(settings);
    expect(store.add('e1', T0)).toBe(true);
    expect(store.add('e1', T0 + 1)).toBe(false);
    store.seal();
    expect(store.add('e1', T0 + 2)).toBe(false);
    expect(store.size).toBe(1);
  });

  it('persists filled segments once and forgets whole segments past the count bound', () => {
    const store = new DedupStore(settings);
    for (let i = 0; i < 8; i++) store.add(`a${i}`, T0 + i);
    const first = store.seal();
    expect(first.written.map((segment) => segment.ids.length)).toEqual([4, 4]);
    expect(first.evicted).toEqual([]);
    for (let i = 0; i < 4; i++) store.add(`b${i}`, T0 + 10 + i);
    // 12 ids > 10: the oldest segment goes, whole.
    const second = store.seal();
    expect(second.written).toHaveLength(1);
    expect(second.evicted).toEqual([0]);
    expect(store.size).toBe(8);
    expect(store.add('a0', T0 + 20)).toBe(true); // forgotten: the bound is part of the contract
    expect(store.add('a5', T0 + 20)).toBe(false);
  });

  it('forgets segments older than the retention by record timestamp, never by wall clock', () => {
    const store = new DedupStore(settings);
    store.add('old', T0);
    store.seal();
    store.add('new', T0 + 61 * MINUTE);
    const changes = store.seal();
    expect(changes.evicted).toEqual([0]);
    expect(store.add('old', T0 + 61 * MINUTE)).toBe(true);
  });

  it('does not write a segment that is evicted in the same seal', () => {
    const store = new DedupStore({ ...settings, maxIds: 2, segmentMaxIds: 2 });
    for (let i = 0; i < 6; i++) store.add(`x${i}`, T0 + i);
    const changes = store.seal();
    expect(changes.written.map((segment) => segment.seq)).toEqual([2]);
    expect(changes.evicted).toEqual([]);
  });

  it('is rebuilt from its persisted segments', () => {
    const store = new DedupStore(settings);
    for (let i = 0; i < 6; i++) store.add(`c${i}`, T0 + i);
    const { written } = store.seal();
    const restored = new DedupStore(settings);
    for (const segment of [...written].reverse()) restored.load(segment, store.nextSegment);
    expect(restored.size).toBe(6);
    expect(restored.add('c3', T0 + 100)).toBe(false);
    restored.add('d0', T0 + 100);
    expect(restored.seal().written[0]?.seq).toBe(store.nextSegment);
  });

  it('keeps very long ids bounded by remembering their digest', () => {
    const store = new DedupStore(settings);
    const long = 'x'.repeat(10_000);
    expect(store.add(long, T0)).toBe(true);
    expect(store.add(long, T0)).toBe(false);
    expect(store.seal().written[0]?.ids[0]?.length).toBeLessThan(64);
  });
});
