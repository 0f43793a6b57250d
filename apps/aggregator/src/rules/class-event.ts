import type { EventType, LearningEvent } from '@cellstream/schemas';
import type { RuleSettings } from './settings.js';

/** The LearningEvent fields the rules read (the decoder skips the others). */
export const aggregatedFields = [
  'eventId',
  'eventType',
  'eventTime',
  'userId',
  'classId',
  'notebookPath',
  'cellId',
  'cellIndex',
  'errorName',
  'executionDurationMs',
  'receivedAt',
] as const;

export type AggregatedEvent = Pick<LearningEvent, (typeof aggregatedFields)[number]>;

/** The event types the aggregator understands (`unknown`, a symbol from a newer schema, is skipped). */
export type KnownEventType = Exclude<EventType, 'unknown'>;

/** A LearningEvent reduced to what the class and student rules use. */
export interface ClassEvent {
  eventId: string;
  type: KnownEventType;
  /** Event time, capped at receivedAt + maxClockSkewMs (see `effectiveTime`). */
  time: number;
  userId: string;
  notebookPath: string | null;
  cellId: string | null;
  cellIndex: number | null;
  errorName: string | null;
  durationMs: number | null;
}

/** Why an event is not aggregated, or null when it is. */
export type SkipReason = 'no_class' | 'unknown_type';

export function skipReason(event: Pick<LearningEvent, 'classId' | 'eventType'>): SkipReason | null {
  if (event.classId === null) return 'no_class';
  if (event.eventType === 'unknown') return 'unknown_type';
  return null;
}

/**
 * The event time the rules use: the browser's eventTime, but never more than maxClockSkewMs ahead
 * of the moment ingest received the event, so one browser clock running ahead cannot move its
 * whole class into the future (every other student would turn idle and the windows would empty).
 */
export function effectiveTime(event: Pick<LearningEvent, 'eventTime' | 'receivedAt'>, rules: RuleSettings) {
  return Math.min(event.eventTime, event.receivedAt + rules.maxClockSkewMs);
}

export function toClassEvent(event: AggregatedEvent, rules: RuleSettings): ClassEvent {
  return {
    eventId: event.eventId,
    type: event.eventType as KnownEventType,
    time: effectiveTime(event, rules),
    userId: event.userId,
    notebookPath: event.notebookPath,
    cellId: event.cellId,
    cellIndex: event.cellIndex,
    errorName: event.errorName,
    durationMs: event.executionDurationMs,
  };
}

export const isExecutionResult = (type: KnownEventType): boolean =>
  type === 'cell_execution_complete' || type === 'cell_execution_error';

/** The key of a cell in per-cell maps; null for events that name no cell (they are not listed per cell). */
export function cellKey(notebookPath: string | null, cellId: string | null): string | null {
  return cellId === null ? null : `${notebookPath ?? ''}\u0000${cellId}`;
}

export function splitCellKey(key: string): { notebookPath: string; cellId: string } {
  const at = key.indexOf('\u0000');
  return { notebookPath: key.slice(0, at), cellId: key.slice(at + 1) };
}
