import { describe, expect, it } from 'vitest';
import { mapPool, rosterNames } from '../src/provision.js';

describe('roster names', () => {
  it('spreads students round-robin over the classes with stable names', () => {
    const names = rosterNames('SIM', 2, 5);
    expect(names.instructor).toBe('sim-instructor');
    expect(names.classCodes).toEqual(['SIM-001', 'SIM-002']);
    expect(names.students).toEqual([
      { userId: 'sim-001-0001', classIndex: 0 },
      { userId: 'sim-002-0001', classIndex: 1 },
      { userId: 'sim-001-0002', classIndex: 0 },
      { userId: 'sim-002-0002', classIndex: 1 },
      { userId: 'sim-001-0003', classIndex: 0 },
    ]);
    const large = rosterNames('LOAD', 250, 10_000);
    expect(large.classCodes.at(-1)).toBe('LOAD-250');
    expect(large.students.at(-1)?.userId).toBe('load-250-0040');
    expect(new Set(large.students.map((s) => s.userId)).size).toBe(10_000);
  });
});

describe('mapPool', () => {
  it('keeps the order and the concurrency limit', async () => {
    let open = 0;
    let most = 0;
    const result = await mapPool([5, 1, 4, 2, 3], 2, async (value) => {
      open++;
      most = Math.max(most, open);
      await new Promise((resolve) => setTimeout(resolve, value));
      open--;
      return value * 10;
    });
    expect(result).toEqual([50, 10, 40, 20, 30]);
    expect(most).toBe(2);
  });
});
