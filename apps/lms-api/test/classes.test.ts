import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeOf, createTestApp, type TestApp } from './helpers.js';

describe('classes', () => {
  let t: TestApp;
  let alice: { id: number; token: string };
  let bob: { id: number; token: string };
  let admin: string;

  beforeAll(async () => {
    t = await createTestApp('lms_classes');
    admin = await t.adminToken();
    alice = await t.instructor('alice');
    bob = await t.instructor('bob');
  });

  afterAll(async () => {
    await t.close();
  });

  it('creates a class answered with its id; the creating instructor is its instructor (201)', async () => {
    const response = await t
      .as(alice.token)
      .post('/api/v1/classes', { name: 'Intro', class_code: 'CL-101', description: 'Python basics' });
    expect(response.statusCode).toBe(201);
    expect(response.json()).toEqual({
      id: expect.any(Number),
      name: 'Intro',
      class_code: 'CL-101',
      description: 'Python basics',
      instructor_id: alice.id,
      store_code: true,
      store_outputs: true,
      retention_days: null,
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
  });

  it('refuses a duplicate class_code (409), on create and on update', async () => {
    await t.createClass(alice.token, 'CL-DUP');
    const again = await t.as(bob.token).post('/api/v1/classes', { name: 'Other', class_code: 'CL-DUP' });
    expect(again.statusCode).toBe(409);
    expect(codeOf(again)).toBe('LMS_CONFLICT');
    const other = await t.createClass(alice.token, 'CL-DUP2');
    const update = await t.as(alice.token).put(`/api/v1/classes/${other}`, { class_code: 'CL-DUP' });
    expect(update.statusCode).toBe(409);
  });

  it('validates bodies and ids (400)', async () => {
    const cases = [
      await t.as(alice.token).post('/api/v1/classes', { class_code: 'NO-NAME' }),
      await t.as(alice.token).post('/api/v1/classes', { name: 'x', class_code: 'bad code!' }),
      await t.as(alice.token).post('/api/v1/classes', { name: 'x', class_code: 'EXTRA', extra: 1 }),
      await t.as(alice.token).post('/api/v1/classes', { name: 'x', class_code: 'RET', retention_days: 0 }),
      await t.as(alice.token).get('/api/v1/classes/abc'),
      await t.as(alice.token).get('/api/v1/classes/0'),
      await t.as(alice.token).get('/api/v1/classes?limit=501'),
      await t.as(alice.token).get('/api/v1/classes?skip=-1'),
    ];
    for (const response of cases) {
      expect(response.statusCode, response.body).toBe(400);
      expect(codeOf(response)).toBe('LMS_VALIDATION');
      expect(response.json().details.length).toBeGreaterThan(0);
    }
    const missing = await t.as(alice.token).post('/api/v1/classes', { class_code: 'NO-NAME' });
    expect(missing.json()).toEqual({
      code: 'LMS_VALIDATION',
      message: expect.stringContaining('name'),
      details: [{ path: 'body', message: expect.stringContaining('name') }],
    });
  });

  it('refuses bodies that are not JSON (415) or too large (413)', async () => {
    const text = await t.app.inject({
      method: 'POST',
      url: '/api/v1/classes',
      headers: {
        authorization: `Bearer ${alice.token}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      payload: 'name=x',
    });
    expect(text.statusCode).toBe(415);
    expect(codeOf(text)).toBe('LMS_UNSUPPORTED_MEDIA_TYPE');
    const huge = await t
      .as(alice.token)
      .post('/api/v1/classes', { name: 'x', class_code: 'HUGE', description: 'x'.repeat(3 * 1024 * 1024) });
    expect(huge.statusCode).toBe(413);
    expect(codeOf(huge)).toBe('LMS_PAYLOAD_TOO_LARGE');
  });

  it('answers 404 for an unknown id on get, update and delete', async () => {
    for (const response of [
      await t.as(admin).get('/api/v1/classes/999999'),
      await t.as(admin).put('/api/v1/classes/999999', { name: 'x' }),
      await t.as(admin).delete('/api/v1/classes/999999'),
    ]) {
      expect(response.statusCode).toBe(404);
      expect(codeOf(response)).toBe('LMS_NOT_FOUND');
    }
  });

  it("refuses an instructor on another instructor's class (403) and lists only its own", async () => {
    const bobs = await t.createClass(bob.token, 'CL-BOB');
    for (const response of [
      await t.as(alice.token).get(`/api/v1/classes/${bobs}`),
      await t.as(alice.token).put(`/api/v1/classes/${bobs}`, { name: 'mine now' }),
      await t.as(alice.token).delete(`/api/v1/classes/${bobs}`),
    ]) {
      expect(response.statusCode).toBe(403);
      expect(codeOf(response)).toBe('LMS_FORBIDDEN');
    }
    const list = await t.as(alice.token).get('/api/v1/classes');
    expect(list.statusCode).toBe(200);
    const ids = list.json<{ instructor_id: number }[]>().map((c) => c.instructor_id);
    expect(new Set(ids)).toEqual(new Set([alice.id]));
  });

  it('lets admins create a class for an instructor (422 for an unknown one); instructors only for themselves (403)', async () => {
    const created = await t
      .as(admin)
      .post('/api/v1/classes', { name: 'Given', class_code: 'CL-GIVEN', instructor_id: bob.id });
    expect(created.statusCode).toBe(201);
    expect(created.json().instructor_id).toBe(bob.id);
    const unknown = await t
      .as(admin)
      .post('/api/v1/classes', { name: 'Nobody', class_code: 'CL-NOBODY', instructor_id: 424242 });
    expect(unknown.statusCode).toBe(422);
    expect(codeOf(unknown)).toBe('LMS_REFERENCE_NOT_FOUND');
    const sneaky = await t
      .as(alice.token)
      .post('/api/v1/classes', { name: 'Sneaky', class_code: 'CL-SNEAKY', instructor_id: bob.id });
    expect(sneaky.statusCode).toBe(403);
    const reassign = await t.as(admin).put(`/api/v1/classes/${created.json().id}`, { instructor_id: 424242 });
    expect(reassign.statusCode).toBe(422);
  });

  it('updates partially, with privacy settings, and deletes (204)', async () => {
    const id = await t.createClass(alice.token, 'CL-EDIT');
    const updated = await t
      .as(alice.token)
      .put(`/api/v1/classes/${id}`, { description: 'new', store_code: false, retention_days: 30 });
    expect(updated.statusCode).toBe(200);
    expect(updated.json()).toMatchObject({
      name: 'Class CL-EDIT',
      class_code: 'CL-EDIT',
      description: 'new',
      store_code: false,
      store_outputs: true,
      retention_days: 30,
    });
    const noop = await t.as(alice.token).put(`/api/v1/classes/${id}`, {});
    expect(noop.json().description).toBe('new');
    const moved = await t.as(alice.token).put(`/api/v1/classes/${id}`, { instructor_id: bob.id });
    expect(moved.statusCode).toBe(403);
    expect((await t.as(alice.token).delete(`/api/v1/classes/${id}`)).statusCode).toBe(204);
    expect((await t.as(alice.token).get(`/api/v1/classes/${id}`)).statusCode).toBe(404);
  });

  it('pages lists with skip and limit and answers the total in X-Total-Count', async () => {
    const teacher = await t.instructor('pager');
    for (const code of ['PG-1', 'PG-2', 'PG-3']) await t.createClass(teacher.token, code);
    const page = await t.as(teacher.token).get('/api/v1/classes?skip=1&limit=1');
    expect(page.statusCode).toBe(200);
    expect(page.json<{ class_code: string }[]>().map((c) => c.class_code)).toEqual(['PG-2']);
    expect(page.headers['x-total-count']).toBe('3');
    const filtered = await t.as(admin).get(`/api/v1/classes?instructor_id=${teacher.id}&limit=500`);
    expect(filtered.json()).toHaveLength(3);
  });

  it('shows a student only the classes it is enrolled in, read-only', async () => {
    const mine = await t.createClass(alice.token, 'CL-STU');
    const other = await t.createClass(alice.token, 'CL-STU-OTHER');
    const student = await t.student('class-student', { classId: mine });
    const list = await t.as(student.token).get('/api/v1/classes');
    expect(list.json<{ id: number }[]>().map((c) => c.id)).toEqual([mine]);
    expect((await t.as(student.token).get(`/api/v1/classes/${mine}`)).statusCode).toBe(200);
    expect((await t.as(student.token).get(`/api/v1/classes/${other}`)).statusCode).toBe(403);
    expect((await t.as(student.token).put(`/api/v1/classes/${mine}`, { name: 'x' })).statusCode).toBe(403);
    expect(
      (await t.as(student.token).post('/api/v1/classes', { name: 'x', class_code: 'STU-X' })).statusCode,
    ).toBe(403);
  });
});
