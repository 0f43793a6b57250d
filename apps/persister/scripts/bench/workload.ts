import type { EventType, LearningEvent } from '@cellstream/schemas';

/**
 * The benchmark's events, generated deterministically from their index so that the Kafka
 * producer and the baselines see the same events without holding a million in memory.
 *
 * 200 classes of 40 students (8,000 sessions), the shape of a busy school: each student opens a
 * session and a notebook, then runs cells (a start and a complete or, one in four, an error),
 * saving every 20 steps. Event i belongs to student i mod 8000; event times grow by 1 ms.
 */
export const CLASSES = 200;
export const STUDENTS_PER_CLASS = 40;
const STUDENTS = CLASSES * STUDENTS_PER_CLASS;
const BASE_TIME = Date.UTC(2025, 0, 6, 8, 0, 0);

function typeOfStep(step: number): EventType {
  if (step === 0) return 'session_start';
  if (step === 1) return 'notebook_open';
  if (step % 20 === 19) return 'notebook_save';
  if (step % 2 === 0) return 'cell_execution_start';
  return step % 8 === 7 ? 'cell_execution_error' : 'cell_execution_complete';
}

export function benchEvent(index: number): LearningEvent {
  const student = index % STUDENTS;
  const step = Math.floor(index / STUDENTS);
  const classId = String(1 + (student % CLASSES));
  const eventType = typeOfStep(step);
  const isCell = eventType.startsWith('cell_execution');
  const isError = eventType === 'cell_execution_error';
  const cell = (step >> 1) % 12;
  const time = BASE_TIME + index;
  return {
    eventId: `bench-${index}`,
    eventType,
    eventTime: time,
    userId: `student-${student}`,
    classId,
    sessionId: `session-${student}`,
    notebookPath: eventType === 'session_start' ? null : `course/week-${1 + (student % 6)}/lab.ipynb`,
    cellId: isCell ? `cell-${cell}` : null,
    cellIndex: isCell ? cell : null,
    executionCount: isCell ? step : null,
    cellType: isCell ? 'code' : null,
    code: isCell ? `import numpy as np\nvalues = np.arange(${step})\nprint(values.mean() / ${cell})` : null,
    hasError: isCell ? isError : null,
    errorName: isError ? 'ZeroDivisionError' : null,
    errorMessage: isError ? 'division by zero' : null,
    result: eventType === 'cell_execution_complete' ? `${step / 2}` : null,
    executionDurationMs: isCell && eventType !== 'cell_execution_start' ? 5 + (index % 200) : null,
    metadata: {},
    receivedAt: time + 40,
  };
}

/** Events [from, to) of the workload. */
export function benchEvents(from: number, to: number): LearningEvent[] {
  const events: LearningEvent[] = [];
  for (let i = from; i < to; i++) events.push(benchEvent(i));
  return events;
}
