import { SimulatorError } from './errors.js';

/** The event types of CONTRACT.md ("Event ingestion") the simulator sends. */
export const EVENT_TYPES = [
  'session_start',
  'session_end',
  'notebook_open',
  'notebook_save',
  'notebook_close',
  'cell_execution_start',
  'cell_execution_complete',
  'cell_execution_error',
  'kernel_restart',
  'kernel_interrupt',
  'help_request',
  'help_cancel',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];
export type CellType = 'code' | 'markdown' | 'raw';

/** One event as the extension posts it to `POST /api/v1/events` (field names of CONTRACT.md). */
export interface SimEvent {
  eventId: string;
  eventType: EventType;
  /** RFC 3339, when it happened. */
  eventTime: string;
  userId: string;
  classId: string;
  sessionId: string;
  notebookPath?: string;
  cellId?: string;
  cellIndex?: number;
  cellType?: CellType;
  executionCount?: number;
  code?: string;
  hasError?: boolean;
  errorName?: string;
  errorMessage?: string;
  result?: string;
  executionDurationMs?: number;
  metadata?: Record<string, string>;
}

/**
 * Where a student is. A student is `offline` between sessions; in a `session` with no notebook
 * open; in the `notebook`, thinking, typing or reading; or `executing` a cell.
 */
export type Phase = 'offline' | 'session' | 'notebook' | 'executing';

/**
 * The only transitions a student makes: each event type allowed in a phase, and the phase it
 * leads to. The model goes through `nextPhase` for every event it emits, and the sequence checker
 * replays the same table, so an impossible sequence is a bug caught at once.
 */
export const TRANSITIONS: Readonly<Record<Phase, Readonly<Partial<Record<EventType, Phase>>>>> = {
  offline: { session_start: 'session' },
  session: { notebook_open: 'notebook', session_end: 'offline' },
  notebook: {
    cell_execution_start: 'executing',
    notebook_save: 'notebook',
    kernel_restart: 'notebook',
    help_request: 'notebook',
    help_cancel: 'notebook',
    notebook_close: 'session',
  },
  executing: {
    kernel_interrupt: 'executing',
    cell_execution_complete: 'notebook',
    cell_execution_error: 'notebook',
  },
};

export function nextPhase(phase: Phase, eventType: EventType): Phase {
  const next = TRANSITIONS[phase][eventType];
  if (next === undefined) {
    throw new SimulatorError('SIM_INVALID_TRANSITION', `${eventType} is not allowed while ${phase}`, {
      context: { phase, eventType },
    });
  }
  return next;
}
