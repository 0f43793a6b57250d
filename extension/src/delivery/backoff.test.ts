import { describe, expect, it } from 'vitest';
import { backoffDelay, parseRetryAfter } from './backoff.js';

describe('backoffDelay', () => {
  const base = { baseMs: 1_000, maxMs: 60_000 };

  it('doubles the ceiling per attempt and caps it', () => {
    const top = () => 1;
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((n) => backoffDelay(n, { ...base, random: top }))).toEqual([
      1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000,
    ]);
  });

  it('draws uniformly below the ceiling (full jitter)', () => {
    expect(backoffDelay(3, { ...base, random: () => 0 })).toBe(0);
    expect(backoffDelay(3, { ...base, random: () => 0.25 })).toBe(1_000);
    const draws = Array.from({ length: 200 }, () => backoffDelay(4, base));
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...draws)).toBeLessThanOrEqual(8_000);
    expect(new Set(draws).size).toBeGreaterThan(50);
  });

  it('never undercuts Retry-After', () => {
    expect(backoffDelay(1, { ...base, random: () => 0.5, retryAfterMs: 7_000 })).toBe(7_000);
    expect(backoffDelay(6, { ...base, random: () => 1, retryAfterMs: 7_000 })).toBe(32_000);
  });
});

describe('parseRetryAfter', () => {
  it('reads delta-seconds and HTTP dates', () => {
    expect(parseRetryAfter('5')).toBe(5_000);
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 23:00:00 GMT', now)).toBe(0);
  });

  it('ignores absent and unreadable values', () => {
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter('')).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter('-3')).toBeUndefined();
  });
});
