import { describe, expect, it } from 'vitest';
import { nextRampRate } from '../src/e2e/run.js';

describe('nextRampRate', () => {
  it('climbs by the factor while nothing failed', () => {
    expect(nextRampRate(1000, 1000, undefined, 1.5)).toBe(1500);
  });

  it('descends by the factor while nothing was sustained, and stops under 10 events/s', () => {
    expect(nextRampRate(1250, undefined, 1250, 1.5)).toBe(833);
    expect(nextRampRate(12, undefined, 12, 1.5)).toBeUndefined();
  });

  it('bisects (geometrically) once bracketed, and stops within 15 %', () => {
    expect(nextRampRate(833, 556, 833, 1.5)).toBe(681);
    expect(nextRampRate(700, 681, 740, 1.5)).toBeUndefined();
  });
});
