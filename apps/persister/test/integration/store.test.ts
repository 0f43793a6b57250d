import type { LearningEvent } from '@cellstream/schemas';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activityPointTime, pointTime } from '../../src/influx/point-mapper.js';
import { type RunningPersister, startPersister } from '../../src/start.js';
import { classroom, expectedCounts, makeEvent } from '../support/events.js';
import { InfluxReader, PgReader } from '../support/readers.js';
import { EventProducer, type TestStores, testStores, waitUntilDrained } from '../support/stack.js';

describe('persister: every event into PostgreSQL and InfluxDB, once', () => {
  let stores: TestStores;
  let persister: RunningPersister;
  let producer: EventProducer;
  let pgReader: PgReader;
  let influxReader: InfluxReader;
  let events: LearningEvent[];
  let openClass: string;
  let privateClass: string;
  const groups = () => [stores.config.PERSISTER_PG_GROUP_ID, stores.config.PERSISTER_INFLUX_GROUP_ID];

  beforeAll(async () => {
    stores = await testStores('store');
    pgReader = new PgReader(stores.database.url);
    influxReader = new InfluxReader(stores.bucket.bucket);
    const [instructor] = await pgReader.rows<{ id: number }>(
      `INSERT INTO users (username, role, display_name) VALUES ('teacher', 'instructor', 'T') RETURNING id`,
    );
    const classes = await pgReader.rows<{ id: number }>(
      `INSERT INTO classes (name, class_code, instructor_id, store_code, store_outputs)
       VALUES ('Open', 'OPEN', $1, true, true), ('Private', 'PRIV', $1, false, false) RETURNING id`,
      [instructor?.id],
    );
    openClass = String(classes[0]?.id);
    privateClass = String(classes[1]?.id);
    events = [
      ...classroom({
        tag: 'st',
        classIds: [openClass, privateClass, '999'],
        studentsPerClass: 3,
        executionsPerStudent: 6,
      }),
      // Outside any class: notebooks are unique by path among class-less events.
      makeEvent({ eventId: 'st-classless-1', classId: null, userId: 'loner', sessionId: null }),
      makeEvent({
        eventId: 'st-classless-2',
        classId: null,
        userId: 'loner',
        sessionId: null,
        cellId: 'cell-b',
      }),
    ];
    persister = await startPersister(stores.config);
    producer = new EventProducer(stores.config);
    await producer.connect();
  });

  afterAll(async () => {
    await producer?.disconnect();
    await persister?.close();
    await pgReader?.close();
    await stores?.drop();
  });

  it('stores every field of every event', async () => {
    await producer.send(events);
    await waitUntilDrained(stores.config, groups());
    const expected = expectedCounts(events);

    expect(await pgReader.counts()).toMatchObject({
      students: expected.students,
      cell_executions: expected.executions,
      notebook_accesses: expected.accesses,
      sessions: expected.sessions.size,
    });

    // cell_executions: every column from the event, privacy applied per class.
    const rows = await pgReader.rows<Record<string, unknown>>(
      `SELECT e.*, n.path AS notebook_path, n.class_id AS notebook_class FROM cell_executions e
       LEFT JOIN notebooks n ON n.id = e.notebook_id`,
    );
    const byId = new Map(rows.map((row) => [row.event_id as string, row]));
    for (const event of events.filter((e) => e.eventType.startsWith('cell_execution'))) {
      const row = byId.get(event.eventId);
      const hidden = event.classId === privateClass;
      expect(row, event.eventId).toMatchObject({
        event_type: event.eventType,
        user_id: event.userId,
        class_id: event.classId,
        session_id: event.sessionId,
        notebook_path: event.notebookPath,
        notebook_class: event.classId,
        cell_id: event.cellId,
        cell_index: event.cellIndex,
        execution_count: event.executionCount,
        code: hidden ? null : event.code,
        has_error: event.hasError ?? event.eventType === 'cell_execution_error',
        error_name: event.errorName,
        error_message: hidden ? null : event.errorMessage,
        result: hidden ? null : event.result,
        duration_ms: event.executionDurationMs,
        event_time: new Date(event.eventTime),
        received_at: new Date(event.receivedAt),
      });
    }

    // notebook_accesses: one per open, save and close.
    const accesses = await pgReader.rows<{
      event_id: string;
      action: string;
      path: string;
      event_time: Date;
    }>(
      `SELECT a.event_id, a.action, n.path, a.event_time FROM notebook_accesses a JOIN notebooks n ON n.id = a.notebook_id`,
    );
    const accessEvents = events.filter((e) => e.eventType.startsWith('notebook_'));
    expect(accesses.map((a) => a.event_id).sort()).toEqual(accessEvents.map((e) => e.eventId).sort());
    for (const access of accesses) {
      const event = accessEvents.find((e) => e.eventId === access.event_id);
      expect(access).toMatchObject({
        action: event?.eventType.replace('notebook_', ''),
        path: event?.notebookPath,
        event_time: new Date(event?.eventTime ?? 0),
      });
    }

    // sessions: counters, execution time, start, end, last event and length.
    const sessions = await pgReader.rows<Record<string, unknown>>('SELECT * FROM sessions');
    expect(sessions).toHaveLength(expected.sessions.size);
    for (const session of sessions) {
      const own = events.filter((e) => e.sessionId === session.session_id);
      const start = own.find((e) => e.eventType === 'session_start')?.eventTime ?? 0;
      const end = own.find((e) => e.eventType === 'session_end')?.eventTime ?? 0;
      const counters = expected.sessions.get(session.session_id as string);
      expect(session).toMatchObject({
        user_id: own[0]?.userId,
        class_id: own[0]?.classId,
        started_at: new Date(start),
        ended_at: new Date(end),
        last_event_at: new Date(Math.max(...own.map((e) => e.eventTime))),
        executions: counters?.executions,
        errors: counters?.errors,
        execution_duration_ms: counters?.executionMs,
        duration_ms: end - start,
      });
    }

    // notebooks and cells: class-less notebooks share the path namespace; cells keep type and index.
    const cells = await pgReader.rows<{
      path: string;
      class_id: string | null;
      cell_id: string;
      cell_index: number;
      cell_type: string;
    }>(
      'SELECT n.path, n.class_id, c.cell_id, c.cell_index, c.cell_type FROM cells c JOIN notebooks n ON n.id = c.notebook_id',
    );
    expect(
      cells.filter((cell) => cell.class_id === openClass && cell.path.endsWith(`lab-${openClass}.ipynb`)),
    ).toHaveLength(4);
    expect(cells.find((cell) => cell.class_id === openClass && cell.cell_id === 'cell-3')).toMatchObject({
      cell_index: 3,
      cell_type: 'code',
    });
    expect(
      cells
        .filter((cell) => cell.class_id === null)
        .map((cell) => cell.cell_id)
        .sort(),
    ).toEqual(['cell-a', 'cell-b']);
    expect(await pgReader.count(`notebooks WHERE class_id IS NULL`)).toBe(1);

    // InfluxDB: one point per event, tags and fields of CONTRACT.md, time = eventTime (+ ns offset).
    const points = await influxReader.points();
    expect(points).toHaveLength(events.length);
    const pointsById = new Map(points.map((point) => [point.eventId as string, point]));
    for (const event of events) {
      const point = pointsById.get(event.eventId);
      expect(point, event.eventId).toBeDefined();
      expect(nanosOf(point?._time as string)).toBe(BigInt(pointTime(event)));
      expect(nanosOf(point?._time as string) / 1_000_000n).toBe(BigInt(event.eventTime));
      const expectedPoint: Record<string, unknown> = {
        userId: event.userId,
        event: event.eventType,
        eventId: event.eventId,
      };
      if (event.classId) expectedPoint.classId = event.classId;
      if (event.notebookPath)
        Object.assign(expectedPoint, { notebook: event.notebookPath, notebookPath: event.notebookPath });
      if (event.cellType) expectedPoint.cellType = event.cellType;
      if (event.sessionId) expectedPoint.sessionId = event.sessionId;
      if (event.cellId) expectedPoint.cellId = event.cellId;
      if (event.executionCount !== null) expectedPoint.executionCount = event.executionCount;
      if (event.executionDurationMs !== null) expectedPoint.duration = event.executionDurationMs;
      if (event.eventType.startsWith('cell_execution')) {
        expectedPoint.success = event.eventType !== 'cell_execution_error';
      }
      const { _time, ...rest } = point ?? {};
      expect(rest).toEqual(expectedPoint);
    }

    // class_activity: one point per finished execution of a class, naming only class and type.
    const finished = events.filter(
      (event) =>
        event.classId !== null &&
        (event.eventType === 'cell_execution_complete' || event.eventType === 'cell_execution_error'),
    );
    expect(finished.length).toBeGreaterThan(0);
    const activity = await influxReader.points('class_activity');
    expect(
      activity
        .map((point) => `${nanosOf(point._time as string)} ${point.classId} ${point.event} ${point.n}`)
        .sort(),
    ).toEqual(
      finished.map((event) => `${activityPointTime(event)} ${event.classId} ${event.eventType} 1`).sort(),
    );
  });

  it('leaves one row and one point per event, and the same counters, when events come again', async () => {
    const before = { counts: await pgReader.counts(), sessions: await pgReader.sessions() };
    // A producer retry duplicates records: the whole set again, plus repeats inside one batch.
    await producer.send([...events, ...events.slice(0, 20)]);
    await waitUntilDrained(stores.config, groups());

    expect(await pgReader.counts()).toEqual(before.counts);
    expect(await pgReader.sessions()).toEqual(before.sessions);
    expect(await influxReader.count()).toBe(events.length);
    const finished = events.filter(
      (event) => event.classId !== null && /^cell_execution_(complete|error)$/.test(event.eventType),
    );
    expect((await influxReader.points('class_activity')).length).toBe(finished.length);
    expect(await rollupCounts(influxReader)).toEqual(expectedRollup(finished));
  });

  it('answers /health, /ready and /metrics', async () => {
    const base = `http://127.0.0.1:${persister.ops?.port}`;
    expect((await fetch(`${base}/health`)).status).toBe(200);
    const ready = await fetch(`${base}/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({
      status: 'ready',
      dependencies: { kafka: 'up', postgres: 'up', influxdb: 'up' },
    });
    const metrics = await (await fetch(`${base}/metrics`)).text();
    const pgGroup = stores.config.PERSISTER_PG_GROUP_ID;
    expect(metrics).toContain(
      `persister_rows_written_total{group="${pgGroup}",table="cell_executions",service="persister"}`,
    );
    expect(metrics).toMatch(
      new RegExp(`persister_consumer_lag\\{group="${pgGroup}",partition="0",service="persister"\\} 0`),
    );
    expect(metrics).toContain('persister_batch_duration_seconds_bucket');
    expect(metrics).toContain('persister_records_total');
  });
});

/** An RFC 3339 time with up to nine fraction digits, in nanoseconds since the epoch. */
function nanosOf(time: string): bigint {
  const match = /^(.*?)(?:\.(\d+))?Z$/.exec(time);
  const seconds = BigInt(Date.parse(`${match?.[1]}Z`)) / 1_000n;
  return seconds * 1_000_000_000n + BigInt((match?.[2] ?? '').padEnd(9, '0'));
}

/** `class_activity_1m` as "minute classId event" → n. */
async function rollupCounts(reader: InfluxReader): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const point of await reader.points('class_activity_1m')) {
    counts[`${Date.parse(point._time as string)} ${point.classId} ${point.event}`] = Number(point.n);
  }
  return counts;
}

/** What `class_activity_1m` must hold for these executions: their count per minute, class and type. */
function expectedRollup(executions: readonly LearningEvent[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const event of executions) {
    const key = `${Math.floor(event.eventTime / 60_000) * 60_000} ${event.classId} ${event.eventType}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}
