import type { LearningEvent } from '@cellstream/schemas';

export interface WorkloadOptions {
  classes: number;
  studentsPerClass: number;
  /** Events to generate (duplicates included). */
  events: number;
  /** Event time of the first event. */
  startTime: number;
  /** Event time between consecutive events, in milliseconds (fractions allowed). */
  spacingMs: number;
  /** Share of executions that fail. */
  errorRate?: number;
  /** Share of events sent a second time with the same eventId (as the extension does on retry). */
  duplicateRate?: number;
  seed?: number;
  /** Prefix of class ids, so that runs do not share classes. */
  classPrefix?: string;
}

export interface Workload {
  events: LearningEvent[];
  /** Per class: cell_execution_complete and cell_execution_error events, each eventId once. */
  expected: Map<string, { executions: number; errors: number }>;
}

/** mulberry32: a small seeded PRNG, so a workload is the same on every run. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const CELLS = 12;
const ERRORS = ['NameError', 'TypeError', 'ValueError', 'IndexError', 'KeyError'];

/**
 * A classroom's worth of events: students run cells (start, then complete or error), save, and
 * now and then ask for help; some events are delivered twice. Event times advance steadily.
 */
export function classroomWorkload(options: WorkloadOptions): Workload {
  const next = random(options.seed ?? 42);
  const errorRate = options.errorRate ?? 0.25;
  const duplicateRate = options.duplicateRate ?? 0;
  const prefix = options.classPrefix ?? 'class';
  const events: LearningEvent[] = [];
  const expected = new Map<string, { executions: number; errors: number }>();
  let sequence = 0;
  while (events.length < options.events) {
    const classIndex = Math.floor(next() * options.classes);
    const classId = `${prefix}-${classIndex}`;
    const userId = `${classId}-student-${Math.floor(next() * options.studentsPerClass)}`;
    const cell = Math.floor(next() * CELLS);
    const time = Math.round(options.startTime + events.length * options.spacingMs);
    const roll = next();
    const type: LearningEvent['eventType'] =
      roll < 0.4
        ? 'cell_execution_start'
        : roll < 0.9
          ? next() < errorRate
            ? 'cell_execution_error'
            : 'cell_execution_complete'
          : roll < 0.98
            ? 'notebook_save'
            : next() < 0.5
              ? 'help_request'
              : 'help_cancel';
    const execution = type === 'cell_execution_complete' || type === 'cell_execution_error';
    const failed = type === 'cell_execution_error';
    const event: LearningEvent = {
      eventId: `${classId}-${sequence++}-${Math.floor(next() * 1e9).toString(36)}`,
      eventType: type,
      eventTime: time,
      userId,
      classId,
      sessionId: `${userId}-session`,
      notebookPath: `week${1 + (cell % 3)}/lab.ipynb`,
      cellId: execution || type === 'cell_execution_start' ? `cell-${cell}` : null,
      cellIndex: execution || type === 'cell_execution_start' ? cell : null,
      executionCount: execution ? sequence : null,
      cellType: execution ? 'code' : null,
      code: execution ? `x = ${cell}\nprint(x * 2)` : null,
      hasError: execution ? failed : null,
      errorName: failed ? (ERRORS[Math.floor(next() * ERRORS.length)] as string) : null,
      errorMessage: failed ? 'something went wrong' : null,
      result: type === 'cell_execution_complete' ? String(cell * 2) : null,
      executionDurationMs: execution ? Math.round(20 + next() * 2_000) : null,
      metadata: { kernel: 'python3' },
      receivedAt: time + 200,
    };
    events.push(event);
    if (execution) {
      const counts = expected.get(classId) ?? { executions: 0, errors: 0 };
      if (failed) counts.errors++;
      else counts.executions++;
      expected.set(classId, counts);
    }
    if (next() < duplicateRate && events.length < options.events) events.push({ ...event });
  }
  return { events, expected };
}

export function expectedTotals(expected: Workload['expected']): { executions: number; errors: number } {
  let executions = 0;
  let errors = 0;
  for (const counts of expected.values()) {
    executions += counts.executions;
    errors += counts.errors;
  }
  return { executions, errors };
}
