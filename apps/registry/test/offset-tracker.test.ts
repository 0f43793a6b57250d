import { describe, expect, it } from 'vitest';
import { OffsetTracker } from '../src/offset-tracker.js';

describe('OffsetTracker', () => {
  it('resolves waiters once the position reaches their offset, never going back', async () => {
    const tracker = new OffsetTracker();
    const order: number[] = [];
    const a = tracker.waitFor(3, 1_000, 'a').then(() => order.push(3));
    const b = tracker.waitFor(1, 1_000, 'b').then(() => order.push(1));
    tracker.advance(2);
    tracker.advance(1);
    expect(tracker.position).toBe(2);
    tracker.advance(5);
    await Promise.all([a, b]);
    expect(order).toEqual([1, 3]);
    await expect(tracker.waitFor(4, 0, 'done already')).resolves.toBeUndefined();
  });

  it('rejects with OPERATION_TIMEOUT (50002)', async () => {
    const tracker = new OffsetTracker();
    await expect(tracker.waitFor(1, 10, 'slow')).rejects.toMatchObject({ errorCode: 50002 });
  });

  it('rejects every waiter on failAll', async () => {
    const tracker = new OffsetTracker();
    const waiting = tracker.waitFor(1, Number.POSITIVE_INFINITY, 'forever');
    tracker.failAll(new Error('closing'));
    await expect(waiting).rejects.toThrow('closing');
  });
});
