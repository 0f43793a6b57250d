import type { LearningEvent } from '@cellstream/schemas';
import pg from 'pg';
import { benchEvents } from './workload.js';

/**
 * The PostgreSQL baseline: the rows the persister ends up with, written the plainest fast way,
 * multi-row INSERT ... VALUES through `pg` (no upserts, no conflict handling, no counters
 * maintained, nothing read back but the notebook ids): students, notebooks, cells and sessions
 * (final values, computed beforehand), then the cell_executions and notebook_accesses rows in
 * chunks of `chunk` events, one transaction per chunk, `concurrency` connections at once.
 * The progress-summary triggers on cell_executions (packages/db, migration 0003) are disabled in
 * the baseline's database: they are counters the persister's writes maintain, and the chunks
 * here are not split by class as the topic's partitions are, so they would contend on them.
 */
const MAX_PARAMETERS = 65_535;

export async function pgBaseline(options: {
  url: string;
  count: number;
  chunk: number;
  concurrency: number;
}): Promise<{ seconds: number; eventsPerSecond: number }> {
  const summary = summarize(options.count, options.chunk);
  const pool = new pg.Pool({ connectionString: options.url, max: options.concurrency });
  try {
    await pool.query('ALTER TABLE cell_executions DISABLE TRIGGER USER');
    const started = performance.now();
    await insertRows(
      pool,
      'students',
      ['user_id'],
      [...summary.students].map((user) => [user]),
    );
    const notebookIds = new Map<string, number>();
    const notebookRows = [...summary.notebooks.values()];
    const inserted = await pool.query(
      `INSERT INTO notebooks (class_id, path) SELECT * FROM unnest($1::text[], $2::text[]) RETURNING id, class_id, path`,
      [notebookRows.map((n) => n.classId), notebookRows.map((n) => n.path)],
    );
    for (const row of inserted.rows as { id: number; class_id: string; path: string }[]) {
      notebookIds.set(`${row.class_id}\u0000${row.path}`, row.id);
    }
    const notebookOf = (event: LearningEvent) =>
      event.notebookPath === null
        ? null
        : (notebookIds.get(`${event.classId}\u0000${event.notebookPath}`) ?? null);
    await insertRows(
      pool,
      'cells',
      ['notebook_id', 'cell_id', 'cell_index', 'cell_type'],
      [...summary.cells.values()].map((cell) => [
        notebookIds.get(cell.notebook),
        cell.cellId,
        cell.index,
        'code',
      ]),
    );
    await insertRows(
      pool,
      'sessions',
      [
        'session_id',
        'user_id',
        'class_id',
        'started_at',
        'last_event_at',
        'executions',
        'errors',
        'execution_duration_ms',
      ],
      [...summary.sessions.entries()].map(([id, s]) => [
        id,
        s.userId,
        s.classId,
        s.started === null ? null : new Date(s.started),
        new Date(s.last),
        s.executions,
        s.errors,
        s.executionMs,
      ]),
    );

    let next = 0;
    const worker = async () => {
      const client = await pool.connect();
      try {
        while (next < options.count) {
          const from = next;
          next = Math.min(options.count, from + options.chunk);
          const events = benchEvents(from, next);
          await client.query('BEGIN');
          await insertRows(
            client,
            'cell_executions',
            [
              'event_id',
              'event_type',
              'user_id',
              'class_id',
              'session_id',
              'notebook_id',
              'cell_id',
              'cell_index',
              'execution_count',
              'code',
              'has_error',
              'error_name',
              'error_message',
              'result',
              'duration_ms',
              'event_time',
              'received_at',
            ],
            events
              .filter((e) => e.eventType.startsWith('cell_execution'))
              .map((e) => [
                e.eventId,
                e.eventType,
                e.userId,
                e.classId,
                e.sessionId,
                notebookOf(e),
                e.cellId,
                e.cellIndex,
                e.executionCount,
                e.code,
                e.hasError ?? false,
                e.errorName,
                e.errorMessage,
                e.result,
                e.executionDurationMs,
                new Date(e.eventTime),
                new Date(e.receivedAt),
              ]),
          );
          await insertRows(
            client,
            'notebook_accesses',
            [
              'event_id',
              'user_id',
              'class_id',
              'session_id',
              'notebook_id',
              'action',
              'event_time',
              'received_at',
            ],
            events
              .filter((e) => e.eventType.startsWith('notebook_'))
              .map((e) => [
                e.eventId,
                e.userId,
                e.classId,
                e.sessionId,
                notebookOf(e),
                e.eventType.replace('notebook_', ''),
                new Date(e.eventTime),
                new Date(e.receivedAt),
              ]),
          );
          await client.query('COMMIT');
        }
      } finally {
        client.release();
      }
    };
    await Promise.all(Array.from({ length: options.concurrency }, worker));
    const seconds = (performance.now() - started) / 1_000;
    return { seconds, eventsPerSecond: options.count / seconds };
  } finally {
    await pool.end();
  }
}

/** INSERT ... VALUES ($1, $2, ...), (...), ... in statements under the parameter limit. */
async function insertRows(
  client: pg.Pool | pg.PoolClient,
  table: string,
  columns: string[],
  rows: unknown[][],
): Promise<void> {
  const perStatement = Math.floor(MAX_PARAMETERS / columns.length);
  for (let start = 0; start < rows.length; start += perStatement) {
    const slice = rows.slice(start, start + perStatement);
    const values: unknown[] = [];
    const tuples = slice.map((row) => {
      const placeholders = row.map((value) => {
        values.push(value);
        return `$${values.length}`;
      });
      return `(${placeholders.join(',')})`;
    });
    await client.query(`INSERT INTO ${table} (${columns.join(',')}) VALUES ${tuples.join(',')}`, values);
  }
}

interface SessionSummary {
  userId: string;
  classId: string | null;
  started: number | null;
  last: number;
  executions: number;
  errors: number;
  executionMs: number;
}

/** The final students, notebooks, cells and sessions of the workload (a pass in memory, not timed). */
function summarize(count: number, chunk: number) {
  const students = new Set<string>();
  const notebooks = new Map<string, { classId: string | null; path: string }>();
  const cells = new Map<string, { notebook: string; cellId: string; index: number | null }>();
  const sessions = new Map<string, SessionSummary>();
  for (let from = 0; from < count; from += chunk) {
    for (const e of benchEvents(from, Math.min(count, from + chunk))) {
      students.add(e.userId);
      const notebook = `${e.classId}\u0000${e.notebookPath}`;
      if (e.notebookPath !== null) notebooks.set(notebook, { classId: e.classId, path: e.notebookPath });
      if (e.notebookPath !== null && e.cellId !== null) {
        cells.set(`${notebook}\u0000${e.cellId}`, { notebook, cellId: e.cellId, index: e.cellIndex });
      }
      if (e.sessionId === null) continue;
      const session = sessions.get(e.sessionId) ?? {
        userId: e.userId,
        classId: e.classId,
        started: null,
        last: e.eventTime,
        executions: 0,
        errors: 0,
        executionMs: 0,
      };
      session.last = Math.max(session.last, e.eventTime);
      if (e.eventType === 'session_start') session.started = e.eventTime;
      if (e.eventType === 'cell_execution_complete') session.executions++;
      if (e.eventType === 'cell_execution_error') session.errors++;
      if (e.eventType === 'cell_execution_complete' || e.eventType === 'cell_execution_error') {
        session.executionMs += e.executionDurationMs ?? 0;
      }
      sessions.set(e.sessionId, session);
    }
  }
  return { students, notebooks, cells, sessions };
}
