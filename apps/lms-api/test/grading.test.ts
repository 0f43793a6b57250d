import { notificationOutbox } from '@cellstream/db';
import { asc } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Client, codeOf, createTestApp, type TestApp } from './helpers.js';

const HOUR_MS = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();

/** Grading, returning, due dates and extensions, and who may do and see what (no Kafka here: the outbox rows are checked). */
describe('grading', () => {
  let t: TestApp;
  let admin: string;
  let alice: { id: number; token: string };
  let bob: { id: number; token: string };
  let aliceClass: number;
  let ann: string;
  let ben: string;
  /** Due an hour ago. */
  let pastDue: number;
  /** Due in an hour. */
  let futureDue: number;
  let annLate: number;
  let benOnTime: number;

  const outbox = () => t.db.select().from(notificationOutbox).orderBy(asc(notificationOutbox.id));

  beforeAll(async () => {
    t = await createTestApp('lms_grading');
    admin = await t.adminToken();
    alice = await t.instructor('g-alice');
    bob = await t.instructor('g-bob');
    aliceClass = await t.createClass(alice.token, 'G-ALICE');
    await t.createClass(bob.token, 'G-BOB');
    ann = (await t.student('g-ann', { classId: aliceClass })).token;
    ben = (await t.student('g-ben', { classId: aliceClass })).token;
    const create = async (title: string, dueAt: number) => {
      const response = await t.as(alice.token).post('/api/v1/assignments', {
        class_id: aliceClass,
        title,
        due_at: iso(dueAt),
        max_score: 10,
      });
      expect(response.statusCode).toBe(201);
      return response.json<{ id: number }>().id;
    };
    pastDue = await create('Week 1: Variables', Date.now() - HOUR_MS);
    futureDue = await create('Week 2: Loops', Date.now() + HOUR_MS);
    const submit = async (token: string, assignmentId: number) => {
      const response = await t
        .as(token)
        .post('/api/v1/submissions', { assignment_id: assignmentId, content: 'x = 1' });
      expect(response.statusCode).toBe(201);
      return response.json<{ id: number; late: boolean }>();
    };
    const late = await submit(ann, pastDue);
    expect(late.late).toBe(true);
    annLate = late.id;
    const onTime = await submit(ben, futureDue);
    expect(onTime.late).toBe(false);
    benOnTime = onTime.id;
  });

  afterAll(async () => {
    await t.close();
  });

  describe('due dates and extensions', () => {
    it("marks a submission late against the assignment's due date, on time before it", async () => {
      const late = (await t.as(alice.token).get(`/api/v1/submissions/${annLate}`)).json();
      expect(late).toMatchObject({ late: true, extended: false, max_score: 10 });
      expect(Date.parse(late.due_at)).toBeLessThan(Date.parse(late.submitted_at));
      const onTime = (await t.as(alice.token).get(`/api/v1/submissions/${benOnTime}`)).json();
      expect(onTime).toMatchObject({ late: false, extended: false });
      expect(Date.parse(onTime.due_at)).toBeGreaterThan(Date.parse(onTime.submitted_at));
    });

    it("judges against the student's extension while it exists, and lists it for whom may see it", async () => {
      const extendedTo = iso(Date.now() + 2 * HOUR_MS);
      const created = await t.as(alice.token).post(`/api/v1/assignments/${pastDue}/extensions`, {
        student_id: 'g-ann',
        due_at: extendedTo,
        reason: 'ill',
      });
      expect(created.statusCode).toBe(201);
      expect(created.json()).toEqual({
        id: expect.any(Number),
        assignment_id: pastDue,
        student_id: 'g-ann',
        due_at: extendedTo,
        reason: 'ill',
        created_at: expect.any(String),
      });
      const again = await t
        .as(alice.token)
        .post(`/api/v1/assignments/${pastDue}/extensions`, { student_id: 'g-ann', due_at: extendedTo });
      expect(again.statusCode).toBe(409);
      expect(codeOf(again)).toBe('LMS_CONFLICT');

      const seen = (await t.as(ann).get(`/api/v1/submissions/${annLate}`)).json();
      expect(seen).toMatchObject({ late: false, extended: true, due_at: extendedTo });
      // The list endpoint agrees with the single read.
      const listed = (await t.as(alice.token).get(`/api/v1/submissions?assignment_id=${pastDue}`)).json();
      expect(listed).toEqual([expect.objectContaining({ id: annLate, late: false, extended: true })]);

      expect((await t.as(alice.token).get(`/api/v1/assignments/${pastDue}/extensions`)).json()).toEqual([
        expect.objectContaining({ student_id: 'g-ann', due_at: extendedTo }),
      ]);
      expect((await t.as(ann).get(`/api/v1/assignments/${pastDue}/extensions`)).json()).toHaveLength(1);
      // Another student of the class sees none of ann's.
      expect((await t.as(ben).get(`/api/v1/assignments/${pastDue}/extensions`)).json()).toEqual([]);

      const removed = await t.as(alice.token).delete(`/api/v1/assignments/${pastDue}/extensions/g-ann`);
      expect(removed.statusCode).toBe(204);
      expect((await t.as(ann).get(`/api/v1/submissions/${annLate}`)).json()).toMatchObject({
        late: true,
        extended: false,
      });
      const gone = await t.as(alice.token).delete(`/api/v1/assignments/${pastDue}/extensions/g-ann`);
      expect(gone.statusCode).toBe(404);
    });

    it('an extension granted ahead of time keeps a submission after the original due date on time', async () => {
      const soon = await t.as(alice.token).post('/api/v1/assignments', {
        class_id: aliceClass,
        title: 'Already due',
        due_at: iso(Date.now() - 60_000),
        max_score: 5,
      });
      const id = soon.json<{ id: number }>().id;
      await t.as(admin).post(`/api/v1/assignments/${id}/extensions`, {
        student_id: 'g-ben',
        due_at: iso(Date.now() + HOUR_MS),
      });
      const bens = await t.as(ben).post('/api/v1/submissions', { assignment_id: id, content: 'done' });
      expect(bens.json()).toMatchObject({ late: false, extended: true });
      const anns = await t.as(ann).post('/api/v1/submissions', { assignment_id: id, content: 'done' });
      expect(anns.json()).toMatchObject({ late: true, extended: false });
    });

    it('refuses extensions for unknown students (422), students of no class (422), unknown assignments (404)', async () => {
      const unknown = await t
        .as(alice.token)
        .post(`/api/v1/assignments/${pastDue}/extensions`, { student_id: 'nobody', due_at: iso(Date.now()) });
      expect(unknown.statusCode).toBe(422);
      expect(codeOf(unknown)).toBe('LMS_REFERENCE_NOT_FOUND');
      await t.student('g-loner');
      const loner = await t.as(alice.token).post(`/api/v1/assignments/${pastDue}/extensions`, {
        student_id: 'g-loner',
        due_at: iso(Date.now()),
      });
      expect(loner.statusCode).toBe(422);
      expect(codeOf(loner)).toBe('LMS_NOT_ENROLLED');
      const missing = await t
        .as(alice.token)
        .post('/api/v1/assignments/999999/extensions', { student_id: 'g-ann', due_at: iso(Date.now()) });
      expect(missing.statusCode).toBe(404);
      const bad = await t
        .as(alice.token)
        .post(`/api/v1/assignments/${pastDue}/extensions`, { student_id: 'g-ann', due_at: 'tomorrow' });
      expect(bad.statusCode).toBe(400);
    });
  });

  describe('grades', () => {
    it('grades with score and feedback, and changes the grade', async () => {
      const before = await outbox();
      const graded = await t
        .as(alice.token)
        .put(`/api/v1/submissions/${annLate}/grade`, { score: 8, feedback: 'Good, watch the names' });
      expect(graded.statusCode).toBe(200);
      expect(graded.json()).toMatchObject({
        id: annLate,
        status: 'graded',
        score: 8,
        max_score: 10,
        feedback: 'Good, watch the names',
        graded_at: expect.any(String),
        late: true,
      });
      const changed = await t.as(alice.token).put(`/api/v1/submissions/${annLate}/grade`, { score: 9.5 });
      expect(changed.json()).toMatchObject({
        status: 'graded',
        score: 9.5,
        feedback: 'Good, watch the names',
      });

      // Each grade queued one notification for ann, in the same transaction.
      const queued = (await outbox()).slice(before.length);
      expect(queued.map((row) => row.payload)).toEqual([
        expect.objectContaining({
          kind: 'assignment_graded',
          classId: String(aliceClass),
          userId: 'g-ann',
          senderId: 'g-alice',
          title: 'Week 1: Variables graded: 8 / 10',
          message: 'Good, watch the names',
          assignmentId: String(pastDue),
          submissionId: String(annLate),
          score: 8,
          maxScore: 10,
        }),
        expect.objectContaining({
          kind: 'assignment_graded',
          score: 9.5,
          title: 'Week 1: Variables graded: 9.5 / 10',
        }),
      ]);
      expect(queued.every((row) => row.key === String(aliceClass) && row.sentAt === null)).toBe(true);
    });

    it('refuses a score outside 0..max_score (422) and changes nothing', async () => {
      const before = await outbox();
      const high = await t.as(alice.token).put(`/api/v1/submissions/${annLate}/grade`, { score: 10.5 });
      expect(high.statusCode).toBe(422);
      expect(codeOf(high)).toBe('LMS_SCORE_OUT_OF_RANGE');
      const negative = await t.as(alice.token).put(`/api/v1/submissions/${annLate}/grade`, { score: -1 });
      expect(negative.statusCode).toBe(400);
      expect(codeOf(negative)).toBe('LMS_VALIDATION');
      // The same check through the general PUT.
      const viaPut = await t.as(alice.token).put(`/api/v1/submissions/${annLate}`, { score: 11 });
      expect(viaPut.statusCode).toBe(422);
      expect((await t.as(ann).get(`/api/v1/submissions/${annLate}`)).json().score).toBe(9.5);
      expect(await outbox()).toHaveLength(before.length);
    });

    it('returns a submission (once), the student resubmits, and it is judged late again by its new time', async () => {
      const returned = await t
        .as(alice.token)
        .post(`/api/v1/submissions/${annLate}/return`, { feedback: 'Please fix cell 3' });
      expect(returned.statusCode).toBe(200);
      expect(returned.json()).toMatchObject({
        status: 'returned',
        feedback: 'Please fix cell 3',
        returned_at: expect.any(String),
      });
      const twice = await t.as(alice.token).post(`/api/v1/submissions/${annLate}/return`, {});
      expect(twice.statusCode).toBe(409);
      expect(codeOf(twice)).toBe('LMS_SUBMISSION_STATE');
      expect((await outbox()).at(-1)?.payload).toMatchObject({
        kind: 'assignment_returned',
        userId: 'g-ann',
        message: 'Please fix cell 3',
        score: null,
        maxScore: null,
      });

      const first = (await t.as(ann).get(`/api/v1/submissions/${annLate}`)).json();
      const resubmitted = await t.as(ann).put(`/api/v1/submissions/${annLate}`, { content: 'x = 2' });
      expect(resubmitted.statusCode).toBe(200);
      expect(resubmitted.json()).toMatchObject({ status: 'submitted', content: 'x = 2', late: true });
      expect(Date.parse(resubmitted.json().submitted_at)).toBeGreaterThan(Date.parse(first.submitted_at));
      // Graded again, the student can no longer change it.
      await t.as(alice.token).put(`/api/v1/submissions/${annLate}/grade`, { score: 10 });
      expect((await t.as(ann).put(`/api/v1/submissions/${annLate}`, { content: 'x = 3' })).statusCode).toBe(
        403,
      );
    });

    it('grades through the general PUT too, with the same notification', async () => {
      const before = await outbox();
      const graded = await t
        .as(alice.token)
        .put(`/api/v1/submissions/${benOnTime}`, { status: 'graded', score: 7, feedback: 'OK' });
      expect(graded.json()).toMatchObject({ status: 'graded', score: 7, late: false });
      const queued = (await outbox()).slice(before.length);
      expect(queued.map((row) => row.payload)).toEqual([
        expect.objectContaining({ kind: 'assignment_graded', userId: 'g-ben', score: 7, message: 'OK' }),
      ]);
      const noScore = await t.as(alice.token).put(`/api/v1/submissions/${benOnTime}`, { score: null });
      expect(noScore.statusCode).toBe(400);
    });

    it("shows students their own grade and feedback, and nobody else's", async () => {
      const own = await t.as(ann).get(`/api/v1/submissions/${annLate}`);
      expect(own.json()).toMatchObject({ student_id: 'g-ann', score: 10, status: 'graded' });
      const others = await t.as(ben).get(`/api/v1/submissions/${annLate}`);
      expect(others.statusCode).toBe(403);
      const bensList = (await t.as(ben).get(`/api/v1/submissions?class_id=${aliceClass}`)).json<
        { student_id: string }[]
      >();
      expect(bensList.length).toBeGreaterThan(0);
      expect(bensList.every((item) => item.student_id === 'g-ben')).toBe(true);
      expect((await t.as(ben).get('/api/v1/submissions?student_id=g-ann')).statusCode).toBe(403);
      // Another instructor sees none of alice's class.
      expect((await t.as(bob.token).get(`/api/v1/submissions/${annLate}`)).statusCode).toBe(403);
      expect((await t.as(bob.token).get(`/api/v1/submissions?class_id=${aliceClass}`)).json()).toEqual([]);
    });
  });

  describe('system messages', () => {
    it('queues a system_message for the whole class (userId null) and answers 202', async () => {
      const sent = await t
        .as(alice.token)
        .post(`/api/v1/classes/${aliceClass}/messages`, { title: 'Break', message: 'Back in 10 minutes' });
      expect(sent.statusCode).toBe(202);
      expect(sent.json()).toEqual({
        notification_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        class_id: aliceClass,
        title: 'Break',
        message: 'Back in 10 minutes',
        created_at: expect.any(String),
      });
      expect((await outbox()).at(-1)).toMatchObject({
        notificationId: sent.json().notification_id,
        key: String(aliceClass),
        payload: expect.objectContaining({
          kind: 'system_message',
          userId: null,
          senderId: 'g-alice',
          title: 'Break',
          message: 'Back in 10 minutes',
          assignmentId: null,
        }),
      });
      const empty = await t
        .as(alice.token)
        .post(`/api/v1/classes/${aliceClass}/messages`, { title: '', message: 'x' });
      expect(empty.statusCode).toBe(400);
      expect(
        (await t.as(alice.token).post('/api/v1/classes/999999/messages', { title: 'a', message: 'b' }))
          .statusCode,
      ).toBe(404);
    });
  });

  describe('permissions', () => {
    /** Each grading endpoint with a body that would succeed for an allowed caller. */
    const endpoints = (): { name: string; call: (client: Client) => ReturnType<Client['get']> }[] => [
      { name: 'grade', call: (c) => c.put(`/api/v1/submissions/${benOnTime}/grade`, { score: 5 }) },
      { name: 'return', call: (c) => c.post(`/api/v1/submissions/${benOnTime}/return`, {}) },
      {
        name: 'create extension',
        call: (c) =>
          c.post(`/api/v1/assignments/${futureDue}/extensions`, {
            student_id: 'g-ben',
            due_at: iso(Date.now()),
          }),
      },
      {
        name: 'delete extension',
        call: (c) => c.delete(`/api/v1/assignments/${futureDue}/extensions/g-ben`),
      },
      {
        name: 'system message',
        call: (c) => c.post(`/api/v1/classes/${aliceClass}/messages`, { title: 't', message: 'm' }),
      },
    ];

    it('refuses anonymous callers (401), students (403) and instructors of other classes (403)', async () => {
      for (const { name, call } of endpoints()) {
        const anonymous = await call(t.as());
        expect(anonymous.statusCode, `${name} anonymous`).toBe(401);
        for (const [who, token] of [
          ['student', ann],
          ['other instructor', bob.token],
        ] as const) {
          const response = await call(t.as(token));
          expect(response.statusCode, `${name} as ${who}`).toBe(403);
          expect(codeOf(response), `${name} as ${who}`).toBe('LMS_FORBIDDEN');
        }
      }
      expect((await t.as(bob.token).get(`/api/v1/assignments/${futureDue}/extensions`)).statusCode).toBe(403);
      expect((await t.as(ben).get(`/api/v1/assignments/${futureDue}/extensions`)).statusCode).toBe(200);
    });

    it("lets the class's instructor and admins do each", async () => {
      // Twice over (instructor, then admin): each call succeeds in the state the one before left.
      for (const [who, token] of [
        ['instructor', alice.token],
        ['admin', admin],
      ] as const) {
        for (const { name, call } of endpoints()) {
          const response = await call(t.as(token));
          expect(response.statusCode, `${name} as ${who}: ${response.body}`).toBeLessThan(300);
        }
      }
    });

    it('answers 404 for unknown submissions', async () => {
      expect((await t.as(alice.token).put('/api/v1/submissions/999999/grade', { score: 1 })).statusCode).toBe(
        404,
      );
      expect((await t.as(alice.token).post('/api/v1/submissions/999999/return', {})).statusCode).toBe(404);
    });
  });
});
