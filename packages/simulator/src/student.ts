import { randomUUID } from 'node:crypto';
import { type BehaviourConfig, behaviourDefaults, drawPersona, type Persona } from './behaviour.js';
import { type EventType, nextPhase, type Phase, type SimEvent } from './events.js';
import { type ErrorVariant, LISTS_AND_LOOPS, type Notebook, type NotebookCell } from './notebook.js';
import type { Random } from './random.js';

export interface StudentOptions {
  userId: string;
  /** lms-api's class id, as a string (CONTRACT.md). */
  classId: string;
  rng: Random;
  notebook?: Notebook;
  behaviour?: BehaviourConfig;
  /** Ids of events and sessions; unique per run (not seeded), see random.ts. */
  newId?: () => string;
  /** Added to every event, e.g. `{source: 'cellstream-simulator', runId}`. */
  metadata?: Record<string, string>;
}

/** One event, and how long (in the student's own milliseconds) until the student's next one. */
export interface Step {
  event: SimEvent;
  delayMs: number;
}

type Outcome =
  | { kind: 'success'; durationMs: number }
  | { kind: 'error'; durationMs: number; variant: ErrorVariant }
  | { kind: 'interrupt'; afterMs: number };

const KEYBOARD_INTERRUPT: ErrorVariant = { errorName: 'KeyboardInterrupt', errorMessage: '', code: '' };

/**
 * One simulated student working through a notebook, as a state machine over `Phase` (the
 * transitions are events.ts's table). Pure: no clock, no timers, no I/O. The scheduler calls
 * `next(now)` when the student's previous delay has elapsed; `wrapUp(now)` ends the session
 * cleanly when the run stops (answers a running cell, cancels a pending help request, saves,
 * closes, ends the session).
 */
export class StudentModel {
  readonly userId: string;
  readonly classId: string;
  readonly persona: Persona;
  private readonly rng: Random;
  private readonly notebook: Notebook;
  private readonly behaviour: BehaviourConfig;
  private readonly newId: () => string;
  private readonly metadata: Record<string, string> | undefined;

  private phase: Phase = 'offline';
  private sessionId = '';
  private sessionsDone = 0;
  private cellIndex = 0;
  private executionCount = 0;
  private consecutiveErrors = 0;
  private unsaved = 0;
  private helpDue = false;
  private helpPending = false;
  /** The cell help was asked about: the cancel names it too. */
  private helpCell: Pick<SimEvent, 'cellId' | 'cellIndex' | 'cellType'> = {};
  private restartPending = false;
  /** After a kernel restart the student runs the cells above this index again, quickly. */
  private replayUntil = -1;
  private outcome: Outcome | undefined;
  private stuckCell: number | undefined;
  private stuckLeft = 0;

  constructor(options: StudentOptions) {
    this.userId = options.userId;
    this.classId = options.classId;
    this.rng = options.rng;
    this.notebook = options.notebook ?? LISTS_AND_LOOPS;
    this.behaviour = options.behaviour ?? behaviourDefaults;
    this.newId = options.newId ?? randomUUID;
    this.metadata = options.metadata;
    this.persona = drawPersona(this.rng, this.behaviour);
  }

  get state(): Phase {
    return this.phase;
  }

  /** True once the configured number of sessions is over: the student sends nothing more. */
  get done(): boolean {
    const { sessions } = this.behaviour;
    return this.phase === 'offline' && sessions !== undefined && this.sessionsDone >= sessions;
  }

  next(now: Date): Step {
    switch (this.phase) {
      case 'offline':
        return this.startSession(now);
      case 'session':
        return this.cellIndex >= this.notebook.cells.length
          ? { event: this.endSession(now), delayMs: this.breakTime() }
          : { event: this.emit('notebook_open', now), delayMs: this.thinkTime(0) };
      case 'notebook':
        return this.inNotebook(now);
      case 'executing':
        return this.finishExecution(now);
    }
  }

  /** The events that end the current session now, in order; none when offline. */
  wrapUp(now: Date): SimEvent[] {
    const events: SimEvent[] = [];
    if (this.phase === 'executing') {
      if (this.outcome?.kind === 'interrupt') events.push(this.finishExecution(now).event);
      events.push(this.finishExecution(now).event);
    }
    if (this.phase === 'notebook') {
      if (this.helpPending) events.push(this.cancelHelp(now));
      if (this.unsaved > 0) events.push(this.save(now));
      events.push(this.emit('notebook_close', now));
    }
    if (this.phase === 'session') events.push(this.endSession(now));
    return events;
  }

  private startSession(now: Date): Step {
    this.sessionId = this.newId();
    this.cellIndex = 0;
    this.executionCount = 0;
    this.consecutiveErrors = 0;
    this.unsaved = 0;
    this.helpDue = false;
    this.restartPending = false;
    this.replayUntil = -1;
    if (this.persona.stuck) {
      const hard = this.notebook.cells.flatMap((cell, index) => (cell.hard ? [index] : []));
      this.stuckCell = hard.length > 0 ? this.rng.pick(hard) : undefined;
      this.stuckLeft = this.rng.int(...this.behaviour.stuckErrors);
    }
    return { event: this.emit('session_start', now), delayMs: this.rng.uniform(1_000, 5_000) };
  }

  private endSession(now: Date): SimEvent {
    this.sessionsDone++;
    return this.emit('session_end', now);
  }

  private inNotebook(now: Date): Step {
    const { cells } = this.notebook;
    const quick = () => this.rng.uniform(1_000, 4_000);
    if (this.helpPending && this.consecutiveErrors === 0)
      return { event: this.cancelHelp(now), delayMs: quick() };
    if (this.helpDue) {
      this.helpDue = false;
      this.helpPending = true;
      this.helpCell = this.cellFields();
      return { event: this.emit('help_request', now, this.helpCell), delayMs: this.fixTime() };
    }
    const habit = this.executionCount > 0 && this.cellIndex < cells.length;
    if (this.restartPending || (habit && this.rng.chance(this.behaviour.restartChance))) {
      this.restartPending = false;
      this.executionCount = 0;
      this.replayUntil = this.cellIndex;
      this.cellIndex = 0;
      return { event: this.emit('kernel_restart', now), delayMs: this.rng.uniform(2_000, 6_000) };
    }
    if (this.cellIndex >= cells.length) {
      if (this.unsaved > 0) return { event: this.save(now), delayMs: quick() };
      return { event: this.emit('notebook_close', now), delayMs: quick() };
    }
    if (this.unsaved >= this.persona.saveEvery) return { event: this.save(now), delayMs: quick() };
    return this.startCell(now);
  }

  private startCell(now: Date): Step {
    const cell = this.currentCell();
    const outcome = this.decideOutcome(cell);
    this.outcome = outcome;
    const code = outcome.kind === 'error' ? outcome.variant.code : cell.source;
    const event = this.emit('cell_execution_start', now, { ...this.cellFields(), code });
    return { event, delayMs: outcome.kind === 'interrupt' ? outcome.afterMs : outcome.durationMs };
  }

  private finishExecution(now: Date): Step {
    const cell = this.currentCell();
    const outcome = this.outcome;
    if (!outcome) throw new Error('executing without an outcome');
    if (outcome.kind === 'interrupt') {
      // The student gave up waiting: the kernel raises KeyboardInterrupt in the running cell.
      this.outcome = { kind: 'error', durationMs: outcome.afterMs, variant: KEYBOARD_INTERRUPT };
      const event = this.emit('kernel_interrupt', now, this.cellFields());
      return { event, delayMs: this.rng.uniform(50, 300) };
    }
    this.outcome = undefined;
    const counted = cell.cellType === 'code' ? { executionCount: ++this.executionCount } : {};
    const durationMs = Math.round(outcome.durationMs * 100) / 100;
    if (outcome.kind === 'error') {
      this.consecutiveErrors++;
      const { errorName, errorMessage } = outcome.variant;
      const code = outcome.variant === KEYBOARD_INTERRUPT ? cell.source : outcome.variant.code;
      const event = this.emit('cell_execution_error', now, {
        ...this.cellFields(),
        ...counted,
        code,
        hasError: true,
        errorName,
        errorMessage,
        executionDurationMs: durationMs,
      });
      const { helpAfterErrors } = this.behaviour;
      if (this.consecutiveErrors === helpAfterErrors && !this.helpPending) {
        this.helpDue = this.isStuckHere() || this.rng.chance(this.behaviour.helpChance);
      } else if (
        this.consecutiveErrors > helpAfterErrors &&
        this.rng.chance(this.behaviour.restartAfterErrorsChance)
      ) {
        this.restartPending = true;
      }
      return { event, delayMs: this.fixTime() };
    }
    const replaying = this.cellIndex < this.replayUntil;
    const event = this.emit('cell_execution_complete', now, {
      ...this.cellFields(),
      ...counted,
      code: cell.source,
      hasError: false,
      ...(cell.result === undefined ? {} : { result: cell.result }),
      executionDurationMs: durationMs,
    });
    // A replayed cell after a restart says nothing about the cell the student was stuck on.
    if (!replaying) this.consecutiveErrors = 0;
    this.cellIndex++;
    this.unsaved++;
    return { event, delayMs: this.thinkTime(this.cellIndex) };
  }

  private decideOutcome(cell: NotebookCell): Outcome {
    const rng = this.rng;
    const success = (): Outcome => ({ kind: 'success', durationMs: rng.logNormal(cell.durationMs, 0.5) });
    if (cell.cellType !== 'code' || cell.errors.length === 0 || this.cellIndex < this.replayUntil) {
      return success();
    }
    const error = (): Outcome => {
      const variant = rng.pick(cell.errors);
      // A SyntaxError is raised by the compiler: the cell never runs.
      const durationMs =
        variant.errorName === 'SyntaxError'
          ? rng.uniform(1, 5)
          : rng.logNormal(cell.durationMs, 0.5) * rng.uniform(0.1, 1);
      return { kind: 'error', durationMs, variant };
    };
    if (this.isStuckHere() && this.stuckLeft > 0) {
      this.stuckLeft--;
      return error();
    }
    // A student interrupts a slow cell on its first run; after that it lets the cell finish.
    if (cell.slow && this.consecutiveErrors === 0 && rng.chance(this.behaviour.interruptChance)) {
      return { kind: 'interrupt', afterMs: rng.uniform(3_000, 15_000) };
    }
    const tries = this.consecutiveErrors;
    const base = cell.hard
      ? this.behaviour.hardCellErrorRate * 0.8 ** tries
      : this.behaviour.errorRate * 0.5 ** tries;
    return rng.chance(Math.min(0.95, base * this.persona.errorFactor)) ? error() : success();
  }

  private isStuckHere(): boolean {
    return this.persona.stuck && this.cellIndex === this.stuckCell;
  }

  private save(now: Date): SimEvent {
    this.unsaved = 0;
    return this.emit('notebook_save', now);
  }

  private cancelHelp(now: Date): SimEvent {
    this.helpPending = false;
    this.helpDue = false;
    return this.emit('help_cancel', now, this.helpCell);
  }

  private currentCell(): NotebookCell {
    const cell = this.notebook.cells[this.cellIndex];
    if (!cell) throw new Error(`no cell ${this.cellIndex} in ${this.notebook.path}`);
    return cell;
  }

  private cellFields(): Pick<SimEvent, 'cellId' | 'cellIndex' | 'cellType'> {
    const cell = this.currentCell();
    return { cellId: cell.cellId, cellIndex: this.cellIndex, cellType: cell.cellType };
  }

  private thinkTime(index: number): number {
    const cell = this.notebook.cells[index];
    if (!cell) return this.rng.uniform(2_000, 8_000);
    if (index < this.replayUntil) return this.rng.uniform(300, 1_200);
    return this.rng.logNormal(cell.thinkMs * this.persona.thinkFactor, 0.4);
  }

  private fixTime(): number {
    const [min, max] = this.behaviour.fixMs;
    return this.rng.uniform(min, max) * this.persona.thinkFactor;
  }

  private breakTime(): number {
    const [min, max] = this.behaviour.breakMs;
    return this.rng.uniform(min, max);
  }

  private emit(eventType: EventType, now: Date, fields: Partial<SimEvent> = {}): SimEvent {
    this.phase = nextPhase(this.phase, eventType);
    const aboutNotebook = eventType !== 'session_start' && eventType !== 'session_end';
    return {
      eventId: this.newId(),
      eventType,
      eventTime: now.toISOString(),
      userId: this.userId,
      classId: this.classId,
      sessionId: this.sessionId,
      ...(aboutNotebook ? { notebookPath: this.notebook.path } : {}),
      ...fields,
      ...(this.metadata ? { metadata: this.metadata } : {}),
    };
  }
}
