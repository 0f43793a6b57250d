import {
  cellExecutions,
  cells,
  type Database,
  notebooks,
  studentClasses,
  studentClassProgress,
  studentNotebookProgress,
  students,
} from '@cellstream/db';
import { and, count, eq, inArray, sql } from 'drizzle-orm';

/**
 * The dashboard's reads of stored executions. Counts follow the aggregator's definitions
 * (CONTRACT.md, ClassAggregate): an execution is a `cell_execution_complete` event, an error a
 * `cell_execution_error` event. A cell is completed once it has run without error.
 */
export const EXECUTION = 'cell_execution_complete';
export const ERROR = 'cell_execution_error';

export interface StudentProgress {
  userId: string;
  displayName: string | null;
  executions: number;
  errors: number;
  lastActivity: string | null;
  notebooks: { notebookPath: string; cellsCompleted: number; cellsExecuted: number; cellsKnown: number }[];
}

/**
 * One page of a class's enrolled students (by userId) with their progress in that class, in one
 * statement: the page of enrolments, then each student's row of the progress summaries the
 * database keeps beside cell_executions (packages/db, "Progress summaries"). A page costs a row
 * per student and notebook, never a row per execution.
 */
export async function classProgress(
  db: Database,
  classId: number,
  page: { skip: number; limit: number },
): Promise<{ students: StudentProgress[]; total: number }> {
  const eventClassId = String(classId);
  const { rows } = await db.execute<ProgressRow>(sql`
    WITH known AS (
      SELECT ${cells.notebookId} AS notebook_id, count(*)::int AS cells
        FROM ${cells} JOIN ${notebooks} ON ${notebooks.id} = ${cells.notebookId}
       WHERE ${notebooks.classId} = ${eventClassId}
       GROUP BY ${cells.notebookId}
    ), page AS (
      SELECT ${students.userId} AS user_id, ${students.displayName} AS display_name,
             count(*) OVER ()::int AS total
        FROM ${studentClasses} JOIN ${students} ON ${students.id} = ${studentClasses.studentId}
       WHERE ${studentClasses.classId} = ${classId}
       ORDER BY ${students.userId}
      OFFSET ${page.skip} LIMIT ${page.limit}
    )
    SELECT page.user_id AS "userId", page.display_name AS "displayName", page.total,
           coalesce(${studentClassProgress.executions}, 0) AS executions,
           coalesce(${studentClassProgress.errors}, 0) AS errors,
           ${studentClassProgress.lastActivity} AS "lastActivity",
           coalesce((
             SELECT json_agg(json_build_object(
                      'notebookPath', ${notebooks.path},
                      'cellsCompleted', ${studentNotebookProgress.cellsCompleted},
                      'cellsExecuted', ${studentNotebookProgress.cellsExecuted},
                      'cellsKnown', coalesce(known.cells, 0))
                    ORDER BY ${notebooks.path})
               FROM ${studentNotebookProgress}
               JOIN ${notebooks} ON ${notebooks.id} = ${studentNotebookProgress.notebookId}
               LEFT JOIN known ON known.notebook_id = ${studentNotebookProgress.notebookId}
              WHERE ${studentNotebookProgress.classId} = ${eventClassId}
                AND ${studentNotebookProgress.userId} = page.user_id
           ), '[]') AS notebooks
      FROM page
      LEFT JOIN ${studentClassProgress}
        ON ${studentClassProgress.classId} = ${eventClassId} AND ${studentClassProgress.userId} = page.user_id
     ORDER BY page.user_id`);

  // A page past the end has no row to carry the total.
  const total =
    rows[0]?.total ??
    (await db.select({ n: count() }).from(studentClasses).where(eq(studentClasses.classId, classId)))[0]?.n ??
    0;
  return {
    total,
    students: rows.map(({ total: _total, lastActivity, ...student }) => ({
      ...student,
      lastActivity: lastActivity === null ? null : new Date(lastActivity).toISOString(),
    })),
  };
}

/** A row of classProgress's statement, as pg parses it. */
interface ProgressRow extends Record<string, unknown> {
  userId: string;
  displayName: string | null;
  total: number;
  executions: number;
  errors: number;
  /** pg parses timestamptz to a Date; a string when a caller changed the type parser. */
  lastActivity: Date | string | null;
  notebooks: StudentProgress['notebooks'];
}

export interface TimelineEntry {
  eventId: string;
  eventType: string;
  eventTime: string;
  notebookPath: string | null;
  cellId: string | null;
  executionCount: number | null;
  /** The cell's source as run, cut to TIMELINE_CODE_MAX_CHARS (null when the class does not store code). */
  code: string | null;
  /** Whether `code` was cut. */
  codeTruncated: boolean;
  hasError: boolean;
  errorName: string | null;
  errorMessage: string | null;
  durationMs: number | null;
}

/**
 * Code is up to 64 KiB per event (CONTRACT.md); a page of the timeline carries at most this many
 * characters of each, so a page stays small whatever the students ran.
 */
export const TIMELINE_CODE_MAX_CHARS = 8_192;

/**
 * A student's executions and errors in a class, newest first, by keyset pagination: the cursor
 * is the last row's (event_time in microseconds, id), so pages never skip or repeat rows.
 */
export async function studentTimeline(
  db: Database,
  classId: number,
  userId: string,
  options: { limit: number; before?: { micros: bigint; id: number } },
): Promise<{ items: TimelineEntry[]; nextCursor: string | null }> {
  const before = options.before;
  const rows = await db
    .select({
      id: cellExecutions.id,
      micros: sql<string>`(extract(epoch FROM ${cellExecutions.eventTime}) * 1000000)::bigint::text`,
      eventId: cellExecutions.eventId,
      eventType: cellExecutions.eventType,
      eventTime: cellExecutions.eventTime,
      notebookPath: notebooks.path,
      cellId: cellExecutions.cellId,
      executionCount: cellExecutions.executionCount,
      code: sql<string | null>`left(${cellExecutions.code}, ${TIMELINE_CODE_MAX_CHARS})`,
      codeTruncated: sql<boolean>`coalesce(char_length(${cellExecutions.code}) > ${TIMELINE_CODE_MAX_CHARS}, false)`,
      hasError: cellExecutions.hasError,
      errorName: cellExecutions.errorName,
      errorMessage: cellExecutions.errorMessage,
      durationMs: cellExecutions.durationMs,
    })
    .from(cellExecutions)
    .leftJoin(notebooks, eq(notebooks.id, cellExecutions.notebookId))
    .where(
      and(
        eq(cellExecutions.userId, userId),
        eq(cellExecutions.classId, String(classId)),
        inArray(cellExecutions.eventType, [EXECUTION, ERROR]),
        before
          ? sql`(${cellExecutions.eventTime}, ${cellExecutions.id}) <
                (timestamptz 'epoch' + ${before.micros.toString()}::bigint * interval '1 microsecond', ${before.id})`
          : undefined,
      ),
    )
    .orderBy(sql`${cellExecutions.eventTime} DESC, ${cellExecutions.id} DESC`)
    .limit(options.limit + 1);
  const page = rows.slice(0, options.limit);
  const last = page.at(-1);
  return {
    items: page.map(({ id: _id, micros: _micros, eventTime, ...rest }) => ({
      ...rest,
      eventTime: eventTime.toISOString(),
    })),
    nextCursor: rows.length > options.limit && last ? encodeCursor(BigInt(last.micros), last.id) : null,
  };
}

export function encodeCursor(micros: bigint, id: number): string {
  return Buffer.from(`${micros}:${id}`).toString('base64url');
}

export function decodeCursor(cursor: string): { micros: bigint; id: number } | undefined {
  const match = /^(-?\d{1,20}):(\d{1,19})$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!match?.[1] || !match[2]) return undefined;
  return { micros: BigInt(match[1]), id: Number(match[2]) };
}
