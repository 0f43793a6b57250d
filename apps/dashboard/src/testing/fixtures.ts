import type { Alert, ClassAggregate, StudentStatus } from '../realtime/messages';
import type { RosterEntry } from '../state/students';

/** Records as realtime sends them, with defaults; tests override what they care about. */
export const T0 = Date.parse('2025-03-03T10:00:00Z');

export function aggregate(overrides: Partial<ClassAggregate> = {}): ClassAggregate {
  return {
    classId: '7',
    updatedAt: T0,
    windowStart: T0 - 60_000,
    windowEnd: T0,
    totalExecutions: 0,
    totalErrors: 0,
    activeStudents: 0,
    totalStudentsSeen: 0,
    executionsLastMinute: 0,
    errorsLastMinute: 0,
    erroringStudents: 0,
    stuckStudents: 0,
    idleStudents: 0,
    helpRequests: 0,
    medianExecutionMs: null,
    perCell: [],
    topErrors: [],
    ...overrides,
  };
}

export function status(userId: string, overrides: Partial<StudentStatus> = {}): StudentStatus {
  return {
    classId: '7',
    userId,
    status: 'active',
    statusSince: T0,
    helpRequested: false,
    lastEventType: 'cell_execution_complete',
    lastEventTime: T0,
    executions: 1,
    errors: 0,
    consecutiveErrors: 0,
    notebookPath: 'week1/intro.ipynb',
    cellId: 'c1',
    cellIndex: 0,
    lastErrorName: null,
    updatedAt: T0,
    ...overrides,
  };
}

export function alert(alertId: string, overrides: Partial<Alert> = {}): Alert {
  return {
    alertId,
    classId: '7',
    userId: 'ada',
    kind: 'stuck',
    severity: 'warning',
    message: 'ada has failed 3 times in a row',
    raisedAt: T0,
    notebookPath: null,
    cellId: null,
    details: {},
    ...overrides,
  };
}

export function rosterEntry(userId: string, displayName: string | null = null): RosterEntry {
  return { userId, displayName, executions: 0, errors: 0, lastActivity: null };
}
