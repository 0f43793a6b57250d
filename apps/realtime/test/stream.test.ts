import { eventually } from '@cellstream/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningRealtime } from '../src/app.js';
import { TestClient } from './support/client.js';
import { createTestBed, type TestBed } from './support/realtime.js';
import { aggregate, alert, status } from './support/records.js';

let bed: TestBed;
let realtime: RunningRealtime;
let adminToken: string;

beforeAll(async () => {
  bed = await createTestBed('realtime-stream');
  realtime = await bed.start();
  adminToken = await bed.issuer.sign({ sub: 'root', role: 'admin', classes: [] });
});

afterAll(async () => {
  await bed?.close();
});

/** The records as a client sees them: the Avro record's fields. */
const fields = (record: { value: object }) => ({ ...record.value });

describe('snapshot and stream', () => {
  it('answers a dashboard that subscribes mid-class with the latest of every key, then streams updates in order', async () => {
    const classId = 'c-mid';
    const bob = status(classId, 'bob');
    const older = [
      aggregate(classId, { totalExecutions: 1 }),
      status(classId, 'alice', { executions: 1 }),
      bob,
    ];
    const latestAggregate = aggregate(classId, { totalExecutions: 7 });
    const alice = status(classId, 'alice', { executions: 5, status: 'erroring', consecutiveErrors: 2 });
    const carol = status(classId, 'carol', { status: 'stuck' });
    const raised = alert(classId);
    await bed.producer.send(older);
    await bed.producer.send([latestAggregate, alice, carol, raised, aggregate('c-other')]);

    // The class is mid-way: wait until the instance has read it, then open a dashboard.
    const probe = await TestClient.authenticated(realtime.wsUrl, adminToken);
    await eventually(async () => {
      const snapshot = await probe.subscribe(classId);
      return snapshot.aggregate?.totalExecutions === 7 && snapshot.students.length === 3 ? true : undefined;
    });
    probe.close();

    const dashboard = await TestClient.authenticated(realtime.wsUrl, adminToken);
    const snapshot = await dashboard.subscribe(classId);
    expect(snapshot).toEqual({
      type: 'snapshot',
      classId,
      aggregate: fields(latestAggregate),
      students: [fields(alice), fields(bob), fields(carol)],
      alerts: [fields(raised)],
    });

    // Later updates: several versions of each key over several transactions.
    const updates = Array.from({ length: 30 }, (_, index) =>
      index % 3 === 0
        ? aggregate(classId, { totalExecutions: 100 + index })
        : status(classId, index % 3 === 1 ? 'alice' : 'bob', { executions: 100 + index }),
    );
    for (let start = 0; start < updates.length; start += 7)
      await bed.producer.send(updates.slice(start, start + 7));
    await dashboard.waitFor((message) => message.type === 'student_status' && message.executions === 128);
    await dashboard.waitFor(
      (message) => message.type === 'class_aggregate' && message.totalExecutions === 127,
    );

    expect(dashboard.ofType('class_aggregate').map((message) => message.totalExecutions)).toEqual(
      updates
        .filter((record) => record.kind === 'aggregate')
        .map((record) => (record.value as { totalExecutions: number }).totalExecutions),
    );
    for (const userId of ['alice', 'bob']) {
      expect(
        dashboard
          .ofType('student_status')
          .filter((message) => message.userId === userId)
          .map((message) => message.executions),
      ).toEqual(
        updates
          .filter((record) => record.kind === 'status' && record.value.userId === userId)
          .map((record) => (record.value as { executions: number }).executions),
      );
    }
    const lastAggregate = updates.filter((record) => record.kind === 'aggregate').at(-1);
    expect(dashboard.ofType('class_aggregate').at(-1)).toEqual({
      type: 'class_aggregate',
      ...lastAggregate?.value,
    });
    // Nothing of the other class.
    expect(dashboard.received.filter((message) => message.classId === 'c-other')).toEqual([]);
    dashboard.close();
  });
});

describe('transactions, channels and instances', () => {
  it('never delivers records of an aborted transaction', async () => {
    const dashboard = await TestClient.authenticated(realtime.wsUrl, adminToken);
    await dashboard.subscribe('c-abort');
    await bed.producer.send(
      [aggregate('c-abort', { totalExecutions: 666 }), status('c-abort', 'mallory'), alert('c-abort')],
      {
        abort: true,
      },
    );
    await bed.producer.send([aggregate('c-abort', { totalExecutions: 1 })]);
    await dashboard.waitFor((message) => message.type === 'class_aggregate' && message.totalExecutions === 1);
    expect(
      dashboard.received.filter((message) => message.type !== 'authenticated' && message.type !== 'snapshot'),
    ).toEqual([expect.objectContaining({ type: 'class_aggregate', totalExecutions: 1 })]);
    const snapshot = await dashboard.subscribe('c-abort');
    expect(snapshot.students).toEqual([]);
    expect(snapshot.alerts).toEqual([]);
    dashboard.close();
  });

  it('stops sending a class after unsubscribe, and gives a reconnecting client a fresh snapshot', async () => {
    const dashboard = await TestClient.authenticated(realtime.wsUrl, adminToken);
    await dashboard.subscribe('c-a');
    await dashboard.subscribe('c-b');
    dashboard.send({ type: 'unsubscribe', classId: 'c-a' });
    await dashboard.waitFor((message) => message.type === 'unsubscribed');
    await bed.producer.send([
      aggregate('c-a', { totalExecutions: 5 }),
      aggregate('c-b', { totalExecutions: 6 }),
    ]);
    await dashboard.waitFor((message) => message.type === 'class_aggregate' && message.classId === 'c-b');
    expect(dashboard.ofType('class_aggregate', 'c-a')).toEqual([]);

    // Gone while the class moved on: resubscribing after reconnecting shows where it is now.
    dashboard.terminate();
    await bed.producer.send([aggregate('c-b', { totalExecutions: 60 }), status('c-b', 'dan')]);
    const again = await TestClient.authenticated(realtime.wsUrl, adminToken);
    await eventually(async () =>
      (await again.subscribe('c-b')).aggregate?.totalExecutions === 60 ? true : undefined,
    );
    const snapshot = again.ofType('snapshot', 'c-b').at(-1);
    expect(snapshot?.students.map((student: { userId: string }) => student.userId)).toEqual(['dan']);
    again.close();
  });

  it('rebuilds the same state in a new instance from the topics, so any instance serves any dashboard', async () => {
    const first = await TestClient.authenticated(realtime.wsUrl, adminToken);
    const expected = await first.subscribe('c-mid');
    const second = await bed.start();
    const other = await TestClient.authenticated(second.wsUrl, adminToken);
    expect(await other.subscribe('c-mid')).toEqual(expected);
    first.close();
    other.close();
  });

  it('closes every connection with 1001 when shutting down', async () => {
    const instance = await bed.start();
    const dashboard = await TestClient.authenticated(instance.wsUrl, adminToken);
    await dashboard.subscribe('c-mid');
    await instance.close();
    expect(await dashboard.closed).toEqual({ code: 1001, reason: 'server shutting down' });
    await expect(TestClient.connect(instance.wsUrl)).rejects.toThrow();
  });
});
