import {
  auditLog,
  cellExecutions,
  notebookAccesses,
  notebooks,
  sessions,
  students,
  users,
} from '@cellstream/db';
import { createTestBucket, type TestBucket } from '@cellstream/testkit';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyRetention } from '../src/queries/privacy.js';
import { codeOf, createTestApp, type TestApp } from './helpers.js';
import { countPoints, execution, unreachableInflux, writePoints } from './influx-points.js';

const DAY = 86_400_000;

describe('privacy: export, deletion, retention, audit log', () => {
  let t: TestApp;
  let bucket: TestBucket;
  let admin: string;
  let alice: { id: number; token: string };
  let classId: number;
  let pat: string;
  let quinn: string;

  async function addEvents(userId: string, prefix: string, daysAgo: number[]) {
    const [notebook] = await t.db
      .insert(notebooks)
      .values({ classId: String(classId), path: `${prefix}.ipynb` })
      .onConflictDoNothing()
      .returning();
    if (!notebook) throw new Error('notebook');
    await t.db.insert(sessions).values({ sessionId: `${prefix}-session`, userId, classId: String(classId) });
    // The same executions as the persister's InfluxDB points.
    await writePoints(
      bucket.bucket,
      daysAgo.map((days, i) =>
        execution({
          eventId: `${prefix}-${i}`,
          userId,
          classId: String(classId),
          eventTime: Date.now() - days * DAY,
        }),
      ),
    );
    await t.db.insert(cellExecutions).values(
      daysAgo.map((days, i) => ({
        eventId: `${prefix}-${i}`,
        eventType: 'cell_execution_complete',
        userId,
        classId: String(classId),
        notebookId: notebook.id,
        cellId: `c${i}`,
        code: 'secret = 42',
        result: '42',
        eventTime: new Date(Date.now() - days * DAY),
      })),
    );
    await t.db.insert(notebookAccesses).values({
      eventId: `${prefix}-open`,
      userId,
      classId: String(classId),
      notebookId: notebook.id,
      action: 'open',
      eventTime: new Date(Date.now() - 40 * DAY),
    });
  }

  beforeAll(async () => {
    bucket = await createTestBucket('lms_privacy');
    t = await createTestApp('lms_privacy', { INFLUX_BUCKET: bucket.bucket });
    admin = await t.adminToken();
    alice = await t.instructor('pv-alice');
    classId = await t.createClass(alice.token, 'PV-1');
    pat = (await t.student('pat', { classId })).token;
    quinn = (await t.student('quinn', { classId })).token;
    await addEvents('pat', 'pat', [1, 2]);
    await addEvents('quinn', 'quinn', [1, 40, 50]);
    const assignment = await t.as(alice.token).post('/api/v1/assignments', { class_id: classId, title: 'A' });
    await t.as(pat).post('/api/v1/submissions', { assignment_id: assignment.json().id, content: 'mine' });
  });

  afterAll(async () => {
    await t.close();
    await bucket.drop();
  });

  it('exports everything about a student to itself and admins, and records it', async () => {
    const response = await t.as(pat).get('/api/v1/students/pat/export');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-disposition']).toContain('cellstream-pat.json');
    const data = response.json();
    expect(data.student).toMatchObject({ userId: 'pat', displayName: 'Student pat' });
    expect(data.account).toMatchObject({ username: 'pat', role: 'student' });
    expect(data.account).not.toHaveProperty('passwordHash');
    expect(data.enrollments).toEqual([expect.objectContaining({ classId, classCode: 'PV-1' })]);
    expect(data.submissions).toEqual([expect.objectContaining({ content: 'mine', assignmentTitle: 'A' })]);
    expect(data.sessions).toHaveLength(1);
    expect(data.cellExecutions.map((e: { eventId: string }) => e.eventId)).toEqual(['pat-1', 'pat-0']);
    expect(data.cellExecutions[0]).toMatchObject({ code: 'secret = 42', notebookPath: 'pat.ipynb' });
    expect(data.notebookAccesses).toEqual([
      expect.objectContaining({ action: 'open', notebookPath: 'pat.ipynb' }),
    ]);
    expect(JSON.stringify(data)).not.toContain('quinn');

    expect((await t.as(admin).get('/api/v1/students/pat/export')).statusCode).toBe(200);
    expect((await t.as(quinn).get('/api/v1/students/pat/export')).statusCode).toBe(403);
    expect((await t.as(alice.token).get('/api/v1/students/pat/export')).statusCode).toBe(403);
    expect((await t.as(admin).get('/api/v1/students/ghost/export')).statusCode).toBe(404);

    const log = await t.as(admin).get('/api/v1/admin/audit-log?limit=5');
    expect(log.json()).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ actor: 'pat', action: 'student.export', target: 'student:pat' }),
      ]),
    );
    expect((await t.as(alice.token).get('/api/v1/admin/audit-log')).statusCode).toBe(403);
  });

  it('deletes a student and all its data (admins only), revoking its ingest tokens', async () => {
    const issued = await t.as(alice.token).post(`/api/v1/classes/${classId}/students/pat/ingest-tokens`);
    expect(issued.statusCode).toBe(201);
    expect((await t.as(alice.token).delete('/api/v1/students/pat')).statusCode).toBe(403);
    expect((await t.as(pat).delete('/api/v1/students/pat')).statusCode).toBe(403);

    const response = await t.as(admin).delete('/api/v1/students/pat');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      userId: 'pat',
      deleted: {
        cellExecutions: 2,
        notebookAccesses: 1,
        sessions: 1,
        submissions: 1,
        enrollments: 1,
        ingestTokensRevoked: 1,
        account: 1,
        influxPoints: 2,
      },
    });
    // Its InfluxDB points are gone, the other student's stay, and the class's anonymous counts keep its share.
    expect(await countPoints(bucket.bucket, 'student_progress', `"userId" = 'pat'`)).toBe(0);
    expect(await countPoints(bucket.bucket, 'student_progress', `"userId" = 'quinn'`)).toBe(3);
    expect(await countPoints(bucket.bucket, 'class_activity', `"classId" = '${classId}'`)).toBe(5);
    expect(await countPoints(bucket.bucket, 'class_activity_1m', `"classId" = '${classId}'`)).toBe(5);
    expect(await t.db.select().from(students).where(eq(students.userId, 'pat'))).toEqual([]);
    expect(await t.db.select().from(users).where(eq(users.username, 'pat'))).toEqual([]);
    expect(await t.db.select().from(cellExecutions).where(eq(cellExecutions.userId, 'pat'))).toEqual([]);
    const revoked = await t.as().get('/.well-known/revoked-tokens');
    expect(revoked.json().revoked.map((r: { jti: string }) => r.jti)).toContain(issued.json().jti);
    // Its session token dies with the account.
    expect((await t.as(pat).get('/api/v1/users/me')).statusCode).toBe(401);
    expect((await t.as(admin).delete('/api/v1/students/pat')).statusCode).toBe(404);
    const [entry] = await t.db.select().from(auditLog).where(eq(auditLog.action, 'student.delete'));
    expect(entry).toMatchObject({ actor: 'admin', target: 'student:pat', details: { cellExecutions: 2 } });
  });

  it("applies a class's retention and storage settings to stored events", async () => {
    expect(
      (await t.as(alice.token).put(`/api/v1/classes/${classId}`, { retention_days: 30, store_code: false }))
        .statusCode,
    ).toBe(200);
    const [first] = await applyRetention(t.db, t.influx);
    expect(first).toEqual({
      classId,
      deletedExecutions: 2,
      deletedAccesses: 1,
      clearedCode: 1,
      clearedOutputs: 0,
      deletedPoints: 2,
    });
    // quinn's points of 40 and 50 days ago are gone from both measurements; pat's (1 and 2 days) stay counted.
    expect(await countPoints(bucket.bucket, 'student_progress', `"userId" = 'quinn'`)).toBe(1);
    expect(await countPoints(bucket.bucket, 'class_activity', `"classId" = '${classId}'`)).toBe(3);
    expect(await countPoints(bucket.bucket, 'class_activity_1m', `"classId" = '${classId}'`)).toBe(3);
    const left = await t.db.select().from(cellExecutions).where(eq(cellExecutions.userId, 'quinn'));
    expect(left.map((row) => [row.eventId, row.code, row.result])).toEqual([['quinn-0', null, '42']]);
    expect(await applyRetention(t.db, t.influx)).toEqual([]);

    expect(
      (await t.as(alice.token).put(`/api/v1/classes/${classId}`, { store_outputs: false })).statusCode,
    ).toBe(200);
    const run = await t.as(admin).post('/api/v1/admin/retention/run');
    expect(run.statusCode).toBe(200);
    expect(run.json().classes).toEqual([expect.objectContaining({ classId, clearedOutputs: 1 })]);
    expect((await t.as(alice.token).post('/api/v1/admin/retention/run')).statusCode).toBe(403);
    const actions = (await t.db.select().from(auditLog)).map((row) => row.action);
    expect(actions).toEqual(expect.arrayContaining(['class.privacy', 'class.retention']));
  });

  it('deletes nothing when InfluxDB does not answer, and says to retry (503)', async () => {
    const offline = await createTestApp(
      'lms_privacy_offline',
      {},
      {
        influx: unreachableInflux(),
      },
    );
    try {
      await offline.student('olga');
      const response = await offline.as(await offline.adminToken()).delete('/api/v1/students/olga');
      expect(response.statusCode).toBe(503);
      expect(codeOf(response)).toBe('LMS_INFLUX_UNAVAILABLE');
      expect(await offline.db.select().from(students).where(eq(students.userId, 'olga'))).toHaveLength(1);
      expect(await offline.db.select().from(auditLog).where(eq(auditLog.action, 'student.delete'))).toEqual(
        [],
      );
    } finally {
      await offline.close();
    }
  });
});
