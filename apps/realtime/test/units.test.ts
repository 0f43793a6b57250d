import { readFileSync } from 'node:fs';
import type { Notification } from '@cellstream/schemas';
import { describe, expect, it } from 'vitest';
import { mayAccess } from '../src/auth.js';
import { CatchUpTracker } from '../src/catch-up.js';
import { ClassStateStore } from '../src/class-state.js';
import { closeCodes, errorCatalogue } from '../src/errors.js';
import { NotificationStore } from '../src/notification-store.js';
import { type Channel, parseChannel, parseClientMessage, serverMessage } from '../src/protocol.js';
import { aggregate, alert, notification, status } from './support/records.js';

describe('parseClientMessage', () => {
  it('reads the four client messages and ignores extra fields', () => {
    expect(parseClientMessage('{"type":"auth","token":"t"}')).toEqual({
      ok: true,
      message: { type: 'auth', token: 't' },
    });
    expect(parseClientMessage('{"type":"subscribe","classId":"42","id":7}')).toEqual({
      ok: true,
      message: {
        type: 'subscribe',
        target: { channel: { kind: 'class', id: '42', name: 'class:42' }, form: 'classId' },
      },
    });
    expect(parseClientMessage('{"type":"subscribe","channel":"notifications:ada"}')).toEqual({
      ok: true,
      message: {
        type: 'subscribe',
        target: { channel: { kind: 'notifications', id: 'ada', name: 'notifications:ada' }, form: 'channel' },
      },
    });
    expect(parseClientMessage('{"type":"unsubscribe","channel":"broadcast:7"}').ok).toBe(true);
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
    for (const channel of ['inbox:ada', 'progress:', 'progress', ':x', `progress:${'u'.repeat(129)}`]) {
      expect(parseClientMessage(JSON.stringify({ type: 'subscribe', channel }))).toMatchObject({
        ok: false,
        reason: expect.stringContaining('channel must be'),
      });
    }
    expect(parseClientMessage('{"type":"subscribe","classId":"1","channel":"class:1"}')).toMatchObject({
      ok: false,
      reason: expect.stringContaining('either classId or channel'),
    });
    expect(parseClientMessage('{"type":"subscribe"}').ok).toBe(false);
  });

  it('builds server messages with the Avro fields at the top level', () => {
    const record = aggregate('c1');
    expect(JSON.parse(serverMessage.classAggregate(record.value as never))).toEqual({
      type: 'class_aggregate',
      ...record.value,
    });
    const target = (name: string, form: 'classId' | 'channel') => ({
      channel: parseChannel(name) as Channel,
      form,
    });
    expect(
      JSON.parse(serverMessage.error('forbidden', 'no', target('notifications:bob', 'channel'))),
    ).toEqual({
      type: 'error',
      code: 'forbidden',
      message: 'no',
      channel: 'notifications:bob',
    });
    expect(JSON.parse(serverMessage.error('forbidden', 'no', target('class:c1', 'classId')))).toEqual({
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

describe('mayAccess', () => {
  const channel = (name: string) => parseChannel(name) as Channel;
  const sam = { sub: 'sam', role: 'student' as const, classes: ['c1'] };
  const ada = { sub: 'ada', role: 'instructor' as const, classes: ['c1'] };
  const root = { sub: 'root', role: 'admin' as const, classes: [] };

  it('gives a student its own channels and its classes broadcasts, never another student nor a class channel', () => {
    const allowed = ['progress:sam', 'notifications:sam', 'broadcast:c1'];
    const refused = ['progress:sue', 'notifications:sue', 'broadcast:c2', 'class:c1', 'progress:sam2'];
    for (const name of allowed) expect(mayAccess(sam, channel(name)), name).toBe(true);
    for (const name of refused) expect(mayAccess(sam, channel(name)), name).toBe(false);
  });

  it("gives an instructor the class and broadcast channels of its classes, never a student's own", () => {
    for (const name of ['class:c1', 'broadcast:c1']) expect(mayAccess(ada, channel(name)), name).toBe(true);
    // Even a channel named after the instructor's own userId is a student's channel.
    for (const name of [
      'class:c2',
      'broadcast:c2',
      'notifications:sam',
      'progress:sam',
      'notifications:ada',
    ]) {
      expect(mayAccess(ada, channel(name)), name).toBe(false);
    }
  });

  it('gives an admin everything', () => {
    for (const name of ['class:c9', 'broadcast:c9', 'notifications:sam', 'progress:sue']) {
      expect(mayAccess(root, channel(name)), name).toBe(true);
    }
  });
});

describe('NotificationStore', () => {
  const value = (record: ReturnType<typeof notification>) => record.value as Notification;
  const grade = () => value(notification('c1', 'sam'));

  it('keeps the last N per student and per class, newest last, each notificationId once', () => {
    const store = new NotificationStore({ perUser: 2, perClass: 1 });
    const [a, b, c] = [grade(), grade(), grade()];
    expect(store.apply(a)).toBe(true);
    expect(store.apply(b)).toBe(true);
    expect(store.apply(a)).toBe(false);
    expect(store.apply(c)).toBe(true);
    expect(store.forUser('sam')).toEqual([b, c]);
    const [m1, m2] = [value(notification('c1', null)), value(notification('c1', null))];
    store.apply(m2);
    store.apply(m1); // delivered late: older, so it lands before m2 and is the one dropped
    expect(store.systemMessages('c1')).toEqual([m2]);
    expect(store.forUser('sue')).toEqual([]);
    expect(store.size()).toEqual({ notifications: 2, systemMessages: 1 });
  });

  it('forgets the oldest ids past its dedupe window, and never sends a kind it does not know', () => {
    const store = new NotificationStore({ perUser: 10, perClass: 10, dedupeWindow: 2 });
    const [a, b, c] = [grade(), grade(), grade()];
    for (const entry of [a, b, c]) store.apply(entry);
    expect(store.apply(b)).toBe(false);
    expect(store.apply(a)).toBe(true);
    expect(store.apply(value(notification('c1', 'sam', { kind: 'unknown' })))).toBe(false);
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
