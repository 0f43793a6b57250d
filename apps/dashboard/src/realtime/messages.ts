/**
 * What realtime sends (apps/realtime/README.md, "Protocol"): JSON text frames with a `type`.
 * Record fields are those of schemas/avro/{ClassAggregate,StudentStatus,Alert}.avsc; timestamps
 * are milliseconds since the epoch. Enum values this dashboard does not know are kept as strings
 * and shown as "unknown", never trusted as HTML.
 */

import type { Alert, ClassAggregate, StudentState, StudentStatus } from '@cellstream/schemas';

// The records' types come from the Avro schemas (type-only: nothing of @cellstream/schemas is
// bundled), so a field added to a schema reaches the dashboard's types without a second copy.
export type {
  Alert,
  AlertKind,
  AlertSeverity,
  CellProgress,
  ClassAggregate,
  ErrorCount,
  StudentState,
  StudentStatus,
} from '@cellstream/schemas';

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
