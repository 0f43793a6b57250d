/**
 * The SQL of one batch, one statement per table: every statement takes whole columns as arrays
 * (`unnest`), so a batch of any size is one round trip per table and never meets PostgreSQL's
 * 65,535-parameter limit. Statements are prepared once per connection (by name).
 *
 * Tables and columns are `@cellstream/db`'s schema (packages/db/src/schema.ts). Times travel as
 * epoch milliseconds. Rows of serial tables (students, notebooks, cells, sessions) are only
 * proposed for insertion when they do not exist yet, because ON CONFLICT spends a sequence value
 * for every proposed row and their ids are 32-bit.
 */

const ms = (column: string) => `to_timestamp(${column}::float8 / 1000)`;

/** Named statements: pg prepares each once per connection. */
export interface Statement {
  name: string;
  text: string;
}

/** Classes whose privacy settings drop something (lms-api's classes; ids are the events' classIds). */
export const selectPrivacy: Statement = {
  name: 'persister_select_privacy',
  text: `SELECT id::text AS class_id, store_code, store_outputs
    FROM classes
    WHERE id = ANY($1::int[]) AND (NOT store_code OR NOT store_outputs)`,
};

/** $1 user ids (distinct). */
export const insertStudents: Statement = {
  name: 'persister_insert_students',
  text: `INSERT INTO students (user_id)
    SELECT t.user_id FROM unnest($1::text[]) AS t(user_id)
    WHERE NOT EXISTS (SELECT 1 FROM students s WHERE s.user_id = t.user_id)
    ORDER BY t.user_id
    ON CONFLICT (user_id) DO NOTHING`,
};

/** $1 class ids, $2 paths (distinct pairs; a null class id is the class-less namespace). */
export const insertNotebooks: Statement = {
  name: 'persister_insert_notebooks',
  text: `INSERT INTO notebooks (class_id, path)
    SELECT t.class_id, t.path FROM unnest($1::text[], $2::text[]) AS t(class_id, path)
    WHERE NOT EXISTS (SELECT 1 FROM notebooks n WHERE n.class_id = t.class_id AND n.path = t.path)
      AND NOT EXISTS (SELECT 1 FROM notebooks n WHERE t.class_id IS NULL AND n.class_id IS NULL AND n.path = t.path)
    ORDER BY t.class_id, t.path
    ON CONFLICT ON CONSTRAINT notebooks_class_path_key DO NOTHING`,
};

/** $1 class ids, $2 paths: the ids of those notebooks (each branch uses the unique index). */
export const selectNotebooks: Statement = {
  name: 'persister_select_notebooks',
  text: `SELECT n.id, t.ord
    FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS t(class_id, path, ord)
    CROSS JOIN LATERAL (
      SELECT id FROM notebooks WHERE class_id = t.class_id AND path = t.path
      UNION ALL
      SELECT id FROM notebooks WHERE t.class_id IS NULL AND class_id IS NULL AND path = t.path
    ) AS n`,
};

/**
 * $1 notebook ids, $2 cell ids, $3 cell indexes, $4 cell types (distinct pairs). A known cell
 * takes the index of the latest event that carries one (cells move); a new cell is inserted.
 */
export const upsertCells: Statement = {
  name: 'persister_upsert_cells',
  text: `WITH input AS (
      SELECT * FROM unnest($1::int[], $2::text[], $3::int[], $4::text[])
        AS t(notebook_id, cell_id, cell_index, cell_type)
    ), moved AS (
      UPDATE cells c
      SET cell_index = COALESCE(i.cell_index, c.cell_index), cell_type = COALESCE(i.cell_type, c.cell_type)
      FROM input i
      WHERE c.notebook_id = i.notebook_id AND c.cell_id = i.cell_id
        AND (c.cell_index IS DISTINCT FROM COALESCE(i.cell_index, c.cell_index)
          OR c.cell_type IS DISTINCT FROM COALESCE(i.cell_type, c.cell_type))
      RETURNING c.id
    )
    INSERT INTO cells (notebook_id, cell_id, cell_index, cell_type)
    SELECT i.notebook_id, i.cell_id, i.cell_index, i.cell_type FROM input i
    WHERE NOT EXISTS (SELECT 1 FROM cells c WHERE c.notebook_id = i.notebook_id AND c.cell_id = i.cell_id)
    ORDER BY i.notebook_id, i.cell_id
    ON CONFLICT (notebook_id, cell_id) DO NOTHING`,
};

/**
 * One row per cell_execution_* event, idempotent on event_id. RETURNING names the rows that are
 * new in this transaction: only those count in their session's counters, so a redelivered event
 * never counts twice.
 */
export const insertExecutions: Statement = {
  name: 'persister_insert_executions',
  text: `INSERT INTO cell_executions (event_id, event_type, user_id, class_id, session_id, notebook_id,
      cell_id, cell_index, execution_count, code, has_error, error_name, error_message, result,
      duration_ms, event_time, received_at)
    SELECT t.event_id, t.event_type, t.user_id, t.class_id, t.session_id, t.notebook_id,
      t.cell_id, t.cell_index, t.execution_count, t.code, t.has_error, t.error_name, t.error_message,
      t.result, t.duration_ms, ${ms('t.event_ms')}, ${ms('t.received_ms')}
    FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int[], $7::text[],
        $8::int[], $9::int[], $10::text[], $11::bool[], $12::text[], $13::text[], $14::text[],
        $15::float8[], $16::bigint[], $17::bigint[])
      AS t(event_id, event_type, user_id, class_id, session_id, notebook_id, cell_id, cell_index,
        execution_count, code, has_error, error_name, error_message, result, duration_ms, event_ms,
        received_ms)
    ON CONFLICT (event_id) DO NOTHING
    RETURNING session_id, event_type, duration_ms`,
};

/** One row per notebook_open / notebook_save / notebook_close event, idempotent on event_id. */
export const insertAccesses: Statement = {
  name: 'persister_insert_accesses',
  text: `INSERT INTO notebook_accesses (event_id, user_id, class_id, session_id, notebook_id, action,
      event_time, received_at)
    SELECT t.event_id, t.user_id, t.class_id, t.session_id, t.notebook_id,
      t.action::notebook_access_action, ${ms('t.event_ms')}, ${ms('t.received_ms')}
    FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::text[], $7::bigint[],
        $8::bigint[])
      AS t(event_id, user_id, class_id, session_id, notebook_id, action, event_ms, received_ms)
    ON CONFLICT (event_id) DO NOTHING`,
};

/**
 * One row per session (distinct session ids). Times merge idempotently (earliest start, latest
 * end and latest event); counters and the execution time add only what this transaction newly
 * inserted into cell_executions. Known sessions are updated first so that no sequence value is
 * spent on them; the INSERT's ON CONFLICT branch covers a session another transaction created
 * meanwhile, with the same merge.
 */
export const upsertSessions: Statement = {
  name: 'persister_upsert_sessions',
  text: `WITH input AS (
      SELECT t.session_id, t.user_id, t.class_id,
        ${ms('t.started_ms')} AS started_at, ${ms('t.ended_ms')} AS ended_at,
        ${ms('t.last_ms')} AS last_event_at, t.executions, t.errors, t.execution_ms
      FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::bigint[],
          $7::int[], $8::int[], $9::float8[])
        AS t(session_id, user_id, class_id, started_ms, ended_ms, last_ms, executions, errors, execution_ms)
    ), known AS (
      UPDATE sessions s SET
        class_id = COALESCE(s.class_id, i.class_id),
        started_at = LEAST(s.started_at, i.started_at),
        ended_at = GREATEST(s.ended_at, i.ended_at),
        last_event_at = GREATEST(s.last_event_at, i.last_event_at),
        executions = s.executions + i.executions,
        errors = s.errors + i.errors,
        execution_duration_ms = s.execution_duration_ms + i.execution_ms,
        duration_ms = extract(epoch FROM GREATEST(s.ended_at, i.ended_at) - LEAST(s.started_at, i.started_at)) * 1000
      FROM input i
      WHERE s.session_id = i.session_id
      RETURNING s.session_id
    )
    INSERT INTO sessions AS s (session_id, user_id, class_id, started_at, ended_at, last_event_at,
      executions, errors, execution_duration_ms, duration_ms)
    SELECT i.session_id, i.user_id, i.class_id, i.started_at, i.ended_at, i.last_event_at,
      i.executions, i.errors, i.execution_ms, extract(epoch FROM i.ended_at - i.started_at) * 1000
    FROM input i
    WHERE i.session_id NOT IN (SELECT session_id FROM known)
    ORDER BY i.session_id
    ON CONFLICT (session_id) DO UPDATE SET
      class_id = COALESCE(s.class_id, EXCLUDED.class_id),
      started_at = LEAST(s.started_at, EXCLUDED.started_at),
      ended_at = GREATEST(s.ended_at, EXCLUDED.ended_at),
      last_event_at = GREATEST(s.last_event_at, EXCLUDED.last_event_at),
      executions = s.executions + EXCLUDED.executions,
      errors = s.errors + EXCLUDED.errors,
      execution_duration_ms = s.execution_duration_ms + EXCLUDED.execution_duration_ms,
      duration_ms = extract(epoch FROM GREATEST(s.ended_at, EXCLUDED.ended_at) - LEAST(s.started_at, EXCLUDED.started_at)) * 1000`,
};
