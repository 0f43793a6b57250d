import {
  type LearningEvent,
  MAX_CODE_CHARS,
  MAX_TEXT_CHARS,
  newEvent,
  truncate,
} from '../delivery/events.js';

/** Who and where, shared by every event of a page. */
export interface EventContext {
  userId: string;
  classId?: string;
  sessionId: string;
}

/** What the extension saw of one finished execution (plain data, no JupyterLab types). */
export interface ExecutionFacts {
  notebookPath: string;
  cellId: string;
  cellIndex: number;
  code: string;
  executionCount?: number | null;
  /** From `executionScheduled` to the kernel's reply. */
  durationMs?: number;
  success: boolean;
  error?: { errorName: string; errorValue: string; traceback: string[] } | null;
  /** The cell's text outputs, joined (sent only when the student allowed it). */
  outputText?: string;
}

const TRACEBACK_LINES = 12;
const TRACEBACK_CHARS = 2_000;

/** ANSI colour codes, which IPython puts in every traceback line. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching the escape character is the point
const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g;

/** The last lines of a traceback, without colours, bounded: enough to see where it failed. */
export function tracebackSummary(traceback: string[]): string {
  const lines = traceback
    .flatMap((entry) => entry.replace(ANSI, '').split('\n'))
    .map((line) => line.trimEnd())
    .filter((line) => line.trim() !== '');
  const tail = lines.slice(-TRACEBACK_LINES).join('\n');
  return tail.length > TRACEBACK_CHARS ? tail.slice(tail.length - TRACEBACK_CHARS) : tail;
}

export function executionStartEvent(
  context: EventContext,
  cell: { notebookPath: string; cellId: string; cellIndex: number },
): LearningEvent {
  return newEvent({ ...base(context), eventType: 'cell_execution_start', cellType: 'code', ...cell });
}

/** `cell_execution_complete` or `cell_execution_error`, with CONTRACT.md's fields. */
export function executionEvent(
  context: EventContext,
  facts: ExecutionFacts,
  privacy: { sendCode: boolean; sendOutputs: boolean },
): LearningEvent {
  const failed = !facts.success || Boolean(facts.error);
  const event = newEvent({
    ...base(context),
    eventType: failed ? 'cell_execution_error' : 'cell_execution_complete',
    notebookPath: facts.notebookPath,
    cellId: facts.cellId,
    cellIndex: facts.cellIndex,
    cellType: 'code',
    hasError: failed,
  });
  if (typeof facts.executionCount === 'number') event.executionCount = facts.executionCount;
  if (facts.durationMs !== undefined) event.executionDurationMs = Math.max(0, Math.round(facts.durationMs));
  if (privacy.sendCode) event.code = truncate(facts.code, MAX_CODE_CHARS);
  if (privacy.sendOutputs && facts.outputText) event.result = truncate(facts.outputText, MAX_TEXT_CHARS);
  if (facts.error) {
    event.errorName = truncate(facts.error.errorName, MAX_TEXT_CHARS);
    event.errorMessage = truncate(facts.error.errorValue, MAX_TEXT_CHARS);
    const summary = tracebackSummary(facts.error.traceback);
    if (summary) event.metadata = { traceback: summary };
  }
  return event;
}

export function simpleEvent(
  context: EventContext,
  eventType: LearningEvent['eventType'],
  fields: Partial<LearningEvent> = {},
): LearningEvent {
  return newEvent({ ...base(context), eventType, ...fields });
}

function base(context: EventContext) {
  return {
    userId: context.userId,
    sessionId: context.sessionId,
    ...(context.classId ? { classId: context.classId } : {}),
  };
}
