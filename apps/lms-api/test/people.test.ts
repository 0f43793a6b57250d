import { students } from '@cellstream/db';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeOf, createTestApp, type TestApp } from './helpers.js';

describe('users, students and enrollments', () => {
  let t: TestApp;
  let admin: string;
  let alice: { id: number; token: string };
  let bob: { id: number; token: string };
  let aliceClass: number;
  let bobClass: number;

  beforeAll(async () => {
    t = await createTestApp('lms_people');
    admin = await t.adminToken();
    alice = await t.instructor('p-alice');
    bob = await t.instructor('p-bob');
    aliceClass = await t.createClass(alice.token, 'P-ALICE');
    bobClass = await t.createClass(bob.token, 'P-BOB');
  });

  afterAll(async () => {
    await t.close();
  });

  describe('users', () => {
    it('lets admins create instructors and admins (201) and list them', async () => {
      const created = await t.as(admin).post('/api/v1/users', {
        username: 'second-admin',
        password: 'long-enough',
        role: 'admin',
        displayName: 'Second',
      });
      expect(created.statusCode).toBe(201);
      expect(created.json()).toMatchObject({ username: 'second-admin', role: 'admin', disabled: false });
      expect(created.json()).not.toHaveProperty('passwordHash');
      const list = await t.as(admin).get('/api/v1/users?role=instructor');
      expect(list.json<{ username: string }[]>().map((u) => u.username)).toEqual(['p-alice', 'p-bob']);
      const me = await t.as(alice.token).get('/api/v1/users/me');
      expect(me.json()).toMatchObject({ id: alice.id, username: 'p-alice', role: 'instructor' });
    });

    it('refuses a duplicate username (409), a student role or short password (400), non-admins (403)', async () => {
      const body = { username: 'p-alice', password: 'long-enough', role: 'instructor', displayName: 'A' };
      const duplicate = await t.as(admin).post('/api/v1/users', body);
      expect(duplicate.statusCode).toBe(409);
      expect(codeOf(duplicate)).toBe('LMS_CONFLICT');
      expect(
        (await t.as(admin).post('/api/v1/users', { ...body, username: 'x1', role: 'student' })).statusCode,
      ).toBe(400);
      expect(
        (await t.as(admin).post('/api/v1/users', { ...body, username: 'x2', password: 'short' })).statusCode,
      ).toBe(400);
      const forbidden = await t.as(alice.token).post('/api/v1/users', { ...body, username: 'x3' });
      expect(forbidden.statusCode).toBe(403);
      expect((await t.as(alice.token).get('/api/v1/users')).statusCode).toBe(403);
      expect((await t.as(alice.token).put(`/api/v1/users/${bob.id}`, { disabled: true })).statusCode).toBe(
        403,
      );
      expect((await t.as(admin).put('/api/v1/users/99999', { displayName: 'x' })).statusCode).toBe(404);
    });

    it('changes a password through PUT /users/{id}', async () => {
      const teacher = await t.instructor('p-pw');
      const changed = await t
        .as(admin)
        .put(`/api/v1/users/${teacher.id}`, { password: 'brand-new-password' });
      expect(changed.statusCode).toBe(200);
      await expect(t.login('p-pw', 'p-pw-password')).rejects.toThrow(/401/);
      await expect(t.login('p-pw', 'brand-new-password')).resolves.toEqual(expect.any(String));
    });
  });

  describe('students', () => {
    it('lets admins and instructors create students who can log in with their userId (201)', async () => {
      const byAdmin = await t
        .as(admin)
        .post('/api/v1/students', { userId: 'stu-a', displayName: 'Ada', password: 'stu-a-password' });
      expect(byAdmin.statusCode).toBe(201);
      expect(byAdmin.json()).toEqual({
        userId: 'stu-a',
        displayName: 'Ada',
        hasLogin: true,
        createdAt: expect.any(String),
      });
      const byInstructor = await t
        .as(alice.token)
        .post('/api/v1/students', { userId: 'stu-b', displayName: 'Bo', password: 'stu-b-password' });
      expect(byInstructor.statusCode).toBe(201);
      const login = await t
        .as()
        .post('/api/v1/auth/login', { username: 'stu-b', password: 'stu-b-password' });
      expect(login.json()).toMatchObject({ role: 'student' });
    });

    it('creates a student without a password for ingest tokens only', async () => {
      const created = await t.as(admin).post('/api/v1/students', { userId: 'hub-user', displayName: 'Hub' });
      expect(created.statusCode).toBe(201);
      expect(created.json().hasLogin).toBe(false);
    });

    it('claims a student row the persister made from events, keeping its id', async () => {
      const [seen] = await t.db.insert(students).values({ userId: 'from-events' }).returning();
      const created = await t
        .as(admin)
        .post('/api/v1/students', { userId: 'from-events', displayName: 'Eve', password: 'from-events-pw' });
      expect(created.statusCode).toBe(201);
      expect(created.json().displayName).toBe('Eve');
      const [row] = await t.db.select().from(students).where(eq(students.userId, 'from-events'));
      expect(row?.id).toBe(seen?.id);
    });

    it('refuses a duplicate userId (409), a bad body (400), and students (403)', async () => {
      const duplicate = await t.as(admin).post('/api/v1/students', { userId: 'stu-a', displayName: 'Again' });
      expect(duplicate.statusCode).toBe(409);
      const instructorName = await t
        .as(admin)
        .post('/api/v1/students', { userId: 'p-alice', displayName: 'Clash' });
      expect(instructorName.statusCode).toBe(409);
      for (const body of [
        { userId: 'has space', displayName: 'x' },
        { userId: 'a/b', displayName: 'x' },
        { userId: 'ok', displayName: '' },
        { displayName: 'x' },
      ]) {
        expect((await t.as(admin).post('/api/v1/students', body)).statusCode).toBe(400);
      }
      const student = await t.login('stu-a', 'stu-a-password');
      expect(
        (await t.as(student).post('/api/v1/students', { userId: 'z', displayName: 'z' })).statusCode,
      ).toBe(403);
    });

    it('enrolls (201, then 200), refuses an unknown student (422), an unknown class (404), another instructor (403)', async () => {
      const first = await t
        .as(alice.token)
        .post(`/api/v1/classes/${aliceClass}/students`, { userId: 'stu-a' });
      expect(first.statusCode).toBe(201);
      expect(first.json()).toEqual({ classId: aliceClass, userId: 'stu-a', enrolledAt: expect.any(String) });
      const again = await t
        .as(alice.token)
        .post(`/api/v1/classes/${aliceClass}/students`, { userId: 'stu-a' });
      expect(again.statusCode).toBe(200);
      const unknown = await t
        .as(alice.token)
        .post(`/api/v1/classes/${aliceClass}/students`, { userId: 'nobody' });
      expect(unknown.statusCode).toBe(422);
      expect(codeOf(unknown)).toBe('LMS_REFERENCE_NOT_FOUND');
      const noClass = await t.as(admin).post('/api/v1/classes/999999/students', { userId: 'stu-a' });
      expect(noClass.statusCode).toBe(404);
      const other = await t.as(alice.token).post(`/api/v1/classes/${bobClass}/students`, { userId: 'stu-a' });
      expect(other.statusCode).toBe(403);
      expect((await t.as(alice.token).post(`/api/v1/classes/${aliceClass}/students`, {})).statusCode).toBe(
        400,
      );
    });

    it('lists students: admins all, instructors only those of their classes, students never', async () => {
      await t.enroll(bob.token, bobClass, 'stu-b');
      const all = await t.as(admin).get('/api/v1/students');
      expect(all.json<{ userId: string }[]>().map((s) => s.userId)).toEqual(
        expect.arrayContaining(['stu-a', 'stu-b', 'hub-user', 'from-events']),
      );
      const alices = await t.as(alice.token).get('/api/v1/students');
      expect(alices.json<{ userId: string }[]>().map((s) => s.userId)).toEqual(['stu-a']);
      const byClass = await t.as(admin).get(`/api/v1/students?class_id=${bobClass}`);
      expect(byClass.json<{ userId: string }[]>().map((s) => s.userId)).toEqual(['stu-b']);
      const enrolled = await t.as(alice.token).get(`/api/v1/classes/${aliceClass}/students`);
      expect(enrolled.json<{ userId: string }[]>().map((s) => s.userId)).toEqual(['stu-a']);
      expect(enrolled.headers['x-total-count']).toBe('1');
      expect((await t.as(alice.token).get(`/api/v1/classes/${bobClass}/students`)).statusCode).toBe(403);
      const student = await t.login('stu-a', 'stu-a-password');
      expect((await t.as(student).get('/api/v1/students')).statusCode).toBe(403);
      expect((await t.as(student).get(`/api/v1/classes/${aliceClass}/students`)).statusCode).toBe(403);
    });

    it("shows a student itself with its classes; refuses another student's data (403) and unknown ones (404)", async () => {
      const student = await t.login('stu-a', 'stu-a-password');
      const self = await t.as(student).get('/api/v1/students/stu-a');
      expect(self.statusCode).toBe(200);
      expect(self.json().classes).toEqual([{ id: aliceClass, name: 'Class P-ALICE', class_code: 'P-ALICE' }]);
      const other = await t.as(student).get('/api/v1/students/stu-b');
      expect(other.statusCode).toBe(403);
      expect(codeOf(other)).toBe('LMS_FORBIDDEN');
      expect((await t.as(alice.token).get('/api/v1/students/stu-a')).statusCode).toBe(200);
      expect((await t.as(alice.token).get('/api/v1/students/stu-b')).statusCode).toBe(403);
      expect((await t.as(admin).get('/api/v1/students/ghost')).statusCode).toBe(404);
    });

    it('unenrolls (204), then 404', async () => {
      await t.enroll(alice.token, aliceClass, 'stu-b');
      const removed = await t.as(alice.token).delete(`/api/v1/classes/${aliceClass}/students/stu-b`);
      expect(removed.statusCode).toBe(204);
      const again = await t.as(alice.token).delete(`/api/v1/classes/${aliceClass}/students/stu-b`);
      expect(again.statusCode).toBe(404);
      expect((await t.as(bob.token).delete(`/api/v1/classes/${aliceClass}/students/stu-a`)).statusCode).toBe(
        403,
      );
    });
  });
});
