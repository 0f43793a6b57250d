import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CatchUpTracker } from '../src/catch-up.js';
import { ClassStateStore } from '../src/class-state.js';
import { closeCodes, errorCatalogue } from '../src/errors.js';
import { parseClientMessage, serverMessage } from '../src/protocol.js';
import { aggregate, alert, status } from './support/records.js';

describe('parseClientMessage', () => {
  it('reads the four client messages and ignores extra fields', () => {
    expect(parseClientMessage('{"type":"auth","token":"t"}')).toEqual({
      ok: true,
      message: { type: 'auth', token: 't' },
    });
    expect(parseClientMessage('{"type":"subscribe","classId":"42","id":7}')).toEqual({
      ok: true,
      message: { type: 'subscribe', classId: '42' },
    });
    expect(parseClientMessage('{"type":"unsubscribe","classId":"42"}').ok).toBe(true);
    expect(parseClientMessage('{"type":"ping"}').ok).toBe(true);
  });

  it('explains what is wrong', () => {
    expect(parseClientMessage('{')).toEqual({ ok: false, reason: 'The message is not JSON.' });
    expect(parseClientMessage('[]')).toMatchObject({
      ok: false,
      reason: expect.stringContaining('Unknown message type'),
    });
    expect(parseClientMessage('{"type":"subscribe","classId":""}')).toMatchObject({
      ok: false,
      reason: expect.stringContaining('classId'),
    });
    expect(parseClientMessage('{"type":"subscribe","classId":42}').ok).toBe(false);
  });

  it('builds server messages with the Avro fields at the top level', () => {
    const record = aggregate('c1');
    expect(JSON.parse(serverMessage.classAggregate(record.value as never))).toEqual({
      type: 'class_aggregate',
      ...record.value,
    });
    expect(JSON.parse(serverMessage.error('forbidden', 'no', 'c1'))).toEqual({
      type: 'error',
      code: 'forbidden',
      message: 'no',
      classId: 'c1',
    });
  });
});

describe('ClassStateStore', () => {
  it('keeps the latest aggregate and status per key, ignoring older ones', () => {
    const store = new ClassStateStore(2);
    const older = aggregate('c1', { totalExecutions: 1 }).value as never;
    const newer = aggregate('c1', { totalExecutions: 2 }).value as never;
    expect(store.applyAggregate(newer)).toBe(true);
    expect(store.applyAggregate(older)).toBe(false);
    const bob = status('c1', 'bob').value as never;
    const alice1 = status('c1', 'alice', { executions: 1 }).value as never;
    const alice2 = status('c1', 'alice', { executions: 2 }).value as never;
    store.applyStudentStatus(bob);
    store.applyStudentStatus(alice2);
    expect(store.applyStudentStatus(alice1)).toBe(false);
    expect(store.snapshot('c1')).toEqual({
      classId: 'c1',
      aggregate: newer,
      students: [alice2, bob],
      alerts: [],
    });
    store.removeStudentStatus('c1', 'bob');
    store.removeAggregate('c1');
    expect(store.snapshot('c1')).toMatchObject({ aggregate: null, students: [alice2] });
    expect(store.snapshot('unknown')).toEqual({
      classId: 'unknown',
      aggregate: null,
      students: [],
      alerts: [],
    });
  });

  it('keeps the last N alerts of a class, once each', () => {
    const store = new ClassStateStore(2);
    const a = alert('c1').value as never;
    const b = alert('c1').value as never;
    const c = alert('c1').value as never;
    store.applyAlert(a);
    expect(store.applyAlert(a)).toBe(false);
    store.applyAlert(b);
    store.applyAlert(c);
    expect(store.snapshot('c1').alerts).toEqual([b, c]);
  });
});

describe('CatchUpTracker', () => {
  it('is caught up when every partition reached its end, empty ones at once', async () => {
    const tracker = new CatchUpTracker(
      [
        { topic: 't', partition: 0, start: 0, end: 10 },
        { topic: 't', partition: 1, start: 5, end: 5 },
      ],
      60_000,
    );
    expect(tracker.isCaughtUp).toBe(false);
    tracker.advanced('t', 0, 9);
    expect(tracker.isCaughtUp).toBe(false);
    tracker.advanced('t', 0, 10);
    await tracker.caughtUp;
    expect(tracker.isCaughtUp).toBe(true);
  });

  it('counts an idle consumer as caught up short of the end (an open transaction)', () => {
    let now = 0;
    const tracker = new CatchUpTracker([{ topic: 't', partition: 0, start: 0, end: 10 }], 1_000, () => now);
    tracker.advanced('t', 0, 8);
    now = 999;
    expect(tracker.fetching()).toEqual([]);
    now = 1_008;
    expect(tracker.fetching()).toEqual([{ topic: 't', partition: 0, start: 0, end: 10 }]);
    expect(tracker.isCaughtUp).toBe(true);
  });
});

describe('error and close codes', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

  it('are unique and each documented in README.md', () => {
    const closes = Object.values(closeCodes).map((close) => close.code);
    expect(new Set(closes).size).toBe(closes.length);
    for (const code of Object.keys(errorCatalogue)) expect(readme).toContain(`\`${code}\``);
    for (const close of closes) expect(readme).toContain(`\`${close}\``);
  });
});
