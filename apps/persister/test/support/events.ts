import { randomUUID } from 'node:crypto';
import type { EventType, LearningEvent } from '@cellstream/schemas';

/** A LearningEvent with every field set, unless overridden. */
export function makeEvent(overrides: Partial<LearningEvent> = {}): LearningEvent {
  return {
    eventId: randomUUID(),
    eventType: 'cell_execution_complete',
    eventTime: Date.UTC(2025, 0, 6, 9, 0, 0),
    userId: 'student-1',
    classId: '1',
    sessionId: 'session-1',
    notebookPath: 'week1/intro.ipynb',
    cellId: 'cell-a',
    cellIndex: 0,
    executionCount: 1,
    cellType: 'code',
    code: 'print(1)',
    hasError: false,
    errorName: null,
    errorMessage: null,
    result: '1',
    executionDurationMs: 12.5,
    metadata: { kernel: 'python3' },
    receivedAt: Date.UTC(2025, 0, 6, 9, 0, 1),
    ...overrides,
  };
}

export interface ClassroomOptions {
  /** Distinguishes the ids of one test's classroom from another's. */
  tag: string;
  classIds: string[];
  studentsPerClass: number;
  /** Executions per student (each a start then a complete or error). */
  executionsPerStudent: number;
  startTime?: number;
}

/**
 * A class session the way the extension reports it, every student: session_start,
 * notebook_open, executions (start + complete, every third an error), notebook_save,
 * notebook_close, a help_request, session_end. Events are ordered by time per student.
 */
export function classroom(options: ClassroomOptions): LearningEvent[] {
  const events: LearningEvent[] = [];
  const start = options.startTime ?? Date.UTC(2025, 0, 6, 9, 0, 0);
  let serial = 0;
  for (const classId of options.classIds) {
    for (let s = 0; s < options.studentsPerClass; s++) {
      const userId = `${options.tag}-student-${classId}-${s}`;
      const sessionId = `${options.tag}-session-${classId}-${s}`;
      const notebookPath = `${options.tag}/week1/lab-${classId}.ipynb`;
      let time = start + s * 7;
      const next = (eventType: EventType, extra: Partial<LearningEvent> = {}) => {
        time += 1_000;
        serial++;
        events.push(
          makeEvent({
            eventId: `${options.tag}-e${serial}`,
            eventType,
            eventTime: time,
            receivedAt: time + 250,
            userId,
            classId,
            sessionId,
            notebookPath,
            cellId: null,
            cellIndex: null,
            executionCount: null,
            cellType: null,
            code: null,
            hasError: null,
            result: null,
            executionDurationMs: null,
            metadata: {},
            ...extra,
          }),
        );
      };
      next('session_start', { notebookPath: null });
      next('notebook_open');
      for (let x = 0; x < options.executionsPerStudent; x++) {
        const cell = {
          cellId: `cell-${x % 4}`,
          cellIndex: x % 4,
          cellType: 'code' as const,
          code: `x = ${x}\nprint(x / ${x % 3})`,
          executionCount: x + 1,
        };
        next('cell_execution_start', cell);
        if (x % 3 === 0) {
          next('cell_execution_error', {
            ...cell,
            hasError: true,
            errorName: 'ZeroDivisionError',
            errorMessage: 'division by zero',
            executionDurationMs: 3 + x,
          });
        } else {
          next('cell_execution_complete', {
            ...cell,
            hasError: false,
            result: `${x / (x % 3)}`,
            executionDurationMs: 10 + x,
          });
        }
      }
      next('notebook_save');
      next('help_request', { cellId: 'cell-0', metadata: { topic: 'loops' } });
      next('notebook_close');
      next('session_end', { notebookPath: null });
    }
  }
  return events;
}

/** What a classroom's events must leave in PostgreSQL, computed independently of the persister. */
export function expectedCounts(events: readonly LearningEvent[]) {
  const unique = [...new Map(events.map((event) => [event.eventId, event])).values()];
  const count = (types: string[]) => unique.filter((event) => types.includes(event.eventType)).length;
  const sessions = new Map<string, { executions: number; errors: number; executionMs: number }>();
  for (const event of unique) {
    if (event.sessionId === null) continue;
    const session = sessions.get(event.sessionId) ?? { executions: 0, errors: 0, executionMs: 0 };
    if (event.eventType === 'cell_execution_complete') session.executions++;
    if (event.eventType === 'cell_execution_error') session.errors++;
    if (
      (event.eventType === 'cell_execution_complete' || event.eventType === 'cell_execution_error') &&
      event.executionDurationMs !== null
    ) {
      session.executionMs += event.executionDurationMs;
    }
    sessions.set(event.sessionId, session);
  }
  return {
    events: unique.length,
    executions: count(['cell_execution_start', 'cell_execution_complete', 'cell_execution_error']),
    accesses: count(['notebook_open', 'notebook_save', 'notebook_close']),
    students: new Set(unique.map((event) => event.userId)).size,
    sessions,
  };
}
