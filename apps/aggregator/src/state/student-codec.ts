/**
 * The value of a `[p, "student", classId, userId]` changelog record: one JSON array, positional,
 * because a transaction writes one per student it touched (about one per event when a class has
 * many quiet students), so its size is most of the changelog's volume.
 *
 *   [1,                                   format version
 *    status, lastEventType, T,            T = lastEventTime, ms since the epoch; every other time
 *                                         below is written as T - time (small numbers), null = never
 *    statusSince, executions, errors,
 *    helpRequested (0|1), helpTime,
 *    notebookPath, notebookTime, cellId, cellIndex, cellTime,
 *    lastErrorName, lastErrorTime,
 *    [consecutiveErrors, lastFailed (0|1), lastTime, runCell, runStart, runEnd],   settled facts
 *    [time, failed, cell, time, failed, cell, ...],                                recent executions
 *    [cell index, ...],                                                            completed cells
 *    [cell index, time, failed, ...],                                              latest per cell
 *    [errorName, ...]]
 *
 * The userId is the key's; cells are the class core's indexes (a cell without one, past
 * MAX_CELLS_PER_CLASS, is its key string).
 */
import type { KnownEventType } from '../rules/class-event.js';
import type { CellRef, ExecutionEntry, ExecutionFacts } from '../rules/execution-history.js';
import type { Student } from '../rules/student.js';
import type { Status } from '../rules/student-status.js';

export const STUDENT_FORMAT = 1;

/** A student as read back from the changelog, times absolute (-Infinity for never). */
export interface StudentValue {
  userId: string;
  status: Status;
  statusSince: number;
  lastEventType: KnownEventType;
  lastEventTime: number;
  executions: number;
  errors: number;
  helpRequested: boolean;
  helpTime: number;
  notebookPath: string | null;
  notebookTime: number;
  cellId: string | null;
  cellIndex: number | null;
  cellTime: number;
  lastErrorName: string | null;
  lastErrorTime: number;
  settled: ExecutionFacts;
  recent: ExecutionEntry[];
  completedCells: number[];
  cellLatest: [number, [number, boolean]][];
  errorNames: string[];
}

export function encodeStudent(student: Student): string {
  const t = student.lastEventTime;
  const rel = (time: number) => (time === Number.NEGATIVE_INFINITY ? null : t - time);
  const relOrNull = (time: number | null) => (time === null ? null : t - time);
  const { settled } = student.history;
  const recent: (number | string | null)[] = [];
  for (const [time, failed, cell] of student.history.recent) recent.push(t - time, failed, cell);
  const latest: number[] = [];
  for (const [index, [time, failed]] of student.cellLatest) latest.push(index, t - time, failed ? 1 : 0);
  return JSON.stringify([
    STUDENT_FORMAT,
    student.status,
    student.lastEventType,
    t,
    t - student.statusSince,
    student.executions,
    student.errors,
    student.helpRequested ? 1 : 0,
    rel(student.helpTime),
    student.notebookPath,
    rel(student.notebookTime),
    student.cellId,
    student.cellIndex,
    rel(student.cellTime),
    student.lastErrorName,
    rel(student.lastErrorTime),
    [
      settled.consecutiveErrors,
      settled.lastFailed ? 1 : 0,
      relOrNull(settled.lastTime),
      settled.runCell,
      relOrNull(settled.runStart),
      relOrNull(settled.runEnd),
    ],
    recent,
    [...student.completedCells],
    latest,
    [...student.errorNames],
  ]);
}

/** Reads a value written by `encodeStudent`; throws a TypeError when it has another shape. */
export function decodeStudent(userId: string, value: unknown): StudentValue {
  if (!Array.isArray(value) || value[0] !== STUDENT_FORMAT || value.length !== 21) {
    throw new TypeError('not a student record of format 1');
  }
  const t = value[3] as number;
  const abs = (delta: unknown) => (delta === null ? Number.NEGATIVE_INFINITY : t - (delta as number));
  const absOrNull = (delta: unknown) => (delta === null ? null : t - (delta as number));
  const settled = value[16] as [number, 0 | 1, number | null, CellRef, number | null, number | null];
  const recentFlat = value[17] as (number | string | null)[];
  const recent: ExecutionEntry[] = [];
  for (let i = 0; i + 2 < recentFlat.length; i += 3) {
    recent.push([t - (recentFlat[i] as number), recentFlat[i + 1] as 0 | 1, recentFlat[i + 2] as CellRef]);
  }
  const latestFlat = value[19] as number[];
  const cellLatest: [number, [number, boolean]][] = [];
  for (let i = 0; i + 2 < latestFlat.length; i += 3) {
    cellLatest.push([latestFlat[i] as number, [t - (latestFlat[i + 1] as number), latestFlat[i + 2] === 1]]);
  }
  return {
    userId,
    status: value[1] as Status,
    lastEventType: value[2] as KnownEventType,
    lastEventTime: t,
    statusSince: t - (value[4] as number),
    executions: value[5] as number,
    errors: value[6] as number,
    helpRequested: value[7] === 1,
    helpTime: abs(value[8]),
    notebookPath: value[9] as string | null,
    notebookTime: abs(value[10]),
    cellId: value[11] as string | null,
    cellIndex: value[12] as number | null,
    cellTime: abs(value[13]),
    lastErrorName: value[14] as string | null,
    lastErrorTime: abs(value[15]),
    settled: {
      consecutiveErrors: settled[0],
      lastFailed: settled[1] === 1,
      lastTime: absOrNull(settled[2]),
      runCell: settled[3],
      runStart: absOrNull(settled[4]),
      runEnd: absOrNull(settled[5]),
    },
    recent,
    completedCells: value[18] as number[],
    cellLatest,
    errorNames: value[20] as string[],
  };
}
