import { describe, expect, it } from 'vitest';
import { PendingUpdates, type Update } from '../src/pending-updates.js';

const update = (channel: string, kind: Update['kind'], key: string, message: string): Update => ({
  channel,
  kind,
  key,
  message,
});

describe('PendingUpdates', () => {
  it('keeps the latest per key and every event (alert, notification) up to the bound', () => {
    const pending = new PendingUpdates(1);
    expect(pending.add(update('c', 'class_aggregate', 'c', 'a1'))).toBe('queued');
    expect(pending.add(update('c', 'class_aggregate', 'c', 'a2'))).toBe('coalesced');
    expect(pending.add(update('d', 'class_aggregate', 'd', 'd1'))).toBe('queued');
    expect(pending.add(update('c', 'alert', 'x', 'x'))).toBe('queued');
    expect(pending.add(update('n', 'assignment_graded', 'g', 'g'))).toBe('dropped_oldest_event');
    const out = [];
    for (let item = pending.shift(); item; item = pending.shift())
      out.push('update' in item ? item.update.message : item.snapshotOf);
    expect(out).toEqual(['a2', 'd1', 'g']);
    expect(pending.size).toBe(0);
  });

  it('forgets a channel on unsubscribe, and lets a snapshot stand for all of a channel', () => {
    const pending = new PendingUpdates(10);
    pending.add(update('c', 'student_status', 'alice', 's1'));
    pending.add(update('d', 'student_status', 'alice', 's1'));
    pending.remove('d');
    pending.requestSnapshot('c');
    expect(pending.add(update('c', 'alert', 'x', 'x'))).toBe('coalesced');
    expect(pending.shift()).toEqual({ snapshotOf: 'c' });
    expect(pending.shift()).toBeUndefined();
  });
});
