import type { EventType } from '@cellstream/schemas';

/** The event types stored as rows of cell_executions (lms-api counts complete and error ones). */
export const executionTypes: ReadonlySet<EventType> = new Set([
  'cell_execution_start',
  'cell_execution_complete',
  'cell_execution_error',
]);

/** notebook_accesses.action of each notebook event type. */
export const accessActions: Readonly<Partial<Record<EventType, 'open' | 'save' | 'close'>>> = {
  notebook_open: 'open',
  notebook_save: 'save',
  notebook_close: 'close',
};

/** Whether a cell execution failed: the event says so, or it is a cell_execution_error. */
export function hasErrorOf(event: { eventType: EventType; hasError: boolean | null }): boolean {
  return event.hasError ?? event.eventType === 'cell_execution_error';
}
