import { createTestDatabase, type TestDatabase } from '@cellstream/testkit';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type DbHandle } from '../src/client.js';
import { runMigrations } from '../src/migrate.js';
import { cellExecutions, classes, notebooks, students, users } from '../src/schema.js';

describe('migrations', () => {
  let database: TestDatabase;
  let handle: DbHandle;

  beforeAll(async () => {
    database = await createTestDatabase('db_migrate');
    handle = createDb(database.url);
  });

  afterAll(async () => {
    await handle.close();
    await database.drop();
  });

  it('apply to a fresh database, and again (concurrently) without effect', async () => {
    await runMigrations(database.url);
    await Promise.all([runMigrations(database.url), runMigrations(database.url)]);
    const { rows } = await handle.pool.query<{ count: string }>(
      'SELECT count(*) FROM drizzle.__drizzle_migrations',
    );
    expect(Number(rows[0]?.count)).toBeGreaterThan(0);
    const tables = await handle.pool.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1",
    );
    expect(tables.rows.map((row) => row.table_name)).toEqual([
      'assignment_extensions',
      'assignment_submissions',
      'audit_log',
      'cell_executions',
      'cells',
      'class_assignments',
      'classes',
      'ingest_tokens',
      'notebook_accesses',
      'notebooks',
      'notification_outbox',
      'rate_limit_windows',
      'sessions',
      'signing_keys',
      'student_cell_progress',
      'student_class_progress',
      'student_classes',
      'student_notebook_progress',
      'students',
      'users',
    ]);
  });

  it('creates the unique constraints CONTRACT.md and the persister rely on', async () => {
    const { rows } = await handle.pool.query<{ table: string; columns: string[] }>(`
      SELECT c.conrelid::regclass::text AS table,
             array_agg(a.attname::text ORDER BY array_position(c.conkey, a.attnum)) AS columns
        FROM pg_constraint c
        JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
       WHERE c.contype IN ('u', 'p') AND c.connamespace = 'public'::regnamespace
       GROUP BY c.conname, c.conrelid`);
    const keys = rows.map((row) => `${row.table}(${row.columns.join(',')})`);
    expect(keys).toEqual(
      expect.arrayContaining([
        'users(username)',
        'students(user_id)',
        'classes(class_code)',
        'student_classes(student_id,class_id)',
        'notebooks(class_id,path)',
        'cells(notebook_id,cell_id)',
        'sessions(session_id)',
        'cell_executions(event_id)',
        'notebook_accesses(event_id)',
        'assignment_submissions(assignment_id,student_id)',
        'signing_keys(kid)',
        'ingest_tokens(jti)',
        'assignment_extensions(assignment_id,student_id)',
        'notification_outbox(notification_id)',
      ]),
    );
  });

  it('creates the indexes of the progress reads', async () => {
    const { rows } = await handle.pool.query<{ indexdef: string }>(
      "SELECT indexdef FROM pg_indexes WHERE tablename = 'cell_executions'",
    );
    const defs = rows.map((row) => row.indexdef.replace(/^.* USING btree /, ''));
    expect(defs).toEqual(
      expect.arrayContaining(['(class_id, event_time)', '(user_id, event_time)', '(class_id, user_id)']),
    );
  });

  it('keeps one row per event_id and one notebook per (class, path), class-less ones included', async () => {
    const { db } = handle;
    await db.insert(students).values({ userId: 'stu-1' }).onConflictDoNothing();
    const row = {
      eventId: 'e-1',
      eventType: 'cell_execution_complete',
      userId: 'stu-1',
      classId: '1',
      eventTime: new Date(),
    };
    await db.insert(cellExecutions).values(row).onConflictDoNothing({ target: cellExecutions.eventId });
    await db.insert(cellExecutions).values(row).onConflictDoNothing({ target: cellExecutions.eventId });
    const executions = await db.select().from(cellExecutions).where(eq(cellExecutions.eventId, 'e-1'));
    expect(executions).toHaveLength(1);

    for (let i = 0; i < 2; i++) {
      await db
        .insert(notebooks)
        .values([
          { classId: null, path: 'a.ipynb' },
          { classId: '1', path: 'a.ipynb' },
        ])
        .onConflictDoNothing({ target: [notebooks.classId, notebooks.path] });
    }
    const [count] = await db.select({ n: sql<number>`count(*)::int` }).from(notebooks);
    expect(count?.n).toBe(2);
  });

  it('refuses a duplicate class_code and cascades a student deletion to its events', async () => {
    const { db } = handle;
    const [teacher] = await db
      .insert(users)
      .values({ username: 'teacher', role: 'instructor', displayName: 'T' })
      .returning();
    if (!teacher) throw new Error('no user');
    await db.insert(classes).values({ name: 'A', classCode: 'DUP', instructorId: teacher.id });
    await expect(
      db.insert(classes).values({ name: 'B', classCode: 'DUP', instructorId: teacher.id }),
    ).rejects.toMatchObject({ cause: { code: '23505' } });

    await db.delete(students).where(eq(students.userId, 'stu-1'));
    expect(await db.select().from(cellExecutions)).toHaveLength(0);
  });
});
