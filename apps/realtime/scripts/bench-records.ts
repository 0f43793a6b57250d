import type { ClassAggregate, StudentStatus } from '@cellstream/schemas';

/** Records of the sizes the aggregator writes: an aggregate with ten cells, a student's status. */
export function aggregateUpdate(classId: string, sequence: number, now: number): ClassAggregate {
  return {
    classId,
    updatedAt: now,
    windowStart: now - 60_000,
    windowEnd: now,
    totalExecutions: sequence,
    totalErrors: Math.floor(sequence / 7),
    activeStudents: 18,
    totalStudentsSeen: 20,
    executionsLastMinute: 40,
    errorsLastMinute: 6,
    erroringStudents: 2,
    stuckStudents: 1,
    idleStudents: 2,
    helpRequests: 1,
    medianExecutionMs: 35.5,
    perCell: Array.from({ length: 10 }, (_, index) => ({
      notebookPath: 'week3/pandas-basics.ipynb',
      cellId: `cell-${index}`,
      cellIndex: index,
      executions: sequence + index,
      errors: index,
      studentsCompleted: 15,
      studentsErroring: 1,
    })),
    topErrors: [
      { errorName: 'NameError', count: 12, students: 5 },
      { errorName: 'KeyError', count: 4, students: 2 },
    ],
  };
}

export function statusUpdate(classId: string, userId: string, sequence: number, now: number): StudentStatus {
  return {
    classId,
    userId,
    status: sequence % 11 === 0 ? 'erroring' : 'active',
    statusSince: now - 30_000,
    helpRequested: false,
    lastEventType: 'cell_execution_complete',
    lastEventTime: now,
    executions: sequence,
    errors: sequence % 11,
    consecutiveErrors: 0,
    notebookPath: 'week3/pandas-basics.ipynb',
    cellId: `cell-${sequence % 10}`,
    cellIndex: sequence % 10,
    lastErrorName: null,
    updatedAt: now,
  };
}
