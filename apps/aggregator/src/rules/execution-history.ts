/**
 * A cell as the history compares it: the class's index of the cell when the class tracks it (a
 * small number, cheap to persist), else its key; null for an event that names no cell.
 */
export type CellRef = number | string | null;

/**
 * One execution result of a student: [event time, 1 when it failed else 0, the cell of a
 * failure (null for a success)]. Kept small: the changelog stores the entries within the
 * allowed lateness of every student it writes.
 */
export type ExecutionEntry = [time: number, failed: 0 | 1, cell: CellRef];

export function executionEntry(time: number, failed: boolean, cell: CellRef): ExecutionEntry {
  return failed ? [time, 1, cell] : [time, 0, null];
}

/** What the status rules need to know of a student's executions, in event-time order. */
export interface ExecutionFacts {
  /** cell_execution_error events since the latest cell_execution_complete. */
  consecutiveErrors: number;
  /** Whether the latest execution failed. */
  lastFailed: boolean;
  /** Event time of the latest execution; null before the first. */
  lastTime: number | null;
  /** The cell of the current run of failures on one cell; null when the latest execution succeeded. */
  runCell: CellRef;
  /** Event time of the first failure of that run. */
  runStart: number | null;
  /** Event time of the latest failure of that run. */
  runEnd: number | null;
}

export const noExecutions: ExecutionFacts = {
  consecutiveErrors: 0,
  lastFailed: false,
  lastTime: null,
  runCell: null,
  runStart: null,
  runEnd: null,
};

/** The facts after one more execution, later in event time than every execution already folded in. */
export function foldExecution(facts: ExecutionFacts, [time, failed, cell]: ExecutionEntry): ExecutionFacts {
  if (failed === 0) return { ...noExecutions, lastTime: time };
  const sameRun = facts.lastFailed && cell !== null && cell === facts.runCell;
  return {
    consecutiveErrors: facts.consecutiveErrors + 1,
    lastFailed: true,
    lastTime: time,
    runCell: cell,
    runStart: sameRun ? facts.runStart : time,
    runEnd: time,
  };
}

/**
 * A student's executions in event-time order, tolerant of out-of-order arrival within the allowed
 * lateness: entries newer than the watermark stay in `recent`, sorted, and the facts are folded
 * again from `settled` whenever one arrives out of order. Entries older than the watermark are
 * folded into `settled` for good; the caller keeps later ones from entering (they are too late).
 */
export class ExecutionHistory {
  constructor(
    public settled: ExecutionFacts = noExecutions,
    public recent: ExecutionEntry[] = [],
  ) {
    this.current = this.recent.reduce(foldExecution, this.settled);
  }

  /** The facts over every execution so far. */
  current: ExecutionFacts;

  /** Adds an execution; returns true when it was in order (not older than the latest one). */
  add(entry: ExecutionEntry): boolean {
    const last = this.recent.at(-1)?.[0] ?? this.settled.lastTime;
    if (last === null || entry[0] >= last) {
      this.recent.push(entry);
      this.current = foldExecution(this.current, entry);
      return true;
    }
    // Out of order: insert after every entry with the same or an earlier time, then fold again.
    let index = this.recent.length;
    while (index > 0 && (this.recent[index - 1] as ExecutionEntry)[0] > entry[0]) index--;
    this.recent.splice(index, 0, entry);
    this.current = this.recent.reduce(foldExecution, this.settled);
    return false;
  }

  /** Folds the entries older than `watermark` into `settled`; they can no longer be reordered. */
  settle(watermark: number): void {
    let count = 0;
    let settled = this.settled;
    while (count < this.recent.length && (this.recent[count] as ExecutionEntry)[0] < watermark) {
      settled = foldExecution(settled, this.recent[count] as ExecutionEntry);
      count++;
    }
    if (count === 0) return;
    this.settled = settled;
    this.recent.splice(0, count);
  }
}
