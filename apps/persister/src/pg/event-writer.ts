import type { LearningEvent } from '@cellstream/schemas';
import type pg from 'pg';
import { accessActions, executionTypes, hasErrorOf } from '../event-kinds.js';
import { type PrivacyByClass, privateFields } from './privacy.js';
import {
  insertAccesses,
  insertExecutions,
  insertNotebooks,
  insertStudents,
  type Statement,
  selectNotebooks,
  upsertCells,
  upsertSessions,
} from './statements.js';

/** Rows newly written, by table. */
export type WriteCounts = Record<
  'students' | 'notebooks' | 'cells' | 'cell_executions' | 'notebook_accesses' | 'sessions',
  number
>;

const run = (client: pg.ClientBase, statement: Statement, values: unknown[]) =>
  client.query({ name: statement.name, text: statement.text, values });

/**
 * Writes a set of events with one statement per table, inside the caller's transaction:
 * students, notebooks and cells first (the event rows reference them), then the event rows,
 * then the sessions, whose counters grow by the execution rows this call newly inserted.
 * Idempotent: writing the same events again adds no row and changes no counter.
 */
export async function writeEvents(
  client: pg.ClientBase,
  input: readonly LearningEvent[],
  privacy: PrivacyByClass,
): Promise<WriteCounts> {
  const events = firstOfEachEventId(input);
  const counts: WriteCounts = {
    students: 0,
    notebooks: 0,
    cells: 0,
    cell_executions: 0,
    notebook_accesses: 0,
    sessions: 0,
  };
  if (events.length === 0) return counts;

  const users = [...new Set(events.map((event) => event.userId))];
  counts.students = (await run(client, insertStudents, [users])).rowCount ?? 0;

  const notebooks = await upsertNotebooks(client, events, counts);
  const notebookOf = (event: LearningEvent) =>
    event.notebookPath === null ? null : (notebooks.get(notebookKey(event)) ?? null);

  counts.cells = await upsertCellRows(client, events, notebookOf);

  const executions = events.filter((event) => executionTypes.has(event.eventType));
  const newExecutions =
    executions.length > 0 ? await insertExecutionRows(client, executions, notebookOf, privacy) : [];
  counts.cell_executions = newExecutions.length;

  const accesses = events.filter((event) => accessActions[event.eventType] !== undefined);
  if (accesses.length > 0) {
    const result = await run(client, insertAccesses, [
      accesses.map((event) => event.eventId),
      accesses.map((event) => event.userId),
      accesses.map((event) => event.classId),
      accesses.map((event) => event.sessionId),
      accesses.map(notebookOf),
      accesses.map((event) => accessActions[event.eventType]),
      accesses.map((event) => event.eventTime),
      accesses.map((event) => event.receivedAt),
    ]);
    counts.notebook_accesses = result.rowCount ?? 0;
  }

  counts.sessions = await upsertSessionRows(client, events, newExecutions);
  return counts;
}

/** The same eventId twice in one batch (a producer retry) is one event. */
function firstOfEachEventId(events: readonly LearningEvent[]): LearningEvent[] {
  const seen = new Set<string>();
  return events.filter((event) => !seen.has(event.eventId) && seen.add(event.eventId) !== undefined);
}

const notebookKey = (event: { classId: string | null; notebookPath: string | null }) =>
  `${event.classId === null ? 'N' : `C${event.classId}`}\u0000${event.notebookPath}`;

async function upsertNotebooks(
  client: pg.ClientBase,
  events: readonly LearningEvent[],
  counts: WriteCounts,
): Promise<Map<string, number>> {
  const distinct = new Map<string, { classId: string | null; path: string }>();
  for (const event of events) {
    if (event.notebookPath !== null) {
      distinct.set(notebookKey(event), { classId: event.classId, path: event.notebookPath });
    }
  }
  const ids = new Map<string, number>();
  if (distinct.size === 0) return ids;
  const keys = [...distinct.keys()];
  const columns = [[...distinct.values()].map((n) => n.classId), [...distinct.values()].map((n) => n.path)];
  counts.notebooks = (await run(client, insertNotebooks, columns)).rowCount ?? 0;
  const found = await run(client, selectNotebooks, columns);
  for (const row of found.rows as { id: number; ord: string }[]) {
    const key = keys[Number(row.ord) - 1];
    if (key !== undefined) ids.set(key, row.id);
  }
  return ids;
}

async function upsertCellRows(
  client: pg.ClientBase,
  events: readonly LearningEvent[],
  notebookOf: (event: LearningEvent) => number | null,
): Promise<number> {
  // The latest event of each cell wins (events of a partition arrive in order).
  const latest = new Map<
    string,
    { notebookId: number; cellId: string; index: number | null; type: string | null }
  >();
  for (const event of events) {
    const notebookId = notebookOf(event);
    if (notebookId === null || event.cellId === null) continue;
    const key = `${notebookId}\u0000${event.cellId}`;
    const previous = latest.get(key);
    latest.set(key, {
      notebookId,
      cellId: event.cellId,
      index: event.cellIndex ?? previous?.index ?? null,
      type: event.cellType ?? previous?.type ?? null,
    });
  }
  if (latest.size === 0) return 0;
  const cells = [...latest.values()];
  const result = await run(client, upsertCells, [
    cells.map((cell) => cell.notebookId),
    cells.map((cell) => cell.cellId),
    cells.map((cell) => cell.index),
    cells.map((cell) => cell.type),
  ]);
  return result.rowCount ?? 0;
}

interface NewExecution {
  session_id: string | null;
  event_type: string;
  duration_ms: number | null;
}

async function insertExecutionRows(
  client: pg.ClientBase,
  events: readonly LearningEvent[],
  notebookOf: (event: LearningEvent) => number | null,
  privacy: PrivacyByClass,
): Promise<NewExecution[]> {
  const kept = events.map((event) => privateFields(event, privacy));
  const result = await run(client, insertExecutions, [
    events.map((event) => event.eventId),
    events.map((event) => event.eventType),
    events.map((event) => event.userId),
    events.map((event) => event.classId),
    events.map((event) => event.sessionId),
    events.map(notebookOf),
    events.map((event) => event.cellId),
    events.map((event) => event.cellIndex),
    events.map((event) => event.executionCount),
    kept.map((fields) => fields.code),
    events.map(hasErrorOf),
    events.map((event) => event.errorName),
    kept.map((fields) => fields.errorMessage),
    kept.map((fields) => fields.result),
    events.map((event) => event.executionDurationMs),
    events.map((event) => event.eventTime),
    events.map((event) => event.receivedAt),
  ]);
  return result.rows as NewExecution[];
}

interface SessionRow {
  userId: string;
  classId: string | null;
  started: number | null;
  ended: number | null;
  last: number;
  executions: number;
  errors: number;
  executionMs: number;
}

async function upsertSessionRows(
  client: pg.ClientBase,
  events: readonly LearningEvent[],
  newExecutions: readonly NewExecution[],
): Promise<number> {
  const sessions = new Map<string, SessionRow>();
  for (const event of events) {
    if (event.sessionId === null) continue;
    let row = sessions.get(event.sessionId);
    if (!row) {
      row = {
        userId: event.userId,
        classId: event.classId,
        started: null,
        ended: null,
        last: event.eventTime,
        executions: 0,
        errors: 0,
        executionMs: 0,
      };
      sessions.set(event.sessionId, row);
    }
    row.classId ??= event.classId;
    row.last = Math.max(row.last, event.eventTime);
    if (event.eventType === 'session_start') row.started = Math.min(row.started ?? Infinity, event.eventTime);
    if (event.eventType === 'session_end') row.ended = Math.max(row.ended ?? -Infinity, event.eventTime);
  }
  for (const execution of newExecutions) {
    const row = execution.session_id === null ? undefined : sessions.get(execution.session_id);
    if (!row) continue;
    if (execution.event_type === 'cell_execution_complete') row.executions++;
    else if (execution.event_type === 'cell_execution_error') row.errors++;
    else continue;
    if (execution.duration_ms !== null && Number.isFinite(execution.duration_ms)) {
      row.executionMs += execution.duration_ms;
    }
  }
  if (sessions.size === 0) return 0;
  const ids = [...sessions.keys()];
  const rows = [...sessions.values()];
  await run(client, upsertSessions, [
    ids,
    rows.map((row) => row.userId),
    rows.map((row) => row.classId),
    rows.map((row) => row.started),
    rows.map((row) => row.ended),
    rows.map((row) => row.last),
    rows.map((row) => row.executions),
    rows.map((row) => row.errors),
    rows.map((row) => row.executionMs),
  ]);
  return sessions.size;
}
