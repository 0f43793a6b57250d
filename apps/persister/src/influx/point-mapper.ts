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

/** InfluxDB stores times as signed 64-bit nanoseconds: about 1677-09-21 to 2262-04-11. */
const MIN_TIME_MS = -9_223_372_036_854;
const MAX_TIME_MS = 9_223_372_036_853;

/** FNV-1a (32-bit) of the eventId, reduced to a nanosecond offset within the millisecond. */
export function nanosecondOffset(eventId: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < eventId.length; i++) {
    hash ^= eventId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % 1_000_000;
}

/** The point's timestamp in nanoseconds since the epoch, as line protocol writes it. */
export function pointTime(event: Pick<LearningEvent, 'eventId' | 'eventTime'>): string {
  const offset = nanosecondOffset(event.eventId);
  // Positive times (all real ones) by concatenation; BigInt arithmetic for the rest.
  if (event.eventTime > 0) return `${event.eventTime}${String(offset).padStart(6, '0')}`;
  return (BigInt(event.eventTime) * 1_000_000n + BigInt(offset)).toString();
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

/**
 * The event's line of line protocol (nanosecond precision), built directly with the client's
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
