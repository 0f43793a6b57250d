import type { LearningEvent } from '@cellstream/schemas';
import { escape as lineProtocol } from '@influxdata/influxdb-client';
import { executionTypes, hasErrorOf } from '../event-kinds.js';
import { store, type Verdict } from '../pipeline/triage.js';

/**
 * One `student_progress` point per event (CONTRACT.md, "Storage"):
 *
 *   student_progress,classId=…,cellType=…,event=…,notebook=…,sessionId=…,userId=… \
 *     cellId="…",duration=…,eventId="…",executionCount=…i,notebookPath="…",success=… <time ns>
 *
 * - tags: userId, classId, event (the event type), notebook (notebookPath), cellType, sessionId;
 *   a tag whose value is null or empty is left out (line protocol has no empty tag values);
 * - fields: cellId, notebookPath, executionCount, success (on every cell_execution_* point:
 *   false for errors, true otherwise), duration (executionDurationMs, when finite), and eventId,
 *   which every point carries: line protocol needs at least one field (a session_start has none
 *   of the others), and it ties the point to its row in PostgreSQL;
 * - time: eventTime in nanoseconds, plus a sub-millisecond offset in [0, 999999] ns derived from
 *   a hash of eventId. A point is identified by series (measurement + tags) and time, and a
 *   rewrite of the same identity overwrites it: a redelivered event lands on its own point again
 *   (idempotent), while two distinct events of one series in the same millisecond get distinct
 *   times (colliding only with probability 1e-6 per such pair). Millisecond readers see eventTime.
 */
export const MEASUREMENT = 'student_progress';

/**
 * Beside each cell execution of a class, one point of `class_activity`, the read model of the
 * activity chart (lms-api's `GET /classes/:id/activity`):
 *
 *   class_activity,classId=…,event=cell_execution_complete|cell_execution_error n=1i <time ns>
 *
 * `student_progress` has a series per student, session, notebook and cell type, so one class's
 * last hour spans about a thousand series, and InfluxDB 1.8 reads every one of them to count
 * (150 ms and more for a single chart). Here a class has two series. The point's time is the
 * event's own point time, so a redelivered event overwrites its point (counted once), and it
 * names no student: a student's erasure deletes `student_progress` points, while the class's
 * counts keep their share, as the class aggregates in Kafka do. Two distinct executions of one
 * class and type in the same millisecond share a point with probability 1e-6 (see pointTime).
 */
export const ACTIVITY_MEASUREMENT = 'class_activity';

/** InfluxDB stores times as signed 64-bit nanoseconds: about 1677-09-21 to 2262-04-11. */
const MIN_TIME_MS = -9_223_372_036_854;
const MAX_TIME_MS = 9_223_372_036_853;

/** FNV-1a (32-bit) of the eventId. */
function eventIdHash(eventId: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < eventId.length; i++) {
    hash ^= eventId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** The eventId's hash reduced to a nanosecond offset within the millisecond. */
export function nanosecondOffset(eventId: string): number {
  return eventIdHash(eventId) % 1_000_000;
}

/** The point's timestamp in nanoseconds since the epoch, as line protocol writes it. */
export function pointTime(event: Pick<LearningEvent, 'eventId' | 'eventTime'>): string {
  const offset = nanosecondOffset(event.eventId);
  // Positive times (all real ones) by concatenation; BigInt arithmetic for the rest.
  if (event.eventTime > 0) return `${event.eventTime}${String(offset).padStart(6, '0')}`;
  return (BigInt(event.eventTime) * 1_000_000n + BigInt(offset)).toString();
}

/**
 * The `class_activity` point's time: the second of eventTime plus an offset in
 * [0, 999 999 999] ns from the eventId's hash. A class's two series take every execution of the
 * class, and a burst of them often shares a millisecond; spread over the second, two distinct
 * executions share a point with probability 1e-9 per pair of the same second (then counted once).
 * Every window of the activity chart is whole seconds, so the point stays in eventTime's window.
 */
export function activityPointTime(event: Pick<LearningEvent, 'eventId' | 'eventTime'>): string {
  const offset = eventIdHash(event.eventId) % 1_000_000_000;
  const second = Math.floor(event.eventTime / 1_000);
  if (second > 0) return `${second}${String(offset).padStart(9, '0')}`;
  return (BigInt(second) * 1_000_000_000n + BigInt(offset)).toString();
}

/** The tags in line protocol's canonical (sorted) order; null and empty values are left out. */
const tagsOf = (event: LearningEvent): [string, string | null][] => [
  ['cellType', event.cellType],
  ['classId', event.classId],
  ['event', event.eventType],
  ['notebook', event.notebookPath],
  ['sessionId', event.sessionId],
  ['userId', event.userId],
];

/**
 * Events InfluxDB can never hold. A tag value ending in a backslash, or with a backslash before
 * a comma, space or equals sign, cannot be written in line protocol as InfluxDB 1.x and 2.x read
 * it (the value would silently change, or the line would swallow the next tag).
 */
export function influxVerdict(event: LearningEvent): Verdict {
  if (
    !Number.isSafeInteger(event.eventTime) ||
    event.eventTime < MIN_TIME_MS ||
    event.eventTime > MAX_TIME_MS
  ) {
    return { kind: 'reject', reason: `eventTime ${event.eventTime} is outside the times InfluxDB can store` };
  }
  for (const [tag, value] of tagsOf(event)) {
    if (value !== null && /\\$|\\[ ,=]/.test(value)) {
      return {
        kind: 'reject',
        reason: `tag ${tag} has a backslash line protocol cannot carry: ${JSON.stringify(value)}`,
      };
    }
  }
  return store;
}

/** The event's lines of line protocol: its `student_progress` point, then its `class_activity` point if it has one. */
export function toLines(event: LearningEvent): string[] {
  const activity = activityLine(event);
  return activity === undefined ? [toLine(event)] : [toLine(event), activity];
}

/** The event's `class_activity` line: a finished execution of a class has one, other events none. */
export function activityLine(event: LearningEvent): string | undefined {
  if (!event.classId || !countedActivity.has(event.eventType)) return undefined;
  return `${ACTIVITY_MEASUREMENT},classId=${lineProtocol.tag(event.classId)},event=${event.eventType} n=1i ${activityPointTime(event)}`;
}

/** The executions the activity chart counts: finished, with or without an error. */
const countedActivity = new Set(['cell_execution_complete', 'cell_execution_error']);

/**
 * The event's `student_progress` line (nanosecond precision), built directly with the client's
 * escaping rules (`escape` of @influxdata/influxdb-client): the same line its Point class
 * writes (tags and fields sorted), at a fraction of the cost, since every event needs one.
 */
export function toLine(event: LearningEvent): string {
  let line = MEASUREMENT;
  for (const [tag, value] of tagsOf(event)) if (value) line += `,${tag}=${lineProtocol.tag(value)}`;
  const fields: string[] = [];
  if (event.cellId !== null) fields.push(`cellId=${lineProtocol.quoted(event.cellId)}`);
  if (event.executionDurationMs !== null && Number.isFinite(event.executionDurationMs)) {
    fields.push(`duration=${String(event.executionDurationMs)}`);
  }
  fields.push(`eventId=${lineProtocol.quoted(event.eventId)}`);
  if (event.executionCount !== null) fields.push(`executionCount=${Math.floor(event.executionCount)}i`);
  if (event.notebookPath !== null) fields.push(`notebookPath=${lineProtocol.quoted(event.notebookPath)}`);
  if (executionTypes.has(event.eventType)) fields.push(`success=${hasErrorOf(event) ? 'F' : 'T'}`);
  return `${line} ${fields.join(',')} ${pointTime(event)}`;
}
