import { classes, studentClasses, users } from '@cellstream/db';
import { createTokenVerifier } from '@cellstream/shared';
import { count } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO, seedDemo } from '../src/seed.js';
import { createTestApp, type TestApp } from './helpers.js';

describe('demo seed', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp('lms_seed');
  });

  afterAll(async () => {
    await t.close();
  });

  it('creates the demo instructor, class, enrolled students and assignment, idempotently', async () => {
    const first = await seedDemo(t.db);
    const second = await seedDemo(t.db);
    expect(second).toEqual(first);
    expect(first.students).toEqual([
      'demo-student-01',
      'demo-student-02',
      'demo-student-03',
      'demo-student-04',
      'demo-student-05',
      'demo-student-06',
      'demo-student-07',
      'demo-student-08',
    ]);
    const [classCount] = await t.db.select({ n: count() }).from(classes);
    const [enrolled] = await t.db.select({ n: count() }).from(studentClasses);
    const [people] = await t.db.select({ n: count() }).from(users);
    expect([classCount?.n, enrolled?.n, people?.n]).toEqual([1, 8, 10]);

    const instructor = await t.login(DEMO.instructor, DEMO.instructor);
    const mine = await t.as(instructor).get('/api/v1/classes');
    expect(mine.json()).toEqual([expect.objectContaining({ name: 'Intro to Python', class_code: 'PY101' })]);
    const assignments = await t.as(instructor).get(`/api/v1/assignments?class_id=${first.classId}`);
    expect(assignments.json()).toHaveLength(1);
  });

  it('gives a demo student a token carrying the demo class', async () => {
    const { classId } = await seedDemo(t.db);
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const address = t.app.server.address();
    if (!address || typeof address === 'string') throw new Error('no port');
    const verify = createTokenVerifier(`http://127.0.0.1:${address.port}/.well-known/jwks.json`);
    const token = await t.login('demo-student-03', 'demo-student-03');
    expect(await verify(token)).toMatchObject({
      sub: 'demo-student-03',
      role: 'student',
      classes: [String(classId)],
    });
  });
});
