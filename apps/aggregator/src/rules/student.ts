import type { ClassEvent, KnownEventType } from './class-event.js';
import { ExecutionHistory } from './execution-history.js';
import type { Status } from './student-status.js';

const NEVER = Number.NEGATIVE_INFINITY;

/**
 * One student of one class: the fields of StudentStatus plus what the rules need to keep them
 * exact under reordering (execution history) and what per-cell and per-error counts need to
 * count students once (the cells completed, the latest result per cell, the error names raised).
 * "Latest" always means latest by event time; each such field remembers the time it was set at.
 */
export class Student {
  status: Status = 'active';
  statusSince = 0;
  lastEventType: KnownEventType;
  lastEventTime: number;
  executions = 0;
  errors = 0;
  helpRequested = false;
  helpTime = NEVER;
  notebookPath: string | null = null;
  notebookTime = NEVER;
  cellId: string | null = null;
  cellIndex: number | null = null;
  cellTime = NEVER;
  lastErrorName: string | null = null;
  lastErrorTime = NEVER;
  history = new ExecutionHistory();
  /** Indexes (ClassState cells) of the cells this student executed without error at least once. */
  completedCells = new Set<number>();
  /** Per cell index: [event time, failed] of the student's latest execution of it. */
  cellLatest = new Map<number, [number, boolean]>();
  /** Error names this student raised. */
  errorNames = new Set<string>();

  constructor(
    readonly userId: string,
    first: { type: KnownEventType; time: number },
  ) {
    this.lastEventType = first.type;
    this.lastEventTime = first.time;
    this.statusSince = first.time;
  }

  /** Records the event as the latest when it is; returns whether it was (in event-time order). */
  seen(event: ClassEvent): boolean {
    if (event.time < this.lastEventTime) return false;
    this.lastEventType = event.type;
    this.lastEventTime = event.time;
    return true;
  }

  /** notebookPath and cellId follow the latest event that named one (each on its own). */
  locate(event: ClassEvent): void {
    if (event.notebookPath !== null && event.time >= this.notebookTime) {
      this.notebookPath = event.notebookPath;
      this.notebookTime = event.time;
    }
    if (event.cellId !== null && event.time >= this.cellTime) {
      this.cellId = event.cellId;
      this.cellIndex = event.cellIndex;
      this.cellTime = event.time;
    }
  }

  /** Applies help_request / help_cancel in event-time order; returns true when a request opened. */
  help(event: ClassEvent): boolean {
    if (event.type !== 'help_request' && event.type !== 'help_cancel') return false;
    if (event.time < this.helpTime) return false;
    const opened = event.type === 'help_request' && !this.helpRequested;
    this.helpRequested = event.type === 'help_request';
    this.helpTime = event.time;
    return opened;
  }

  /** lastErrorName follows the latest cell_execution_error. */
  failed(event: ClassEvent): void {
    if (event.time >= this.lastErrorTime) {
      this.lastErrorName = event.errorName;
      this.lastErrorTime = event.time;
    }
  }
}
