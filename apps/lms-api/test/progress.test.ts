import { cellExecutions, cells, notebooks, students } from '@cellstream/db';
import type { EventType } from '@cellstream/schemas';
import { createTestBucket, eventually, type TestBucket } from '@cellstream/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TIMELINE_CODE_MAX_CHARS } from '../src/queries/progress.js';
import { codeOf, createTestApp, type TestApp } from './helpers.js';
import { execution, unreachableInflux, writePoints } from './influx-points.js';

const MINUTE = 60_000;

describe('progress reads', () => {
  let t: TestApp;
  let bucket: TestBucket;
  let alice: { id: number; token: string };
  let bob: { id: number; token: string };
  let classId: number;
  let otherClass: number;
  let amy: string;
  let ali: string;
  const now = Date.now();

  beforeAll(async () => {
    bucket = await createTestBucket('lms_activity');
    t = await createTestApp('lms_progress', { INFLUX_BUCKET: bucket.bucket });
    alice = await t.instructor('pr-alice');
    bob = await t.instructor('pr-bob');
    classId = await t.createClass(alice.token, 'PR-1');
    otherClass = await t.createClass(bob.token, 'PR-2');
    amy = (await t.student('amy', { classId })).token;
    ali = (await t.student('ali', { classId })).token;
    await t.student('zed', { classId });

    // What the persister writes: notebooks, cells and one row per execution event.
    const cls = String(classId);
    await t.db.insert(students).values({ userId: 'amy' }).onConflictDoNothing();
    const [nb1, nb2, other] = await t.db
      .insert(notebooks)
      .values([
        { classId: cls, path: 'intro.ipynb' },
        { classId: cls, path: 'loops.ipynb' },
        { classId: String(otherClass), path: 'intro.ipynb' },
      ])
      .returning();
    if (!nb1 || !nb2 || !other) throw new Error('notebooks');
    await t.db.insert(cells).values(
      ['c1', 'c2', 'c3'].map((cellId, cellIndex) => ({
        notebookId: nb1.id,
        cellId,
        cellIndex,
        cellType: 'code',
      })),
    );
    const at = (minutesAgo: number) => new Date(now - minutesAgo * MINUTE);
    const row = (
      eventId: string,
      userId: string,
      notebookId: number,
      cellId: string,
      minutesAgo: number,
      error = false,
    ) => ({
      eventId,
      eventType: error ? 'cell_execution_error' : 'cell_execution_complete',
      userId,
      classId: notebookId === other.id ? String(otherClass) : cls,
      sessionId: `s-${userId}`,
      notebookId,
      cellId,
      executionCount: 1,
      code: 'x = 1',
      hasError: error,
      errorName: error ? 'NameError' : null,
      errorMessage: error ? "name 'y' is not defined" : null,
      durationMs: 12.5,
      eventTime: at(minutesAgo),
    });
    await t.db
      .insert(cellExecutions)
      .values([
        row('e1', 'amy', nb1.id, 'c1', 30),
        row('e2', 'amy', nb1.id, 'c2', 20, true),
        row('e3', 'amy', nb1.id, 'c2', 10),
        row('e4', 'amy', nb1.id, 'c1', 9),
        row('e5', 'amy', nb2.id, 'l1', 5, true),
        row('e6', 'ali', nb1.id, 'c1', 3),
        row('e7', 'amy', other.id, 'c1', 1),
        { ...row('e8', 'amy', nb1.id, 'c3', 1), eventType: 'cell_execution_start' },
      ]);

    // The points the persister writes for these events: student_progress and class_activity.
    const point = (userId: string, cid: number, eventType: EventType, minutesAgo: number) =>
      execution({ userId, classId: String(cid), eventType, eventTime: now - minutesAgo * MINUTE });
    await writePoints(bucket.bucket, [
      point('amy', classId, 'cell_execution_complete', 2.5),
      point('amy', classId, 'cell_execution_complete', 2.4),
      point('ali', classId, 'cell_execution_error', 2.3),
      point('ali', classId, 'cell_execution_complete', 12),
      point('amy', otherClass, 'cell_execution_complete', 2),
      point('amy', classId, 'notebook_open', 2),
    ]);
  });

  afterAll(async () => {
    await t.close();
    await bucket.drop();
  });

  it('answers each enrolled student’s executions, errors, last activity and cells per notebook', async () => {
    const response = await t.as(alice.token).get(`/api/v1/classes/${classId}/progress`);
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.classId).toBe(classId);
    expect(body.total).toBe(3);
    expect(body.students).toEqual([
      {
        userId: 'ali',
        displayName: 'Student ali',
        executions: 1,
        errors: 0,
        lastActivity: new Date(now - 3 * MINUTE).toISOString(),
        notebooks: [{ notebookPath: 'intro.ipynb', cellsCompleted: 1, cellsExecuted: 1, cellsKnown: 3 }],
      },
      {
        userId: 'amy',
        displayName: 'Student amy',
        executions: 3,
        errors: 2,
        lastActivity: new Date(now - 1 * MINUTE).toISOString(),
        notebooks: [
          { notebookPath: 'intro.ipynb', cellsCompleted: 2, cellsExecuted: 3, cellsKnown: 3 },
          { notebookPath: 'loops.ipynb', cellsCompleted: 0, cellsExecuted: 1, cellsKnown: 0 },
        ],
      },
      {
        userId: 'zed',
        displayName: 'Student zed',
        executions: 0,
        errors: 0,
        lastActivity: null,
        notebooks: [],
      },
    ]);
    const page = await t.as(alice.token).get(`/api/v1/classes/${classId}/progress?skip=1&limit=1`);
    expect(page.json().students.map((s: { userId: string }) => s.userId)).toEqual(['amy']);
    expect(page.json().total).toBe(3);
    // Past the end: no student, the total still counted.
    const beyond = await t.as(alice.token).get(`/api/v1/classes/${classId}/progress?skip=10`);
    expect(beyond.json()).toMatchObject({ students: [], total: 3 });
    expect(beyond.headers['x-total-count']).toBe('3');
    expect((await t.as(alice.token).get(`/api/v1/classes/${classId}/progress?limit=201`)).statusCode).toBe(
      400,
    );
  });

  it('refuses class progress to another instructor and to students (403); 404 for an unknown class', async () => {
    expect((await t.as(bob.token).get(`/api/v1/classes/${classId}/progress`)).statusCode).toBe(403);
    expect((await t.as(amy).get(`/api/v1/classes/${classId}/progress`)).statusCode).toBe(403);
    expect((await t.as(alice.token).get('/api/v1/classes/999999/progress')).statusCode).toBe(404);
  });

  it("pages a student's timeline newest first with a cursor, with error messages", async () => {
    const first = await t.as(alice.token).get(`/api/v1/classes/${classId}/students/amy/timeline?limit=2`);
    expect(first.statusCode).toBe(200);
    const one = first.json();
    expect(one.items.map((i: { eventId: string }) => i.eventId)).toEqual(['e5', 'e4']);
    expect(one.items[0]).toEqual({
      eventId: 'e5',
      eventType: 'cell_execution_error',
      eventTime: new Date(now - 5 * MINUTE).toISOString(),
      notebookPath: 'loops.ipynb',
      cellId: 'l1',
      executionCount: 1,
      code: 'x = 1',
      codeTruncated: false,
      hasError: true,
      errorName: 'NameError',
      errorMessage: "name 'y' is not defined",
      durationMs: 12.5,
    });
    const second = await t
      .as(alice.token)
      .get(`/api/v1/classes/${classId}/students/amy/timeline?limit=2&cursor=${one.nextCursor}`);
    const two = second.json();
    expect(two.items.map((i: { eventId: string }) => i.eventId)).toEqual(['e3', 'e2']);
    const third = await t
      .as(alice.token)
      .get(`/api/v1/classes/${classId}/students/amy/timeline?limit=2&cursor=${two.nextCursor}`);
    expect(third.json()).toEqual({ items: [expect.objectContaining({ eventId: 'e1' })], nextCursor: null });
    const bad = await t
      .as(alice.token)
      .get(`/api/v1/classes/${classId}/students/amy/timeline?cursor=garbage`);
    expect(bad.statusCode).toBe(400);
  });

  it('carries code in the timeline, cut to a bound, null when not stored', async () => {
    await t.db.insert(students).values({ userId: 'zed' }).onConflictDoNothing();
    const long = `print(1)\n${'#'.repeat(TIMELINE_CODE_MAX_CHARS)}`;
    const base = {
      eventType: 'cell_execution_error',
      userId: 'zed',
      classId: String(classId),
      cellId: 'z1',
      hasError: true,
      errorName: 'SyntaxError',
    };
    await t.db.insert(cellExecutions).values([
      { ...base, eventId: 'z-long', code: long, eventTime: new Date(now - 2 * MINUTE) },
      { ...base, eventId: 'z-none', code: null, eventTime: new Date(now - MINUTE) },
    ]);
    const response = await t.as(alice.token).get(`/api/v1/classes/${classId}/students/zed/timeline`);
    expect(response.statusCode).toBe(200);
    const [none, cut] = response.json<{
      items: { eventId: string; code: string | null; codeTruncated: boolean }[];
    }>().items;
    expect(none).toMatchObject({ eventId: 'z-none', code: null, codeTruncated: false });
    expect(cut).toMatchObject({ eventId: 'z-long', codeTruncated: true });
    expect(cut?.code).toBe(long.slice(0, TIMELINE_CODE_MAX_CHARS));
  });

  it("lets a student read its own timeline, never another's (403); 404 for an unknown student", async () => {
    expect((await t.as(amy).get(`/api/v1/classes/${classId}/students/amy/timeline`)).statusCode).toBe(200);
    const other = await t.as(ali).get(`/api/v1/classes/${classId}/students/amy/timeline`);
    expect(other.statusCode).toBe(403);
    expect(codeOf(other)).toBe('LMS_FORBIDDEN');
    expect((await t.as(bob.token).get(`/api/v1/classes/${classId}/students/amy/timeline`)).statusCode).toBe(
      403,
    );
    expect(
      (await t.as(alice.token).get(`/api/v1/classes/${classId}/students/ghost/timeline`)).statusCode,
    ).toBe(404);
  });

  it('counts executions and errors per interval from InfluxDB', async () => {
    const body = await eventually(
      async () => {
        const response = await t
          .as(alice.token)
          .get(`/api/v1/classes/${classId}/activity?interval=1m&range=1h`);
        expect(response.statusCode).toBe(200);
        const json = response.json<{ buckets: { time: string; executions: number; errors: number }[] }>();
        const total = json.buckets.reduce((sum, b) => sum + b.executions + b.errors, 0);
        return total === 4 ? json : undefined;
      },
      { what: 'activity from InfluxDB' },
    );
    expect(body).toMatchObject({ classId, interval: '1m', range: '1h' });
    expect(body.buckets).toHaveLength(60);
    const windowOf = (minutesAgo: number) =>
      new Date(Math.floor((now - minutesAgo * MINUTE) / MINUTE) * MINUTE).toISOString();
    const busy = body.buckets.filter((b) => b.executions + b.errors > 0);
    const expected = new Map<string, { executions: number; errors: number }>();
    for (const [minutesAgo, kind] of [
      [2.5, 'executions'],
      [2.4, 'executions'],
      [2.3, 'errors'],
      [12, 'executions'],
    ] as const) {
      const entry = expected.get(windowOf(minutesAgo)) ?? { executions: 0, errors: 0 };
      entry[kind] += 1;
      expected.set(windowOf(minutesAgo), entry);
    }
    expect(busy).toEqual(
      [...expected]
        .map(([time, counts]) => ({ time, ...counts }))
        .sort((a, b) => a.time.localeCompare(b.time)),
    );

    // Windows of less than a minute count class_activity itself, not the per-minute counts.
    const halfMinutes = await t
      .as(alice.token)
      .get(`/api/v1/classes/${classId}/activity?interval=30s&range=1h`);
    const halves = halfMinutes.json<{ buckets: { executions: number; errors: number }[] }>().buckets;
    expect(halves).toHaveLength(120);
    expect(halves.reduce((sum, b) => sum + b.executions, 0)).toBe(3);
    expect(halves.reduce((sum, b) => sum + b.errors, 0)).toBe(1);

    const onlyAli = await t
      .as(alice.token)
      .get(`/api/v1/classes/${classId}/activity?interval=1h&range=1d&userId=ali`);
    const aliTotals = onlyAli.json<{ buckets: { executions: number; errors: number }[] }>().buckets;
    expect(aliTotals.reduce((sum, b) => sum + b.executions, 0)).toBe(1);
    expect(aliTotals.reduce((sum, b) => sum + b.errors, 0)).toBe(1);
    expect(aliTotals).toHaveLength(24);
  });

  it('bounds the activity query (400) and guards it like the class (403, 404)', async () => {
    for (const query of ['interval=1s&range=7d', 'interval=1m&range=60d', 'interval=fast', 'range=0h']) {
      const response = await t.as(alice.token).get(`/api/v1/classes/${classId}/activity?${query}`);
      expect(response.statusCode, query).toBe(400);
      expect(codeOf(response)).toBe('LMS_VALIDATION');
    }
    expect((await t.as(bob.token).get(`/api/v1/classes/${classId}/activity`)).statusCode).toBe(403);
    expect((await t.as(amy).get(`/api/v1/classes/${classId}/activity`)).statusCode).toBe(403);
    expect((await t.as(alice.token).get('/api/v1/classes/999999/activity')).statusCode).toBe(404);
  });

  it('answers 503 when InfluxDB does not answer', async () => {
    const offline = await createTestApp(
      'lms_progress_offline',
      {},
      {
        influx: unreachableInflux(),
      },
    );
    try {
      const teacher = await offline.instructor('off');
      const id = await offline.createClass(teacher.token, 'OFF-1');
      const response = await offline.as(teacher.token).get(`/api/v1/classes/${id}/activity`);
      expect(response.statusCode).toBe(503);
      expect(codeOf(response)).toBe('LMS_INFLUX_UNAVAILABLE');
      expect(response.headers['retry-after']).toBe('5');
    } finally {
      await offline.close();
    }
  });
});
