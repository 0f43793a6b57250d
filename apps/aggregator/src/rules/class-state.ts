import type { Alert } from '@cellstream/schemas';
import { helpAlert, idleAlert, stuckAlert } from './alerts.js';
import { type ClassEvent, cellKey, isExecutionResult } from './class-event.js';
import { ErrorBursts } from './error-burst.js';
import { executionEntry } from './execution-history.js';
import { ExecutionWindow } from './execution-window.js';
import type { RuleSettings } from './settings.js';
import { Student } from './student.js';
import { decideStatus, type StatusInput, stuckReason, transition } from './student-status.js';

/** Cumulative progress of the class on one cell (ClassAggregate.perCell). */
export interface CellCounters {
  /** Position of the cell in the class's map (insertion order): how students refer to it. */
  index: number;
  cellIndex: number | null;
  /** Event time at which cellIndex was reported; -Infinity when it came from a late event or none. */
  cellIndexTime: number;
  executions: number;
  errors: number;
  studentsCompleted: number;
  studentsErroring: number;
}

/** Cumulative count of one error name (ClassAggregate.topErrors). */
export interface ErrorCounter {
  count: number;
  students: number;
}

/**
 * Everything the aggregator knows of one class, and the rules that keep it (README.md, "Rules").
 * The class clock is the latest event time seen for the class (ClassAggregate.windowEnd); an
 * event older than the clock minus the allowed lateness is late: it counts in the cumulative
 * totals (class, student, cell, error) but not in the windows, the status facts, help or location.
 *
 * Besides the state, a class tracks what changed: for the changelog since the last commit
 * (`changedStudents`, the window's own tracking) and for the outputs since the last emission
 * (`emitPending`, `studentsToEmit`). The partition state clears them.
 */
export class ClassState {
  clock = Number.NEGATIVE_INFINITY;
  totalExecutions = 0;
  totalErrors = 0;
  readonly students = new Map<string, Student>();
  readonly cells = new Map<string, CellCounters>();
  readonly errorCounts = new Map<string, ErrorCounter>();
  readonly window = new ExecutionWindow();
  readonly bursts: ErrorBursts;
  /** A lower bound of the class clock at which some student who is not idle turns idle. */
  idleCheckAt = Number.POSITIVE_INFINITY;

  readonly changedStudents = new Set<string>();
  emitPending = false;
  readonly studentsToEmit = new Set<string>();
  /** Wall-clock time of the last emission of this class's outputs. */
  lastEmittedAt = Number.NEGATIVE_INFINITY;

  constructor(
    readonly classId: string,
    private readonly rules: RuleSettings,
  ) {
    this.bursts = new ErrorBursts(
      classId,
      {
        minStudents: rules.errorBurstMinStudents,
        windowMs: rules.errorBurstWindowMs,
        allowedLatenessMs: rules.allowedLatenessMs,
      },
      rules.maxCellsPerClass + rules.maxErrorNamesPerClass,
    );
  }

  /** Applies one (deduplicated) event; returns the alerts it raised. */
  apply(event: ClassEvent): Alert[] {
    const alerts: Alert[] = [];
    const late = event.time < this.clock - this.rules.allowedLatenessMs;
    let student = this.students.get(event.userId);
    const isNew = student === undefined;
    if (!student) {
      student = new Student(event.userId, event);
      this.students.set(event.userId, student);
    }
    const key = isExecutionResult(event.type) ? cellKey(event.notebookPath, event.cellId) : null;
    this.countCumulative(event, student, key);

    if (late) {
      if (isNew)
        student.status = decideStatus(student.lastEventTime, student.history.current, this.clock, this.rules);
    } else {
      this.applyOnTime(event, student, key, alerts);
    }
    this.changedStudents.add(student.userId);
    this.studentsToEmit.add(student.userId);
    this.emitPending = true;
    return alerts;
  }

  /** Totals that count every event once, late or not. */
  private countCumulative(event: ClassEvent, student: Student, key: string | null): void {
    if (!isExecutionResult(event.type)) return;
    const cell = key === null ? undefined : this.cellFor(key);
    if (cell && cell.cellIndex === null && event.cellIndex !== null) cell.cellIndex = event.cellIndex;
    if (event.type === 'cell_execution_complete') {
      this.totalExecutions++;
      student.executions++;
      if (cell) {
        cell.executions++;
        if (!student.completedCells.has(cell.index)) {
          student.completedCells.add(cell.index);
          cell.studentsCompleted++;
        }
      }
      return;
    }
    this.totalErrors++;
    student.errors++;
    if (cell) cell.errors++;
    if (event.errorName !== null) {
      const counter = this.errorCounterFor(event.errorName);
      if (counter) {
        counter.count++;
        if (!student.errorNames.has(event.errorName)) {
          student.errorNames.add(event.errorName);
          counter.students++;
        }
      }
    }
  }

  private applyOnTime(event: ClassEvent, student: Student, key: string | null, alerts: Alert[]): void {
    const advanced = event.time > this.clock;
    if (advanced) this.clock = event.time;
    const execution = isExecutionResult(event.type);
    const failed = event.type === 'cell_execution_error';

    const inOrder = student.seen(event);
    student.locate(event);
    if (student.help(event)) alerts.push(helpAlert(this.classId, event, student));
    if (failed) student.failed(event);

    let input: StatusInput = inOrder ? 'activity' : 'reordered';
    const cell = key === null ? undefined : this.cells.get(key);
    if (execution) {
      this.window.add([event.time, failed ? 1 : 0, event.durationMs], this.clock);
      if (cell) this.updateLatestOnCell(cell, event, student, failed);
      const ordered = student.history.add(executionEntry(event.time, failed, cell ? cell.index : key));
      input = !ordered ? 'reordered' : failed ? 'execution_failed' : 'execution_succeeded';
    }
    student.history.settle(this.clock - this.rules.allowedLatenessMs);
    this.updateStatus(student, input, event, alerts);
    if (failed) {
      const burstCell = key !== null && cell ? { key, index: cell.index } : null;
      const burst = this.bursts.failed(event, burstCell, this.students);
      if (burst) alerts.push(burst);
    }
    if (advanced) this.sweepIdle(event, alerts);
  }

  /** ClassAggregate.perCell studentsErroring follows each student's latest execution of the cell. */
  private updateLatestOnCell(cell: CellCounters, event: ClassEvent, student: Student, failed: boolean): void {
    if (event.cellIndex !== null && event.time >= cell.cellIndexTime) {
      cell.cellIndex = event.cellIndex;
      cell.cellIndexTime = event.time;
    }
    const previous = student.cellLatest.get(cell.index);
    if (previous && event.time < previous[0]) return;
    if (previous?.[1]) cell.studentsErroring--;
    if (failed) cell.studentsErroring++;
    if (previous) {
      previous[0] = event.time;
      previous[1] = failed;
    } else {
      student.cellLatest.set(cell.index, [event.time, failed]);
    }
  }

  private updateStatus(student: Student, input: StatusInput, trigger: ClassEvent, alerts: Alert[]): void {
    const facts = student.history.current;
    const target = decideStatus(student.lastEventTime, facts, this.clock, this.rules);
    if (target !== student.status) {
      student.status = transition(student.status, input, target);
      student.statusSince = target === 'idle' ? student.lastEventTime + this.rules.idleAfterMs : trigger.time;
      if (target === 'stuck') {
        alerts.push(
          stuckAlert(this.classId, trigger, facts, stuckReason(facts, this.rules) ?? 'consecutive_errors'),
        );
      } else if (target === 'idle' && student.lastEventType !== 'session_end') {
        // A student who closed the session did not "go idle during class": the status says idle, no alert.
        alerts.push(idleAlert(this.classId, student, trigger, this.rules.idleAfterMs));
      }
    }
    if (student.status !== 'idle') {
      this.idleCheckAt = Math.min(this.idleCheckAt, student.lastEventTime + this.rules.idleAfterMs);
    }
  }

  /** After the clock moved: every student with no event in the last idleAfterMs turns idle. */
  private sweepIdle(trigger: ClassEvent, alerts: Alert[]): void {
    if (this.idleCheckAt >= this.clock) return;
    let next = Number.POSITIVE_INFINITY;
    for (const student of this.students.values()) {
      if (student.status === 'idle') continue;
      const idleAt = student.lastEventTime + this.rules.idleAfterMs;
      if (idleAt < this.clock) {
        this.updateStatus(student, 'clock', trigger, alerts);
        this.changedStudents.add(student.userId);
        this.studentsToEmit.add(student.userId);
      } else {
        next = Math.min(next, idleAt);
      }
    }
    this.idleCheckAt = next;
  }

  private cellFor(key: string): CellCounters | undefined {
    let cell = this.cells.get(key);
    if (!cell && this.cells.size < this.rules.maxCellsPerClass) {
      cell = {
        index: this.cells.size,
        cellIndex: null,
        cellIndexTime: Number.NEGATIVE_INFINITY,
        executions: 0,
        errors: 0,
        studentsCompleted: 0,
        studentsErroring: 0,
      };
      this.cells.set(key, cell);
    }
    return cell;
  }

  private errorCounterFor(name: string): ErrorCounter | undefined {
    let counter = this.errorCounts.get(name);
    if (!counter && this.errorCounts.size < this.rules.maxErrorNamesPerClass) {
      counter = { count: 0, students: 0 };
      this.errorCounts.set(name, counter);
    }
    return counter;
  }

  /** After a restore: the idle bound from the students, and everything pending emission once. */
  restored(): void {
    this.idleCheckAt = Number.POSITIVE_INFINITY;
    for (const student of this.students.values()) {
      if (student.status !== 'idle') {
        this.idleCheckAt = Math.min(this.idleCheckAt, student.lastEventTime + this.rules.idleAfterMs);
      }
      this.studentsToEmit.add(student.userId);
    }
    this.emitPending = true;
  }
}
