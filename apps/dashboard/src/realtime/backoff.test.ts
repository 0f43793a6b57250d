import { describe, expect, it } from 'vitest';
import { backoffDelay, defaultBackoff } from './backoff';

describe('backoffDelay', () => {
  it('doubles the ceiling with each attempt up to the maximum', () => {
    const top = () => 0.999999;
    expect(backoffDelay(0, defaultBackoff, top)).toBe(500);
    expect(backoffDelay(1, defaultBackoff, top)).toBe(1_000);
    expect(backoffDelay(2, defaultBackoff, top)).toBe(2_000);
    expect(backoffDelay(6, defaultBackoff, top)).toBe(30_000);
    expect(backoffDelay(1_000, defaultBackoff, top)).toBe(30_000);
  });

  it('never waits less than half the ceiling, so retries do not hammer a restarting server', () => {
    const bottom = () => 0;
    expect(backoffDelay(0, defaultBackoff, bottom)).toBe(250);
    expect(backoffDelay(3, defaultBackoff, bottom)).toBe(2_000);
    expect(backoffDelay(20, defaultBackoff, bottom)).toBe(15_000);
  });

  it('spreads clients over the upper half (jitter)', () => {
    const delays = new Set(Array.from({ length: 50 }, () => backoffDelay(4)));
    expect(delays.size).toBeGreaterThan(10);
    for (const delay of delays) {
      expect(delay).toBeGreaterThanOrEqual(4_000);
      expect(delay).toBeLessThanOrEqual(8_000);
    }
  });

  it('treats a negative attempt as the first', () => {
    expect(backoffDelay(-3, defaultBackoff, () => 0)).toBe(250);
  });
});
