import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeOf, createTestApp, type TestApp } from './helpers.js';

describe('assignments and submissions', () => {
  let t: TestApp;
  let admin: string;
  let alice: { id: number; token: string };
  let bob: { id: number; token: string };
  let aliceClass: number;
  let bobClass: number;
  let ann: string;
  let ben: string;
  let outsider: string;
  let assignment: number;

  beforeAll(async () => {
    t = await createTestApp('lms_assignments');
    admin = await t.adminToken();
    alice = await t.instructor('a-alice');
    bob = await t.instructor('a-bob');
    aliceClass = await t.createClass(alice.token, 'A-ALICE');
    bobClass = await t.createClass(bob.token, 'A-BOB');
    ann = (await t.student('ann', { classId: aliceClass })).token;
    ben = (await t.student('ben', { classId: aliceClass })).token;
    outsider = (await t.student('out', { classId: bobClass })).token;
  });

  afterAll(async () => {
    await t.close();
  });

  describe('assignments', () => {
    it('creates one in a class of the instructor (201)', async () => {
      const response = await t.as(alice.token).post('/api/v1/assignments', {
        class_id: aliceClass,
        title: 'Loops',
        description: 'for and while',
        notebook_path: 'loops.ipynb',
        due_at: '2030-01-31T23:59:00.000Z',
        max_score: 10,
      });
      expect(response.statusCode).toBe(201);
      expect(response.json()).toEqual({
        id: expect.any(Number),
        class_id: aliceClass,
        title: 'Loops',
        description: 'for and while',
        notebook_path: 'loops.ipynb',
        due_at: '2030-01-31T23:59:00.000Z',
        max_score: 10,
        created_at: expect.any(String),
        updated_at: expect.any(String),
      });
      assignment = response.json().id;
    });

    it('refuses an unknown class_id (422), a class of another instructor (403), students (403), bad bodies (400)', async () => {
      const unknown = await t.as(alice.token).post('/api/v1/assignments', { class_id: 999999, title: 'x' });
      expect(unknown.statusCode).toBe(422);
      expect(codeOf(unknown)).toBe('LMS_REFERENCE_NOT_FOUND');
      const other = await t.as(alice.token).post('/api/v1/assignments', { class_id: bobClass, title: 'x' });
      expect(other.statusCode).toBe(403);
      const student = await t.as(ann).post('/api/v1/assignments', { class_id: aliceClass, title: 'x' });
      expect(student.statusCode).toBe(403);
      for (const body of [
        { class_id: aliceClass },
        { class_id: aliceClass, title: 'x', due_at: 'tomorrow' },
        { class_id: String(aliceClass), title: 'x' },
        { class_id: aliceClass, title: 'x', max_score: -1 },
      ]) {
        expect((await t.as(alice.token).post('/api/v1/assignments', body)).statusCode).toBe(400);
      }
    });

    it('lists by class for instructors and enrolled students; gets one; refuses outsiders (403) and unknown ids (404)', async () => {
      await t.as(bob.token).post('/api/v1/assignments', { class_id: bobClass, title: 'Bob only' });
      const mine = await t.as(alice.token).get('/api/v1/assignments');
      expect(mine.json<{ title: string }[]>().map((a) => a.title)).toEqual(['Loops']);
      const all = await t.as(admin).get('/api/v1/assignments');
      expect(all.json()).toHaveLength(2);
      const filtered = await t.as(admin).get(`/api/v1/assignments?class_id=${bobClass}`);
      expect(filtered.json<{ title: string }[]>().map((a) => a.title)).toEqual(['Bob only']);
      const studentList = await t.as(ann).get('/api/v1/assignments');
      expect(studentList.json<{ id: number }[]>().map((a) => a.id)).toEqual([assignment]);
      expect((await t.as(ann).get(`/api/v1/assignments/${assignment}`)).statusCode).toBe(200);
      expect((await t.as(outsider).get(`/api/v1/assignments/${assignment}`)).statusCode).toBe(403);
      expect((await t.as(bob.token).get(`/api/v1/assignments/${assignment}`)).statusCode).toBe(403);
      expect((await t.as(alice.token).get('/api/v1/assignments/999999')).statusCode).toBe(404);
    });

    it('updates partially (200), refuses moving it to an unknown class (422) or another instructor (403), deletes (204)', async () => {
      const updated = await t
        .as(alice.token)
        .put(`/api/v1/assignments/${assignment}`, { due_at: null, max_score: 20 });
      expect(updated.statusCode).toBe(200);
      expect(updated.json()).toMatchObject({ title: 'Loops', due_at: null, max_score: 20 });
      expect(
        (await t.as(alice.token).put(`/api/v1/assignments/${assignment}`, { class_id: 999999 })).statusCode,
      ).toBe(422);
      expect(
        (await t.as(alice.token).put(`/api/v1/assignments/${assignment}`, { class_id: bobClass })).statusCode,
      ).toBe(403);
      expect(
        (await t.as(bob.token).put(`/api/v1/assignments/${assignment}`, { title: 'mine' })).statusCode,
      ).toBe(403);
      expect((await t.as(ann).put(`/api/v1/assignments/${assignment}`, { title: 'mine' })).statusCode).toBe(
        403,
      );
      expect((await t.as(alice.token).put('/api/v1/assignments/999999', { title: 'x' })).statusCode).toBe(
        404,
      );
      const scratch = await t
        .as(alice.token)
        .post('/api/v1/assignments', { class_id: aliceClass, title: 'Scratch' });
      expect((await t.as(bob.token).delete(`/api/v1/assignments/${scratch.json().id}`)).statusCode).toBe(403);
      expect((await t.as(alice.token).delete(`/api/v1/assignments/${scratch.json().id}`)).statusCode).toBe(
        204,
      );
      expect((await t.as(alice.token).delete(`/api/v1/assignments/${scratch.json().id}`)).statusCode).toBe(
        404,
      );
    });
  });

  describe('submissions', () => {
    let annSubmission: number;

    it('lets an enrolled student submit for itself (201), once (409)', async () => {
      const response = await t
        .as(ann)
        .post('/api/v1/submissions', { assignment_id: assignment, content: 'print(1)' });
      expect(response.statusCode).toBe(201);
      expect(response.json()).toMatchObject({
        assignment_id: assignment,
        class_id: aliceClass,
        student_id: 'ann',
        content: 'print(1)',
        notebook_ref: null,
        status: 'submitted',
        score: null,
        feedback: null,
      });
      annSubmission = response.json().id;
      const again = await t
        .as(ann)
        .post('/api/v1/submissions', { assignment_id: assignment, content: 'again' });
      expect(again.statusCode).toBe(409);
      expect(codeOf(again)).toBe('LMS_CONFLICT');
    });

    it('refuses students not enrolled (403), submitting for others (403), unknown assignments (422)', async () => {
      expect(
        (await t.as(outsider).post('/api/v1/submissions', { assignment_id: assignment })).statusCode,
      ).toBe(403);
      expect(
        (await t.as(ben).post('/api/v1/submissions', { assignment_id: assignment, student_id: 'ann' }))
          .statusCode,
      ).toBe(403);
      const unknown = await t.as(ben).post('/api/v1/submissions', { assignment_id: 999999 });
      expect(unknown.statusCode).toBe(422);
      expect(codeOf(unknown)).toBe('LMS_REFERENCE_NOT_FOUND');
      expect(
        (await t.as(ben).post('/api/v1/submissions', { assignment_id: assignment, x: 1 })).statusCode,
      ).toBe(400);
    });

    it('lets the instructor submit for an enrolled student; 422 for unknown or unenrolled ones, 400 without student_id', async () => {
      const created = await t.as(alice.token).post('/api/v1/submissions', {
        assignment_id: assignment,
        student_id: 'ben',
        notebook_ref: 's3://ben.ipynb',
      });
      expect(created.statusCode).toBe(201);
      expect(created.json().student_id).toBe('ben');
      const unknown = await t
        .as(alice.token)
        .post('/api/v1/submissions', { assignment_id: assignment, student_id: 'ghost' });
      expect(unknown.statusCode).toBe(422);
      const unenrolled = await t
        .as(alice.token)
        .post('/api/v1/submissions', { assignment_id: assignment, student_id: 'out' });
      expect(unenrolled.statusCode).toBe(422);
      expect(codeOf(unenrolled)).toBe('LMS_NOT_ENROLLED');
      expect(
        (await t.as(alice.token).post('/api/v1/submissions', { assignment_id: assignment })).statusCode,
      ).toBe(400);
      expect(
        (await t.as(bob.token).post('/api/v1/submissions', { assignment_id: assignment, student_id: 'ben' }))
          .statusCode,
      ).toBe(403);
    });

    it('lists with filters: students their own only, instructors their classes', async () => {
      const annList = await t.as(ann).get('/api/v1/submissions');
      expect(annList.json<{ student_id: string }[]>().map((s) => s.student_id)).toEqual(['ann']);
      expect((await t.as(ann).get('/api/v1/submissions?student_id=ben')).statusCode).toBe(403);
      const aliceList = await t.as(alice.token).get(`/api/v1/submissions?assignment_id=${assignment}`);
      expect(
        aliceList
          .json<{ student_id: string }[]>()
          .map((s) => s.student_id)
          .sort(),
      ).toEqual(['ann', 'ben']);
      expect(aliceList.headers['x-total-count']).toBe('2');
      const byStudent = await t.as(admin).get(`/api/v1/submissions?student_id=ben&class_id=${aliceClass}`);
      expect(byStudent.json<{ student_id: string }[]>().map((s) => s.student_id)).toEqual(['ben']);
      expect((await t.as(bob.token).get('/api/v1/submissions')).json()).toEqual([]);
    });

    it("gets one; refuses another student's submission (403) and unknown ids (404)", async () => {
      expect((await t.as(ann).get(`/api/v1/submissions/${annSubmission}`)).statusCode).toBe(200);
      const other = await t.as(ben).get(`/api/v1/submissions/${annSubmission}`);
      expect(other.statusCode).toBe(403);
      expect((await t.as(bob.token).get(`/api/v1/submissions/${annSubmission}`)).statusCode).toBe(403);
      expect((await t.as(alice.token).get('/api/v1/submissions/999999')).statusCode).toBe(404);
    });

    it('lets the student resubmit, the instructor grade, and then the student no longer change it', async () => {
      const resubmit = await t.as(ann).put(`/api/v1/submissions/${annSubmission}`, { content: 'print(2)' });
      expect(resubmit.statusCode).toBe(200);
      expect(resubmit.json().content).toBe('print(2)');
      const selfGrade = await t.as(ann).put(`/api/v1/submissions/${annSubmission}`, { score: 10 });
      expect(selfGrade.statusCode).toBe(403);
      expect((await t.as(ben).put(`/api/v1/submissions/${annSubmission}`, { content: 'x' })).statusCode).toBe(
        403,
      );
      const graded = await t
        .as(alice.token)
        .put(`/api/v1/submissions/${annSubmission}`, { status: 'graded', score: 9.5, feedback: 'Good' });
      expect(graded.json()).toMatchObject({
        status: 'graded',
        score: 9.5,
        feedback: 'Good',
        content: 'print(2)',
      });
      expect(
        (await t.as(ann).put(`/api/v1/submissions/${annSubmission}`, { content: 'late' })).statusCode,
      ).toBe(403);
      expect((await t.as(ann).delete(`/api/v1/submissions/${annSubmission}`)).statusCode).toBe(403);
      expect((await t.as(alice.token).put('/api/v1/submissions/999999', { score: 1 })).statusCode).toBe(404);
      expect(
        (await t.as(alice.token).put(`/api/v1/submissions/${annSubmission}`, { status: 'lost' })).statusCode,
      ).toBe(400);
    });

    it('deletes (204): the instructor any, a student its own ungraded one', async () => {
      const bens = await t.as(ben).get('/api/v1/submissions');
      const bensId = bens.json<{ id: number }[]>()[0]?.id;
      expect((await t.as(ann).delete(`/api/v1/submissions/${bensId}`)).statusCode).toBe(403);
      expect((await t.as(ben).delete(`/api/v1/submissions/${bensId}`)).statusCode).toBe(204);
      expect((await t.as(alice.token).delete(`/api/v1/submissions/${annSubmission}`)).statusCode).toBe(204);
      expect((await t.as(alice.token).delete(`/api/v1/submissions/${annSubmission}`)).statusCode).toBe(404);
    });

    it('goes away with its assignment', async () => {
      const submitted = await t
        .as(ann)
        .post('/api/v1/submissions', { assignment_id: assignment, content: 'again' });
      expect(submitted.statusCode).toBe(201);
      expect((await t.as(alice.token).delete(`/api/v1/assignments/${assignment}`)).statusCode).toBe(204);
      expect((await t.as(alice.token).get(`/api/v1/submissions/${submitted.json().id}`)).statusCode).toBe(
        404,
      );
    });
  });
});
