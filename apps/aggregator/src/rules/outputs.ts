import type { CellProgress, ClassAggregate, ErrorCount, StudentStatus } from '@cellstream/schemas';
import { splitCellKey } from './class-event.js';
import type { ClassState } from './class-state.js';
import { ACTIVITY_WINDOW_MS, MINUTE_WINDOW_MS, TOP_ERRORS } from './settings.js';
import type { Student } from './student.js';

/** The ClassAggregate record of a class as it stands; `updatedAt` is the aggregator's clock. */
export function classAggregate(state: ClassState, updatedAt: number): ClassAggregate {
  const windowEnd = state.clock;
  const lastMinute = state.window.lastMinute(windowEnd);
  let activeStudents = 0;
  let erroringStudents = 0;
  let stuckStudents = 0;
  let idleStudents = 0;
  let helpRequests = 0;
  for (const student of state.students.values()) {
    if (student.lastEventTime >= windowEnd - ACTIVITY_WINDOW_MS) activeStudents++;
    if (student.status === 'erroring') erroringStudents++;
    else if (student.status === 'stuck') stuckStudents++;
    else if (student.status === 'idle') idleStudents++;
    if (student.helpRequested) helpRequests++;
  }
  return {
    classId: state.classId,
    updatedAt,
    windowStart: windowEnd - MINUTE_WINDOW_MS,
    windowEnd,
    totalExecutions: state.totalExecutions,
    totalErrors: state.totalErrors,
    activeStudents,
    totalStudentsSeen: state.students.size,
    executionsLastMinute: lastMinute.executions,
    errorsLastMinute: lastMinute.errors,
    erroringStudents,
    stuckStudents,
    idleStudents,
    helpRequests,
    medianExecutionMs: state.window.median(windowEnd),
    perCell: perCell(state),
    topErrors: topErrors(state),
  };
}

/** Ordered by notebookPath, then cellIndex (unknown last), then cellId. */
function perCell(state: ClassState): CellProgress[] {
  const cells: CellProgress[] = [];
  for (const [key, cell] of state.cells) {
    const { notebookPath, cellId } = splitCellKey(key);
    cells.push({
      notebookPath,
      cellId,
      cellIndex: cell.cellIndex,
      executions: cell.executions,
      errors: cell.errors,
      studentsCompleted: cell.studentsCompleted,
      studentsErroring: cell.studentsErroring,
    });
  }
  return cells.sort(
    (a, b) =>
      compareText(a.notebookPath, b.notebookPath) ||
      (a.cellIndex ?? Number.MAX_SAFE_INTEGER) - (b.cellIndex ?? Number.MAX_SAFE_INTEGER) ||
      compareText(a.cellId, b.cellId),
  );
}

/** At most TOP_ERRORS, by count descending, then errorName. */
function topErrors(state: ClassState): ErrorCount[] {
  return [...state.errorCounts]
    .map(([errorName, counter]) => ({ errorName, count: counter.count, students: counter.students }))
    .sort((a, b) => b.count - a.count || compareText(a.errorName, b.errorName))
    .slice(0, TOP_ERRORS);
}

export function studentStatus(classId: string, student: Student, updatedAt: number): StudentStatus {
  return {
    classId,
    userId: student.userId,
    status: student.status,
    statusSince: student.statusSince,
    helpRequested: student.helpRequested,
    lastEventType: student.lastEventType,
    lastEventTime: student.lastEventTime,
    executions: student.executions,
    errors: student.errors,
    consecutiveErrors: student.history.current.consecutiveErrors,
    notebookPath: student.notebookPath,
    cellId: student.cellId,
    cellIndex: student.cellIndex,
    lastErrorName: student.lastErrorName,
    updatedAt,
  };
}

const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
