/**
 * What realtime sends (apps/realtime/README.md, "Protocol"): JSON text frames with a `type`.
 * Record fields are those of schemas/avro/{ClassAggregate,StudentStatus,Alert}.avsc; timestamps
 * are milliseconds since the epoch. Enum values this dashboard does not know are kept as strings
 * and shown as "unknown", never trusted as HTML.
 */

export type StudentState = 'active' | 'idle' | 'erroring' | 'stuck' | 'unknown';

export interface CellProgress {
  notebookPath: string;
  cellId: string;
  cellIndex: number | null;
  executions: number;
  errors: number;
  studentsCompleted: number;
  studentsErroring: number;
}

export interface ErrorCount {
  errorName: string;
  count: number;
  students: number;
}

export interface ClassAggregate {
  classId: string;
  updatedAt: number;
  windowStart: number;
  windowEnd: number;
  totalExecutions: number;
  totalErrors: number;
  activeStudents: number;
  totalStudentsSeen: number;
  executionsLastMinute: number;
  errorsLastMinute: number;
  erroringStudents: number;
  stuckStudents: number;
  idleStudents: number;
  helpRequests: number;
  medianExecutionMs: number | null;
  perCell: CellProgress[];
  topErrors: ErrorCount[];
}

export interface StudentStatus {
  classId: string;
  userId: string;
  status: StudentState;
  statusSince: number;
  helpRequested: boolean;
  lastEventType: string;
  lastEventTime: number;
  executions: number;
  errors: number;
  consecutiveErrors: number;
  notebookPath: string | null;
  cellId: string | null;
  cellIndex: number | null;
  lastErrorName: string | null;
  updatedAt: number;
}

export type AlertKind = 'stuck' | 'idle' | 'error_burst' | 'help_requested' | 'unknown';
export type AlertSeverity = 'info' | 'warning' | 'critical' | 'unknown';

export interface Alert {
  alertId: string;
  classId: string;
  userId: string | null;
  kind: AlertKind;
  severity: AlertSeverity;
  message: string;
  raisedAt: number;
  notebookPath: string | null;
  cellId: string | null;
  details: Record<string, string>;
}

export interface Snapshot {
  classId: string;
  aggregate: ClassAggregate | null;
  students: StudentStatus[];
  alerts: Alert[];
}

/** The messages that change a class's state, as the store applies them. */
export type LiveMessage =
  | ({ type: 'snapshot' } & Snapshot)
  | ({ type: 'class_aggregate' } & ClassAggregate)
  | ({ type: 'student_status' } & StudentStatus)
  | ({ type: 'alert' } & Alert);

export type ServerMessage =
  | LiveMessage
  | { type: 'authenticated'; userId: string; role: string; classes: string[]; expiresAt: number | null }
  | { type: 'unsubscribed'; classId: string }
  | { type: 'pong' }
  | { type: 'error'; code: string; message: string; classId?: string };

const knownTypes = new Set([
  'snapshot',
  'class_aggregate',
  'student_status',
  'alert',
  'authenticated',
  'unsubscribed',
  'pong',
  'error',
]);

/** Parses one text frame; undefined for anything that is not a message we know. */
export function parseServerMessage(text: string): ServerMessage | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const type = (value as { type?: unknown }).type;
  if (typeof type !== 'string' || !knownTypes.has(type)) return undefined;
  if (type === 'snapshot') {
    const snapshot = value as Partial<Snapshot>;
    if (typeof snapshot.classId !== 'string' || !Array.isArray(snapshot.students)) return undefined;
    if (!Array.isArray(snapshot.alerts)) (value as Snapshot).alerts = [];
  }
  return value as ServerMessage;
}

export const studentStates: readonly StudentState[] = ['active', 'idle', 'erroring', 'stuck', 'unknown'];
