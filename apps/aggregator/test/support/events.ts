import { randomUUID } from 'node:crypto';
import type { LearningEvent } from '@cellstream/schemas';
import type { ClassEvent, KnownEventType } from '../../src/rules/class-event.js';

/** 2024-03-04T09:00:00Z: the start of the scripted class. */
export const T0 = Date.UTC(2024, 2, 4, 9, 0, 0);
export const SECOND = 1_000;
export const MINUTE = 60_000;

/** A LearningEvent with sensible defaults; `at` is milliseconds after T0. */
export function learningEvent(
  type: KnownEventType,
  at: number,
  fields: Partial<LearningEvent> = {},
): LearningEvent {
  const execution = type === 'cell_execution_complete' || type === 'cell_execution_error';
  return {
    eventId: randomUUID(),
    eventType: type,
    eventTime: T0 + at,
    userId: 'alice',
    classId: 'class-1',
    sessionId: 's-1',
    notebookPath: 'week1/intro.ipynb',
    cellId: execution || type === 'cell_execution_start' ? 'cell-a' : null,
    cellIndex: execution || type === 'cell_execution_start' ? 0 : null,
    executionCount: null,
    cellType: execution ? 'code' : null,
    code: null,
    hasError: type === 'cell_execution_error' ? true : execution ? false : null,
    errorName: type === 'cell_execution_error' ? 'NameError' : null,
    errorMessage: type === 'cell_execution_error' ? "name 'x' is not defined" : null,
    result: null,
    executionDurationMs: execution ? 100 : null,
    metadata: {},
    receivedAt: T0 + at + 500,
    ...fields,
  };
}

/** The same as a ClassEvent (what ClassState.apply takes), with no clock-skew cap. */
export function classEvent(
  type: KnownEventType,
  at: number,
  fields: Partial<LearningEvent> = {},
): ClassEvent {
  const event = learningEvent(type, at, fields);
  return {
    eventId: event.eventId,
    type,
    time: event.eventTime,
    userId: event.userId,
    notebookPath: event.notebookPath,
    cellId: event.cellId,
    cellIndex: event.cellIndex,
    errorName: event.errorName,
    durationMs: event.executionDurationMs,
  };
}
