import { cellExecutions, cells, type Database, notebooks, studentClasses, students } from '@cellstream/db';
import { and, asc, count, eq, inArray, sql } from 'drizzle-orm';

/**
 * The dashboard's reads from `cell_executions`. Counts follow the aggregator's definitions
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

/** One page of a class's enrolled students (by userId) with their progress in that class. */
export async function classProgress(
  db: Database,
  classId: number,
  page: { skip: number; limit: number },
): Promise<{ students: StudentProgress[]; total: number }> {
  const enrolled = eq(studentClasses.classId, classId);
  const [pageRows, [total]] = await Promise.all([
    db
      .select({ userId: students.userId, displayName: students.displayName })
      .from(studentClasses)
      .innerJoin(students, eq(students.id, studentClasses.studentId))
      .where(enrolled)
      .orderBy(asc(students.userId))
      .offset(page.skip)
      .limit(page.limit),
    db.select({ n: count() }).from(studentClasses).where(enrolled),
  ]);
  const userIds = pageRows.map((row) => row.userId);
  if (userIds.length === 0) return { students: [], total: total?.n ?? 0 };
  const eventClassId = String(classId);
  const inPage = and(eq(cellExecutions.classId, eventClassId), inArray(cellExecutions.userId, userIds));

  const [totals, perNotebook] = await Promise.all([
    db
      .select({
        userId: cellExecutions.userId,
        executions: sql<number>`count(*) FILTER (WHERE ${cellExecutions.eventType} = ${EXECUTION})::int`,
        errors: sql<number>`count(*) FILTER (WHERE ${cellExecutions.eventType} = ${ERROR})::int`,
        lastActivity: sql<Date | null>`max(${cellExecutions.eventTime})`.mapWith(cellExecutions.eventTime),
      })
      .from(cellExecutions)
      .where(inPage)
      .groupBy(cellExecutions.userId),
    db
      .select({
        userId: cellExecutions.userId,
        notebookPath: notebooks.path,
        cellsCompleted: sql<number>`count(DISTINCT ${cellExecutions.cellId}) FILTER (
          WHERE ${cellExecutions.eventType} = ${EXECUTION} AND NOT ${cellExecutions.hasError})::int`,
        cellsExecuted: sql<number>`count(DISTINCT ${cellExecutions.cellId})::int`,
        cellsKnown: sql<number>`(SELECT count(*) FROM ${cells} WHERE ${cells.notebookId} = ${notebooks.id})::int`,
      })
      .from(cellExecutions)
      .innerJoin(notebooks, eq(notebooks.id, cellExecutions.notebookId))
      .where(inPage)
      .groupBy(cellExecutions.userId, notebooks.id, notebooks.path)
      .orderBy(asc(notebooks.path)),
  ]);

  const totalsByUser = new Map(totals.map((row) => [row.userId, row]));
  return {
    total: total?.n ?? 0,
    students: pageRows.map(({ userId, displayName }) => {
      const sums = totalsByUser.get(userId);
      return {
        userId,
        displayName,
        executions: sums?.executions ?? 0,
        errors: sums?.errors ?? 0,
        lastActivity: sums?.lastActivity?.toISOString() ?? null,
        notebooks: perNotebook
          .filter((row) => row.userId === userId)
          .map(({ notebookPath, cellsCompleted, cellsExecuted, cellsKnown }) => ({
            notebookPath,
            cellsCompleted,
            cellsExecuted,
            cellsKnown,
          })),
      };
    }),
  };
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
