import { createHash } from 'node:crypto';
import type { Alert } from '@cellstream/schemas';
import { type ClassEvent, splitCellKey } from './class-event.js';
import type { Student } from './student.js';

/** What a burst is about: one cell, or one exception class (errorName). */
export type BurstTargetKind = 'cell' | 'error';

export interface ErrorBurstSettings {
  /** This many distinct students failing on one target within the window make a burst; 0 turns the rule off. */
  minStudents: number;
  /** The window's length in event time. */
  windowMs: number;
  /** On-time events are never older than the class clock minus this. */
  allowedLatenessMs: number;
}

/** A cell as the rule sees it: its key (notebookPath and cellId) and its index in the class. */
export interface BurstCell {
  key: string;
  index: number;
}

/**
 * Alert.alertId of a burst: from the class, the target and the window that first met the
 * condition (it ends at `raisedAt`), so processing the same events again yields the same id.
 */
export function errorBurstAlertId(
  classId: string,
  kind: BurstTargetKind,
  target: string,
  windowEnd: number,
): string {
  return createHash('sha256')
    .update([classId, '', 'error_burst', kind, target, String(windowEnd)].join('\u0000'))
    .digest('hex')
    .slice(0, 32);
}

/**
 * The error-burst rule of one class (README.md, "Alerts"). On each on-time failure, for its cell
 * and for its errorName: the students whose latest execution of that cell failed (resp. whose
 * latest error has that errorName) are counted within the `windowMs` of event time that ends at
 * the latest of those failures; `minStudents` or more make a burst. A burst is raised once:
 * failures that keep the condition true, or make it true again within one window of the last
 * time it held, belong to it. A failure on a cell whose burst holds belongs to that cell's alert
 * (the more precise): an errorName burst it starts or continues is recorded as held, without an
 * alert of its own.
 *
 * The counts come from the students' own state (latest result per cell, latest error), which
 * the changelog already keeps; the rule itself keeps only when each target's condition last
 * held, forgotten once no on-time failure can continue that burst.
 */
export class ErrorBursts {
  /** Per target (`c<cell index>` or `e<errorName>`): the event time the condition last held. */
  readonly heldAt = new Map<string, number>();

  constructor(
    private readonly classId: string,
    private readonly settings: ErrorBurstSettings,
    /** Bound of the targets remembered at once. */
    private readonly maxTargets: number,
  ) {}

  /** Checks the targets of one on-time failure (already applied to `students`); returns the alert of a burst it started. */
  failed(event: ClassEvent, cell: BurstCell | null, students: ReadonlyMap<string, Student>): Alert | null {
    if (this.settings.minStudents <= 0) return null;
    const cellWindow =
      cell === null ? null : this.check(`c${cell.index}`, cellFailureTimes(students, cell.index));
    const { errorName } = event;
    const errorWindow =
      errorName === null ? null : this.check(`e${errorName}`, errorFailureTimes(students, errorName));
    if (cell && cellWindow?.started) {
      return this.cellAlert(cell, cellWindow, cellFailures(students, cell.index), event);
    }
    // A failure on a cell whose burst holds is that cell's: no errorName alert of its own.
    if (errorName !== null && errorWindow?.started && !cellWindow)
      return this.errorAlert(errorName, errorWindow);
    return null;
  }

  /** Forgets targets whose burst no on-time failure can continue (called when the class clock moved). */
  expire(clock: number): void {
    const horizon = clock - this.settings.allowedLatenessMs - this.settings.windowMs;
    for (const [target, heldAt] of this.heldAt) if (heldAt < horizon) this.heldAt.delete(target);
  }

  /** For the changelog (inside the class core): [target, clock - heldAt] pairs (small numbers). */
  toTuples(clock: number): [string, number][] {
    const tuples: [string, number][] = [];
    for (const [target, heldAt] of this.heldAt) tuples.push([target, clock - heldAt]);
    return tuples;
  }

  load(tuples: readonly [string, number][], clock: number): void {
    this.heldAt.clear();
    for (const [target, age] of tuples) this.heldAt.set(target, clock - age);
  }

  /** Given each student's latest failure time on `target`, returns the window when the condition holds, else null. */
  private check(target: string, times: number[]): Window | null {
    if (times.length < this.settings.minStudents) return null;
    let end = Number.NEGATIVE_INFINITY;
    for (const time of times) if (time > end) end = time;
    const from = end - this.settings.windowMs;
    let students = 0;
    for (const time of times) if (time >= from) students++;
    if (students < this.settings.minStudents) return null;
    const previous = this.heldAt.get(target);
    const continues = previous !== undefined && end - previous <= this.settings.windowMs;
    if (!continues && previous === undefined && this.heldAt.size >= this.maxTargets) return null;
    this.heldAt.set(target, continues ? Math.max(previous as number, end) : end);
    return { from, end, students, started: !continues };
  }

  private cellAlert(cell: BurstCell, window: Window, failures: Failure[], trigger: ClassEvent): Alert {
    const { notebookPath, cellId } = splitCellKey(cell.key);
    const names = new Map<string, number>();
    for (const { time, errorName } of failures) {
      if (errorName !== null && time >= window.from) names.set(errorName, (names.get(errorName) ?? 0) + 1);
    }
    const errorName = mostFrequent(names) ?? trigger.errorName;
    const label = trigger.cellIndex !== null ? `cell ${trigger.cellIndex}` : `cell ${cellId}`;
    const place = notebookPath ? `${label} of ${notebookPath}` : label;
    const mostly = errorName === null ? '' : ` (${names.size > 1 ? 'mostly ' : ''}${errorName})`;
    const details = this.details('same_cell', window, errorName);
    if (trigger.cellIndex !== null) details.cellIndex = String(trigger.cellIndex);
    return this.alert(
      'cell',
      cell.key,
      window,
      `${window.students} students hit errors on ${place} ${this.within()}${mostly}`,
      { notebookPath: notebookPath === '' ? null : notebookPath, cellId },
      details,
    );
  }

  private errorAlert(errorName: string, window: Window): Alert {
    return this.alert(
      'error',
      errorName,
      window,
      `${window.students} students hit ${errorName} ${this.within()}`,
      { notebookPath: null, cellId: null },
      this.details('same_error', window, errorName),
    );
  }

  private details(rule: string, window: Window, errorName: string | null): Record<string, string> {
    const details: Record<string, string> = {
      rule,
      students: String(window.students),
      minStudents: String(this.settings.minStudents),
      windowStart: new Date(window.from).toISOString(),
      windowEnd: new Date(window.end).toISOString(),
    };
    if (errorName !== null) details.errorName = errorName;
    return details;
  }

  private alert(
    kind: BurstTargetKind,
    target: string,
    window: Window,
    message: string,
    where: { notebookPath: string | null; cellId: string | null },
    details: Record<string, string>,
  ): Alert {
    return {
      alertId: errorBurstAlertId(this.classId, kind, target, window.end),
      classId: this.classId,
      userId: null,
      kind: 'error_burst',
      severity: 'warning',
      message,
      raisedAt: window.end,
      notebookPath: where.notebookPath,
      cellId: where.cellId,
      details,
    };
  }

  private within(): string {
    const ms = this.settings.windowMs;
    if (ms === 60_000) return 'within a minute';
    return ms % 60_000 === 0 ? `within ${ms / 60_000} minutes` : `within ${ms / 1_000} s`;
  }
}

/** One student's latest failure on a target: its event time and, when known, its errorName. */
interface Failure {
  time: number;
  errorName: string | null;
}

interface Window {
  from: number;
  end: number;
  /** Students counted in it. */
  students: number;
  /** Whether this failure started a burst (rather than continuing one). */
  started: boolean;
}

/** Event times of the failures of the students whose latest execution of the cell failed. */
function cellFailureTimes(students: ReadonlyMap<string, Student>, cellIndex: number): number[] {
  const times: number[] = [];
  for (const student of students.values()) {
    const latest = student.cellLatest.get(cellIndex);
    if (latest?.[1]) times.push(latest[0]);
  }
  return times;
}

/** The same failures with their errorName when known (only for an alert: rare). */
function cellFailures(students: ReadonlyMap<string, Student>, cellIndex: number): Failure[] {
  const failures: Failure[] = [];
  for (const student of students.values()) {
    const latest = student.cellLatest.get(cellIndex);
    if (!latest?.[1]) continue;
    // The student's latest error is this failure when their times agree: then its name is known.
    const errorName = student.lastErrorTime === latest[0] ? student.lastErrorName : null;
    failures.push({ time: latest[0], errorName });
  }
  return failures;
}

/** Event times of the latest errors of the students whose latest error has this errorName. */
function errorFailureTimes(students: ReadonlyMap<string, Student>, errorName: string): number[] {
  const times: number[] = [];
  for (const student of students.values()) {
    if (student.lastErrorName === errorName) times.push(student.lastErrorTime);
  }
  return times;
}

/** The most frequent name, ties broken by name; null when there is none. */
function mostFrequent(counts: Map<string, number>): string | null {
  let best: string | null = null;
  let bestCount = 0;
  for (const [name, count] of counts) {
    if (count > bestCount || (count === bestCount && best !== null && name < best)) {
      best = name;
      bestCount = count;
    }
  }
  return best;
}
