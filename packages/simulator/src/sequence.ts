import { type Phase, type SimEvent, TRANSITIONS } from './events.js';

export interface SequenceProblem {
  index: number;
  message: string;
}

/**
 * Checks one student's events as a consumer would expect them: every transition allowed by the
 * table of events.ts (from offline), one session id per session, help requests and cancels
 * paired, each cell result answering the cell started, cells run in order (the same one again
 * after an error, the next after a success, from the top after a kernel restart), and execution
 * counts going up by one per code cell within a kernel's life. Empty when the sequence is valid.
 */
export function checkSequence(events: readonly SimEvent[]): SequenceProblem[] {
  const problems: SequenceProblem[] = [];
  let phase: Phase = 'offline';
  let sessionId: string | undefined;
  let helpPending = false;
  let executionCount = 0;
  let running: SimEvent | undefined;
  /** The cell index the next execution must start at; undefined: free (start of the notebook). */
  let expectedCell: number | undefined;
  events.forEach((event, index) => {
    const problem = (message: string) => problems.push({ index, message: `${event.eventType}: ${message}` });
    const next = TRANSITIONS[phase][event.eventType];
    if (next === undefined) {
      problem(`not allowed while ${phase}`);
      return;
    }
    if (event.eventType === 'session_start') {
      sessionId = event.sessionId;
      executionCount = 0;
      expectedCell = 0;
    } else if (event.sessionId !== sessionId) {
      problem(`session ${event.sessionId} is not the open session ${sessionId}`);
    }
    switch (event.eventType) {
      case 'help_request':
        if (helpPending) problem('a help request is already pending');
        helpPending = true;
        break;
      case 'help_cancel':
        if (!helpPending) problem('no help request to cancel');
        helpPending = false;
        break;
      case 'session_end':
      case 'notebook_close':
        if (helpPending) problem('a help request is still pending');
        break;
      case 'kernel_restart':
        executionCount = 0;
        expectedCell = 0;
        break;
      case 'cell_execution_start':
        if (expectedCell !== undefined && event.cellIndex !== expectedCell) {
          problem(`cell ${event.cellIndex} run where cell ${expectedCell} was expected`);
        }
        running = event;
        break;
      case 'kernel_interrupt':
        if (event.cellId !== running?.cellId) problem(`interrupts ${event.cellId}, not the running cell`);
        break;
      case 'cell_execution_complete':
      case 'cell_execution_error': {
        if (event.cellId !== running?.cellId || event.cellIndex !== running?.cellIndex) {
          problem(`answers ${event.cellId}, not the running cell ${running?.cellId}`);
        }
        if (event.hasError !== (event.eventType === 'cell_execution_error')) problem('hasError disagrees');
        if (event.eventType === 'cell_execution_error' && !event.errorName) problem('no errorName');
        if (event.cellType === 'code') {
          if (event.executionCount !== executionCount + 1) {
            problem(`executionCount ${event.executionCount} after ${executionCount}`);
          }
          executionCount = event.executionCount ?? executionCount;
        }
        const cellIndex = event.cellIndex ?? 0;
        expectedCell = event.eventType === 'cell_execution_complete' ? cellIndex + 1 : cellIndex;
        running = undefined;
        break;
      }
    }
    phase = next;
  });
  return problems;
}
