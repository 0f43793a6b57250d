import { createHash } from 'node:crypto';
import type { Alert, AlertKind } from '@cellstream/schemas';
import type { ClassEvent } from './class-event.js';
import type { ExecutionFacts } from './execution-history.js';
import type { StuckReason } from './student-status.js';

/**
 * Alert.alertId: derived from classId, userId, kind and the id of the triggering event only, so
 * processing the same events again (after a crash, an abort or a rebalance) yields the same id.
 */
export function alertId(classId: string, userId: string | null, kind: AlertKind, eventId: string): string {
  return createHash('sha256')
    .update([classId, userId ?? '', kind, eventId].join('\u0000'))
    .digest('hex')
    .slice(0, 32);
}

/** Where a cell is, for people: "cell 3 of week1/intro.ipynb". */
function where(notebookPath: string | null, cellId: string | null, cellIndex: number | null): string {
  const cell = cellIndex !== null ? `cell ${cellIndex}` : cellId !== null ? `cell ${cellId}` : null;
  if (cell && notebookPath) return ` on ${cell} of ${notebookPath}`;
  if (cell) return ` on ${cell}`;
  if (notebookPath) return ` in ${notebookPath}`;
  return '';
}

const minutes = (ms: number) => {
  const value = Math.round(ms / 6_000) / 10;
  return `${value} minute${value === 1 ? '' : 's'}`;
};

export function stuckAlert(
  classId: string,
  trigger: ClassEvent,
  facts: ExecutionFacts,
  reason: StuckReason,
): Alert {
  const { userId } = trigger;
  const errorName = trigger.errorName ?? 'an error';
  const place = where(trigger.notebookPath, trigger.cellId, trigger.cellIndex);
  const failingForMs = facts.runStart !== null && facts.runEnd !== null ? facts.runEnd - facts.runStart : 0;
  const message =
    reason === 'consecutive_errors'
      ? `${userId} has failed ${facts.consecutiveErrors} times in a row${place} (${errorName})`
      : `${userId} has been failing${place} for ${minutes(failingForMs)} without a success (${errorName})`;
  const details: Record<string, string> = {
    rule: reason,
    consecutiveErrors: String(facts.consecutiveErrors),
    failingForMs: String(failingForMs),
  };
  if (trigger.errorName !== null) details.errorName = trigger.errorName;
  return {
    alertId: alertId(classId, userId, 'stuck', trigger.eventId),
    classId,
    userId,
    kind: 'stuck',
    severity: 'warning',
    message,
    raisedAt: trigger.time,
    notebookPath: trigger.notebookPath,
    cellId: trigger.cellId,
    details,
  };
}

export function idleAlert(
  classId: string,
  student: { userId: string; lastEventTime: number; notebookPath: string | null; cellId: string | null },
  trigger: ClassEvent,
  idleAfterMs: number,
): Alert {
  return {
    alertId: alertId(classId, student.userId, 'idle', trigger.eventId),
    classId,
    userId: student.userId,
    kind: 'idle',
    severity: 'info',
    message: `${student.userId} has had no activity for ${minutes(idleAfterMs)}`,
    raisedAt: trigger.time,
    notebookPath: student.notebookPath,
    cellId: student.cellId,
    details: {
      lastEventTime: new Date(student.lastEventTime).toISOString(),
      idleAfterMs: String(idleAfterMs),
    },
  };
}

export function helpAlert(
  classId: string,
  trigger: ClassEvent,
  location: { notebookPath: string | null; cellId: string | null; cellIndex: number | null },
): Alert {
  return {
    alertId: alertId(classId, trigger.userId, 'help_requested', trigger.eventId),
    classId,
    userId: trigger.userId,
    kind: 'help_requested',
    severity: 'warning',
    message: `${trigger.userId} asked for help${where(location.notebookPath, location.cellId, location.cellIndex)}`,
    raisedAt: trigger.time,
    notebookPath: location.notebookPath,
    cellId: location.cellId,
    details: {},
  };
}
