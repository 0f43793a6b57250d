import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from '@cellstream/testkit';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { migrationsFolder, runMigrations } from '../src/migrate.js';

/**
 * The progress summaries (student_class_progress, student_cell_progress) against what they
 * summarise: each test compares them with the same figures counted from cell_executions.
 */

const EXECUTION_COLUMNS =
  'event_id, event_type, user_id, class_id, notebook_id, cell_id, has_error, event_time';

interface Execution {
  eventId: string;
  type: 'cell_execution_start' | 'cell_execution_complete' | 'cell_execution_error';
  userId: string;
  classId: string | null;
  notebookId: number | null;
  cellId: string | null;
  hasError: boolean;
  at: Date;
}

/** The persister's insert: one statement, rows already stored skipped. */
async function store(pool: pg.Pool, executions: readonly Execution[]): Promise<number> {
  const result = await pool.query(
    `INSERT INTO cell_executions (${EXECUTION_COLUMNS})
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::text[],
                          $7::bool[], $8::timestamptz[])
     ON CONFLICT (event_id) DO NOTHING`,
    [
      executions.map((e) => e.eventId),
      executions.map((e) => e.type),
      executions.map((e) => e.userId),
      executions.map((e) => e.classId),
      executions.map((e) => e.notebookId),
      executions.map((e) => e.cellId),
      executions.map((e) => e.hasError),
      executions.map((e) => e.at),
    ],
  );
  return result.rowCount ?? 0;
}

/** The summaries as stored, and as counted from the raw rows; equal when the triggers are right. */
async function summariesAndRecount(pool: pg.Pool) {
  const q = async (text: string) => (await pool.query(text)).rows;
  return {
    stored: {
      classes: await q(`SELECT class_id, user_id, executions, errors, last_activity
                          FROM student_class_progress ORDER BY 1, 2`),
      cells: await q(`SELECT class_id, user_id, notebook_id, cell_id, completed
                        FROM student_cell_progress ORDER BY 1, 2, 3, 4`),
      notebooks: await q(`SELECT class_id, user_id, notebook_id, cells_executed, cells_completed
                            FROM student_notebook_progress ORDER BY 1, 2, 3`),
    },
    recounted: {
      classes: await q(`SELECT class_id, user_id,
                               count(*) FILTER (WHERE event_type = 'cell_execution_complete')::int executions,
                               count(*) FILTER (WHERE event_type = 'cell_execution_error')::int errors,
                               max(event_time) last_activity
                          FROM cell_executions WHERE class_id IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2`),
      cells: await q(`SELECT class_id, user_id, notebook_id, cell_id,
                             bool_or(event_type = 'cell_execution_complete' AND NOT has_error) completed
                        FROM cell_executions
                       WHERE class_id IS NOT NULL AND notebook_id IS NOT NULL AND cell_id IS NOT NULL
                       GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`),
      notebooks: await q(`SELECT class_id, user_id, notebook_id,
                                 count(DISTINCT cell_id)::int cells_executed,
                                 count(DISTINCT cell_id) FILTER (
                                   WHERE event_type = 'cell_execution_complete' AND NOT has_error)::int cells_completed
                            FROM cell_executions
                           WHERE class_id IS NOT NULL AND notebook_id IS NOT NULL AND cell_id IS NOT NULL
                           GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`),
    },
  };
}

async function expectInStep(pool: pg.Pool): Promise<void> {
  const { stored, recounted } = await summariesAndRecount(pool);
  expect(stored).toEqual(recounted);
}

/** A small deterministic generator, so a failure replays. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1_664_525 + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

describe('progress summaries', () => {
  let database: TestDatabase;
  let pool: pg.Pool;
  let notebookIds: number[];

  beforeAll(async () => {
    database = await createTestDatabase('db_progress');
    await runMigrations(database.url);
    pool = new pg.Pool({ connectionString: database.url, max: 4 });
    // An idle client still closing when the database is dropped reports 57P01: not a failure.
    pool.on('error', (error: Error & { code?: string }) => {
      if (error.code !== '57P01') throw error;
    });
  });

  afterAll(async () => {
    await pool.end();
    await database.drop();
  });

  beforeEach(async () => {
    await pool.query('TRUNCATE cell_executions, notebooks, students CASCADE');
    await pool.query(`INSERT INTO students (user_id) VALUES ('amy'), ('bob'), ('cy')`);
    const { rows } = await pool.query<{ id: number }>(
      `INSERT INTO notebooks (class_id, path) VALUES ('1', 'a.ipynb'), ('1', 'b.ipynb'), ('2', 'a.ipynb')
       RETURNING id`,
    );
    notebookIds = rows.map((row) => row.id);
  });

  const at = (minute: number) => new Date(Date.UTC(2026, 10, 2, 9, minute));
  const run = (
    eventId: string,
    type: Execution['type'],
    userId: string,
    cellId: string | null,
    minute: number,
    extra: Partial<Execution> = {},
  ): Execution => ({
    eventId,
    type,
    userId,
    classId: '1',
    notebookId: notebookIds[0] ?? null,
    cellId,
    hasError: type === 'cell_execution_error',
    at: at(minute),
    ...extra,
  });

  it('counts what an insert stored, and nothing for an event stored again', async () => {
    const batch = [
      run('e1', 'cell_execution_start', 'amy', 'c1', 1),
      run('e2', 'cell_execution_error', 'amy', 'c1', 2),
      run('e3', 'cell_execution_complete', 'amy', 'c1', 3),
      run('e4', 'cell_execution_complete', 'amy', 'c2', 4, { hasError: true }),
      run('e5', 'cell_execution_complete', 'bob', 'c1', 5),
    ];
    expect(await store(pool, batch)).toBe(5);
    expect(await store(pool, batch)).toBe(0);
    expect(await store(pool, [...batch, run('e6', 'cell_execution_error', 'bob', 'c2', 6)])).toBe(1);

    const amy = await pool.query(
      `SELECT executions, errors, last_activity FROM student_class_progress WHERE user_id = 'amy'`,
    );
    expect(amy.rows).toEqual([{ executions: 2, errors: 1, last_activity: at(4) }]);
    const cells = await pool.query(
      `SELECT user_id, cell_id, completed FROM student_cell_progress ORDER BY user_id, cell_id`,
    );
    // amy's c2 completed with an error: run, not completed.
    expect(cells.rows).toEqual([
      { user_id: 'amy', cell_id: 'c1', completed: true },
      { user_id: 'amy', cell_id: 'c2', completed: false },
      { user_id: 'bob', cell_id: 'c1', completed: true },
      { user_id: 'bob', cell_id: 'c2', completed: false },
    ]);
    // bob's c2 completes later: one more completed cell, no more executed ones.
    await store(pool, [run('e7', 'cell_execution_complete', 'bob', 'c2', 7)]);
    const bob = await pool.query(
      `SELECT cells_executed, cells_completed FROM student_notebook_progress WHERE user_id = 'bob'`,
    );
    expect(bob.rows).toEqual([{ cells_executed: 2, cells_completed: 2 }]);
    await expectInStep(pool);
  });

  it('leaves class-less executions out, and cells without a notebook or cell id out of the cells', async () => {
    await store(pool, [
      run('n1', 'cell_execution_complete', 'amy', 'c1', 1, { classId: null, notebookId: null }),
      run('n2', 'cell_execution_complete', 'amy', null, 2),
      run('n3', 'cell_execution_complete', 'amy', 'c9', 3, { notebookId: null }),
    ]);
    const classes = await pool.query('SELECT executions FROM student_class_progress');
    expect(classes.rows).toEqual([{ executions: 2 }]);
    expect((await pool.query('SELECT * FROM student_cell_progress')).rowCount).toBe(0);
    await expectInStep(pool);
  });

  it('recomputes after a retention delete, and drops a deleted student', async () => {
    await store(pool, [
      run('r1', 'cell_execution_complete', 'amy', 'c1', 1),
      run('r2', 'cell_execution_error', 'amy', 'c2', 2),
      run('r3', 'cell_execution_complete', 'amy', 'c2', 30),
      run('r4', 'cell_execution_complete', 'bob', 'c1', 3),
      run('r5', 'cell_execution_complete', 'cy', 'c1', 40),
    ]);
    await pool.query(`DELETE FROM cell_executions WHERE class_id = '1' AND event_time < $1`, [at(10)]);
    const after = await pool.query(
      'SELECT user_id, executions, errors, last_activity FROM student_class_progress ORDER BY user_id',
    );
    expect(after.rows).toEqual([
      { user_id: 'amy', executions: 1, errors: 0, last_activity: at(30) },
      { user_id: 'cy', executions: 1, errors: 0, last_activity: at(40) },
    ]);
    await expectInStep(pool);

    await pool.query(`DELETE FROM students WHERE user_id = 'amy'`);
    const left = await pool.query('SELECT user_id FROM student_cell_progress');
    expect(left.rows).toEqual([{ user_id: 'cy' }]);
    await expectInStep(pool);
  });

  it('empties on TRUNCATE and follows a renamed student', async () => {
    await store(pool, [run('t1', 'cell_execution_complete', 'amy', 'c1', 1)]);
    await pool.query(`UPDATE students SET user_id = 'amy-2' WHERE user_id = 'amy'`);
    expect((await pool.query('SELECT user_id FROM student_class_progress')).rows).toEqual([
      { user_id: 'amy-2' },
    ]);
    await expectInStep(pool);
    await pool.query('TRUNCATE cell_executions');
    for (const table of ['student_class_progress', 'student_cell_progress', 'student_notebook_progress']) {
      expect((await pool.query(`SELECT * FROM ${table}`)).rowCount).toBe(0);
    }
  });

  it('stays equal to a recount through random batches, retries, concurrent writers and deletes', async () => {
    const next = random(20261129);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
    const types = ['cell_execution_start', 'cell_execution_complete', 'cell_execution_error'] as const;
    const made: Execution[] = [];
    for (let i = 0; i < 3_000; i++) {
      const type = pick(types);
      const classId = pick(['1', '1', '2', null]);
      made.push({
        eventId: `x${i}`,
        type,
        userId: pick(['amy', 'bob', 'cy']),
        classId,
        notebookId:
          classId === '2' ? (notebookIds[2] ?? null) : (pick([notebookIds[0], notebookIds[1], null]) ?? null),
        cellId: pick(['c1', 'c2', 'c3', 'c4', null]),
        hasError: type === 'cell_execution_error' || next() < 0.1,
        at: new Date(Date.UTC(2026, 10, 1) + Math.floor(next() * 86_400_000)),
      });
    }
    // Four writers at once, each batch overlapping the previous one (a redelivery).
    const batches: Execution[][] = [];
    for (let start = 0; start < made.length; start += 150) {
      batches.push(made.slice(Math.max(0, start - 40), start + 150));
    }
    let stored = 0;
    await Promise.all(
      [0, 1, 2, 3].map(async (writer) => {
        for (let i = writer; i < batches.length; i += 4) {
          const inserted = await store(pool, batches[i] ?? []);
          stored += inserted;
        }
      }),
    );
    expect(stored).toBe(made.length);
    await expectInStep(pool);

    await pool.query(`DELETE FROM cell_executions WHERE event_time < $1`, [
      new Date(Date.UTC(2026, 10, 1, 8)),
    ]);
    await pool.query(`DELETE FROM cell_executions WHERE user_id = 'bob' AND class_id = '2'`);
    await expectInStep(pool);
  });
});

describe('the progress-summary migration', () => {
  let database: TestDatabase;
  let folder: string;

  beforeAll(async () => {
    database = await createTestDatabase('db_progress_backfill');
    folder = mkdtempSync(join(tmpdir(), 'cellstream-migrations-'));
  });

  afterAll(async () => {
    rmSync(folder, { recursive: true, force: true });
    await database.drop();
  });

  it('fills the summaries from the executions stored before it', async () => {
    // The schema as it was before the summaries: the journal cut at 0001.
    cpSync(migrationsFolder, folder, { recursive: true });
    const journalPath = join(folder, 'meta', '_journal.json');
    const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: { tag: string }[] };
    const cut = journal.entries.findIndex((entry) => entry.tag.startsWith('0002_'));
    expect(cut).toBeGreaterThan(0);
    writeFileSync(journalPath, JSON.stringify({ ...journal, entries: journal.entries.slice(0, cut) }));

    const pool = new pg.Pool({ connectionString: database.url, max: 2 });
    try {
      await pool.query('SET client_min_messages TO warning');
      await migrate(drizzle({ client: pool }), { migrationsFolder: folder });
      await pool.query(`INSERT INTO students (user_id) VALUES ('amy'), ('bob')`);
      const { rows } = await pool.query<{ id: number }>(
        `INSERT INTO notebooks (class_id, path) VALUES ('7', 'a.ipynb') RETURNING id`,
      );
      await pool.query(
        `INSERT INTO cell_executions (${EXECUTION_COLUMNS})
         SELECT 'old-' || g, CASE WHEN g % 3 = 0 THEN 'cell_execution_error' ELSE 'cell_execution_complete' END,
                CASE WHEN g % 2 = 0 THEN 'amy' ELSE 'bob' END, '7', $1, 'c' || (g % 5), g % 3 = 0,
                timestamptz '2026-11-01' + g * interval '1 minute'
           FROM generate_series(1, 500) g`,
        [rows[0]?.id],
      );

      await runMigrations(database.url);
      const { stored, recounted } = await summariesAndRecount(pool);
      expect(stored.classes).toHaveLength(2);
      expect(stored.cells).toHaveLength(10);
      expect(stored.notebooks).toHaveLength(2);
      expect(stored).toEqual(recounted);
    } finally {
      await pool.end();
    }
  });
});
