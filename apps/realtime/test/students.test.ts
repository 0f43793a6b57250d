import { eventually } from '@cellstream/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningRealtime } from '../src/app.js';
import { type Message, TestClient } from './support/client.js';
import { createTestBed, type TestBed } from './support/realtime.js';
import { aggregate, notification, type StateRecord, status } from './support/records.js';

/**
 * The students' channels (issue 13): a student's own progress and notifications, its classes'
 * system messages, and who may subscribe to what. Class 'c-1' has ada (instructor), sam and sue;
 * class 'c-2' has tom.
 */
let bed: TestBed;
let realtime: RunningRealtime;

const fields = (record: StateRecord) => record.value as unknown as Record<string, unknown>;
const student = (sub: string, classes: string[], extra: { jti?: string; kind?: 'ingest' } = {}) =>
  bed.issuer.sign({ sub, role: 'student', classes, ...extra });
const instructor = () => bed.issuer.sign({ sub: 'ada', role: 'instructor', classes: ['c-1'] });

// Written before realtime starts: restored from the topics (compacted statuses, notifications by lookback).
const samInC1 = status('c-1', 'sam', { executions: 3 });
const samInC9 = status('c-9', 'sam', { executions: 9 });
const sueInC1 = status('c-1', 'sue');
const samOld = Array.from({ length: 4 }, (_, index) =>
  notification('c-1', 'sam', { title: `grade ${index}` }),
);
const sueGrade = notification('c-1', 'sue');
const lab = notification('c-1', null);

beforeAll(async () => {
  bed = await createTestBed('realtime-students');
  await bed.producer.send([aggregate('c-1'), samInC1, samInC9, sueInC1]);
  // The first of sam's notifications twice (at-least-once): it must appear once.
  await bed.producer.send([...samOld, samOld[0] as StateRecord, sueGrade, lab]);
  realtime = await bed.start({ NOTIFICATIONS_PER_USER: '3', REVOCATION_POLL_MS: '200' });
});

afterAll(async () => {
  await bed?.close();
});

describe("a student's own channels", () => {
  it('answers progress:<own userId> with its status in each class, then streams its updates only, within 1 s', async () => {
    const sam = await TestClient.authenticated(realtime.wsUrl, await student('sam', ['c-1', 'c-9']));
    const snapshot = await sam.subscribeChannel('progress:sam');
    expect(snapshot).toEqual({
      type: 'snapshot',
      channel: 'progress:sam',
      statuses: [fields(samInC1), fields(samInC9)],
    });

    const update = status('c-1', 'sam', { executions: 4, status: 'erroring', consecutiveErrors: 1 });
    await bed.producer.send([status('c-1', 'sue', { executions: 40 }), update]);
    const received = await sam.waitFor((message) => message.type === 'student_status');
    expect(received).toEqual({ type: 'student_status', channel: 'progress:sam', ...fields(update) });
    // From the record's creation (before it was encoded and committed) to the client.
    expect(sam.delayOf(received, fields(update).updatedAt as number)).toBeLessThan(1_000);
    // Nothing of sue's, though she is in the same class and her update came first.
    expect(sam.onChannel('progress:sam')).toHaveLength(1);
    expect(sam.received.filter((message) => message.userId === 'sue')).toEqual([]);
    sam.close();
  });

  it('answers notifications:<own userId> with the recent ones (bounded, once each, newest last), then streams new ones within 1 s', async () => {
    const sam = await TestClient.authenticated(realtime.wsUrl, await student('sam', ['c-1']));
    const snapshot = await sam.subscribeChannel('notifications:sam');
    // NOTIFICATIONS_PER_USER is 3: the oldest of the four is gone, and so is its duplicate.
    expect(snapshot).toEqual({
      type: 'snapshot',
      channel: 'notifications:sam',
      notifications: samOld.slice(1).map(fields),
    });

    const graded = notification('c-1', 'sam', { score: 9.5 });
    const returned = notification('c-1', 'sam', { kind: 'assignment_returned', score: null, maxScore: null });
    await bed.producer.send([notification('c-1', 'sue'), graded]);
    // A redelivery of the grade, then a return: the grade is not sent twice.
    await bed.producer.send([graded, returned]);
    const gradeMessage = await sam.waitFor((message) => message.type === 'assignment_graded');
    expect(gradeMessage).toEqual({
      type: 'assignment_graded',
      channel: 'notifications:sam',
      ...fields(graded),
    });
    expect(sam.delayOf(gradeMessage, fields(graded).createdAt as number)).toBeLessThan(1_000);
    await sam.waitFor((message) => message.type === 'assignment_returned');
    expect(sam.onChannel('notifications:sam').map((message) => message.notificationId)).toEqual([
      fields(graded).notificationId,
      fields(returned).notificationId,
    ]);
    expect(sam.received.filter((message) => message.userId === 'sue')).toEqual([]);

    // A new subscriber sees them in the snapshot, newest last, still three.
    const again = await TestClient.authenticated(realtime.wsUrl, await student('sam', ['c-1']));
    expect(
      (await again.subscribeChannel('notifications:sam')).notifications.map(
        (entry: Message) => entry.notificationId,
      ),
    ).toEqual([samOld[3], graded, returned].map((record) => fields(record as StateRecord).notificationId));
    sam.close();
    again.close();
  });

  it('sends a system message to every student client of the class and to none of another class', async () => {
    const sam = await TestClient.authenticated(realtime.wsUrl, await student('sam', ['c-1']));
    const sue = await TestClient.authenticated(realtime.wsUrl, await student('sue', ['c-1']));
    const tom = await TestClient.authenticated(realtime.wsUrl, await student('tom', ['c-2']));
    // The snapshot carries the class's recent system messages.
    expect((await sam.subscribeChannel('broadcast:c-1')).notifications).toEqual([fields(lab)]);
    await sue.subscribeChannel('broadcast:c-1');
    expect((await tom.subscribeChannel('broadcast:c-2')).notifications).toEqual([]);

    const message = notification('c-1', null, { message: 'No lab on Friday.' });
    const forC2 = notification('c-2', null, { message: 'Quiz moved to Monday.' });
    await bed.producer.send([message]);
    await bed.producer.send([forC2]);
    for (const client of [sam, sue]) {
      const received = await client.waitFor((entry) => entry.type === 'system_message');
      expect(received).toEqual({ type: 'system_message', channel: 'broadcast:c-1', ...fields(message) });
      expect(client.delayOf(received, fields(message).createdAt as number)).toBeLessThan(1_000);
    }
    // tom gets c-2's, written after c-1's on the same topic, and never c-1's.
    await tom.waitFor((entry) => entry.type === 'system_message');
    expect(tom.onChannel('broadcast:c-2').map((entry) => entry.message)).toEqual(['Quiz moved to Monday.']);
    expect(tom.received.filter((entry) => entry.classId === 'c-1')).toEqual([]);
    expect(sam.received.filter((entry) => entry.classId === 'c-2')).toEqual([]);
    for (const client of [sam, sue, tom]) client.close();
  });

  it('lets the JupyterLab extension (a student ingest token) subscribe to its own channels', async () => {
    const extension = await TestClient.authenticated(
      realtime.wsUrl,
      await student('sue', ['c-1'], { kind: 'ingest' }),
    );
    expect((await extension.subscribeChannel('notifications:sue')).notifications).toContainEqual(
      fields(sueGrade),
    );
    extension.close();
  });
});

describe('who may subscribe to what', () => {
  it('never lets a student subscribe to another student, nor to a class channel or another class', async () => {
    const sam = await TestClient.authenticated(realtime.wsUrl, await student('sam', ['c-1']));
    for (const channel of ['progress:sue', 'notifications:sue', 'broadcast:c-2', 'class:c-1']) {
      expect(await sam.refusedOn(channel)).toMatchObject({ type: 'error', code: 'forbidden', channel });
    }
    sam.send({ type: 'subscribe', classId: 'c-1' });
    expect(
      await sam.waitFor((message) => message.type === 'error' && message.classId === 'c-1'),
    ).toMatchObject({
      code: 'forbidden',
    });
    // Still open, and nothing of sue's arrives.
    await bed.producer.send([notification('c-1', 'sue'), status('c-1', 'sue')]);
    expect((await sam.subscribeChannel('progress:sam')).channel).toBe('progress:sam');
    expect(sam.received.filter((message) => message.userId === 'sue')).toEqual([]);
    sam.close();
  });

  it("refuses an instructor a student's notifications and progress, and gives it its classes' channels", async () => {
    const ada = await TestClient.authenticated(realtime.wsUrl, await instructor());
    for (const channel of ['notifications:sam', 'progress:sam', 'broadcast:c-2', 'class:c-2']) {
      expect(await ada.refusedOn(channel)).toMatchObject({ type: 'error', code: 'forbidden', channel });
    }
    expect((await ada.subscribeChannel('broadcast:c-1')).notifications).toContainEqual(fields(lab));
    // class:<id> is the classId form under another name: the same snapshot.
    const byClassId = await ada.subscribe('c-1');
    ada.send({ type: 'subscribe', channel: 'class:c-1' });
    const byChannel = await ada.waitFor(
      (message, index) =>
        message.type === 'snapshot' && message.classId === 'c-1' && message !== byClassId && index > 0,
    );
    expect(byChannel).toEqual(byClassId);
    ada.send({ type: 'unsubscribe', channel: 'class:c-1' });
    expect(await ada.waitFor((message) => message.type === 'unsubscribed')).toEqual({
      type: 'unsubscribed',
      channel: 'class:c-1',
    });
    ada.close();
  });

  it("lets an admin subscribe to a student's notifications", async () => {
    const root = await TestClient.authenticated(
      realtime.wsUrl,
      await bed.issuer.sign({ sub: 'root', role: 'admin', classes: [] }),
    );
    expect((await root.subscribeChannel('notifications:sue')).channel).toBe('notifications:sue');
    root.close();
  });
});

describe('revoked tokens', () => {
  it('refuses a revoked token at auth and closes a live connection once its token is revoked', async () => {
    const exp = Math.floor(Date.now() / 1000) + 3_600;
    const live = await TestClient.authenticated(
      realtime.wsUrl,
      await student('sam', ['c-1'], { kind: 'ingest', jti: 'extension-token-live' }),
    );
    await live.subscribeChannel('notifications:sam');
    const other = await TestClient.authenticated(
      realtime.wsUrl,
      await student('sue', ['c-1'], { kind: 'ingest', jti: 'extension-token-kept' }),
    );

    bed.issuer.revoke('extension-token-live', exp);
    // REVOCATION_POLL_MS is 200 here.
    expect(await live.closed).toEqual({ code: 4401, reason: 'unauthorized' });
    expect(live.ofType('error')).toMatchObject([{ code: 'token_revoked' }]);
    expect(other.ws.readyState).toBe(other.ws.OPEN);

    const again = await TestClient.connect(realtime.wsUrl);
    again.send({
      type: 'auth',
      token: await student('sam', ['c-1'], { kind: 'ingest', jti: 'extension-token-live' }),
    });
    expect((await again.closed).code).toBe(4401);
    expect(again.ofType('error')).toMatchObject([{ code: 'token_revoked' }]);
    other.close();
  });
});

describe('restart', () => {
  it('restores recent notifications from the topic, back NOTIFICATION_LOOKBACK_MS only', async () => {
    const old = notification('c-3', 'kim', { title: 'before the lookback' });
    await bed.producer.send([old]);
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const recent = notification('c-3', 'kim', { title: 'within the lookback' });
    await bed.producer.send([recent]);
    const second = await bed.start({ NOTIFICATION_LOOKBACK_MS: '1500' });
    const kim = await TestClient.authenticated(second.wsUrl, await student('kim', ['c-3']));
    await eventually(async () =>
      (await kim.subscribeChannel('notifications:kim')).notifications.length > 0 ? true : undefined,
    );
    expect(kim.ofType('snapshot').at(-1)?.notifications).toEqual([fields(recent)]);
    kim.close();
  });
});
