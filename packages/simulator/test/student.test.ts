import { describe, expect, it } from 'vitest';
import { type BehaviourConfig, behaviourDefaults } from '../src/behaviour.js';
import type { SimEvent } from '../src/events.js';
import { LISTS_AND_LOOPS } from '../src/notebook.js';
import { Random } from '../src/random.js';
import { checkSequence } from '../src/sequence.js';
import { StudentModel } from '../src/student.js';

const T0 = Date.parse('2025-01-13T09:00:00.000Z');
const codeCells = LISTS_AND_LOOPS.cells.filter((cell) => cell.cellType === 'code').length;

/** A student on a fake clock: each step's delay advances the clock, as the scheduler would. */
function student(seed: number | string, behaviour: Partial<BehaviourConfig> = {}, index = 0) {
  let ids = 0;
  return new StudentModel({
    userId: `student-${index}`,
    classId: '42',
    rng: new Random(seed).fork(index),
    behaviour: { ...behaviourDefaults, sessions: 1, ...behaviour },
    newId: () => `id-${index}-${ids++}`,
    metadata: { source: 'test' },
  });
}

function runToEnd(model: StudentModel, maxSteps = 10_000) {
  const events: SimEvent[] = [];
  const delays: number[] = [];
  let now = T0;
  while (!model.done) {
    if (events.length >= maxSteps) throw new Error('the student never finished');
    const step = model.next(new Date(now));
    events.push(step.event);
    delays.push(step.delayMs);
    now += step.delayMs;
  }
  return { events, delays, endMs: now };
}

const types = (events: SimEvent[]) => events.map((event) => event.eventType);

/** Runs of consecutive errors on one cell, longest first. */
function errorStreaks(events: SimEvent[]): { cellId: string; length: number }[] {
  const streaks: { cellId: string; length: number }[] = [];
  let current: { cellId: string; length: number } | undefined;
  for (const event of events) {
    if (event.eventType === 'cell_execution_error') {
      if (current && current.cellId === event.cellId) current.length++;
      else {
        current = { cellId: event.cellId ?? '', length: 1 };
        streaks.push(current);
      }
    } else if (event.eventType === 'cell_execution_complete' && event.cellId === current?.cellId) {
      current = undefined;
    }
  }
  return streaks.sort((a, b) => b.length - a.length);
}

describe('a simulated student', () => {
  it('produces a valid session for 200 students of one seed: start first, end last, nothing impossible', () => {
    for (let index = 0; index < 200; index++) {
      const { events } = runToEnd(student(1234, {}, index));
      expect(checkSequence(events), `student ${index}`).toEqual([]);
      expect(events[0]?.eventType).toBe('session_start');
      expect(events.at(-1)?.eventType).toBe('session_end');
      expect(events[1]?.eventType).toBe('notebook_open');
      expect(events.at(-2)?.eventType).toBe('notebook_close');
      // Every cell of the notebook was completed at least once, in order.
      const completed = events.filter((event) => event.eventType === 'cell_execution_complete');
      expect(new Set(completed.map((event) => event.cellId)).size).toBe(LISTS_AND_LOOPS.cells.length);
    }
  });

  it('runs the cells in order and counts executions 1, 2, 3... when nothing goes wrong', () => {
    const calm = { errorRate: 0, hardCellErrorRate: 0, stuckShare: 0, interruptChance: 0, restartChance: 0 };
    const { events } = runToEnd(student(7, calm));
    expect(checkSequence(events)).toEqual([]);
    const starts = events.filter((event) => event.eventType === 'cell_execution_start');
    expect(starts.map((event) => event.cellIndex)).toEqual(LISTS_AND_LOOPS.cells.map((_, index) => index));
    const results = events.filter((event) => event.eventType === 'cell_execution_complete');
    expect(results.filter((event) => event.cellType === 'code').map((event) => event.executionCount)).toEqual(
      Array.from({ length: codeCells }, (_, i) => i + 1),
    );
    expect(
      results.filter((event) => event.cellType === 'markdown').every((e) => e.executionCount === undefined),
    ).toBe(true);
    expect(types(events)).not.toContain('cell_execution_error');
    expect(types(events)).not.toContain('help_request');
    expect(types(events)).toContain('notebook_save');
  });

  it('is deterministic for a seed (ids aside) and differs between seeds', () => {
    const strip = (events: SimEvent[]) =>
      events.map(({ eventId: _id, sessionId: _session, ...rest }) => rest);
    const a = runToEnd(student(99));
    const b = runToEnd(student(99));
    expect(strip(a.events)).toEqual(strip(b.events));
    expect(a.delays).toEqual(b.delays);
    expect(strip(runToEnd(student(100)).events)).not.toEqual(strip(a.events));
  });

  it('fills every field an event needs, with the time it is given', () => {
    const model = student(5);
    const now = new Date(T0);
    const first = model.next(now).event;
    expect(first).toMatchObject({
      eventType: 'session_start',
      eventTime: '2025-01-13T09:00:00.000Z',
      userId: 'student-0',
      classId: '42',
      metadata: { source: 'test' },
    });
    expect(first.notebookPath).toBeUndefined();
    const { events } = runToEnd(model);
    const all = [first, ...events];
    expect(new Set(all.map((event) => event.eventId)).size).toBe(all.length);
    expect(new Set(all.map((event) => event.sessionId)).size).toBe(1);
    for (const event of all) {
      expect(Number.isNaN(Date.parse(event.eventTime))).toBe(false);
      if (event.eventType.startsWith('cell_execution')) {
        expect(event).toMatchObject({ notebookPath: LISTS_AND_LOOPS.path, cellType: expect.any(String) });
        expect(event.cellId).toBeTruthy();
        expect(Number.isInteger(event.cellIndex)).toBe(true);
        expect(event.code).toBeTruthy();
      }
      if (event.eventType === 'cell_execution_complete' || event.eventType === 'cell_execution_error') {
        expect(event.executionDurationMs).toBeGreaterThan(0);
      }
    }
  });

  it('errs with Python exceptions and messages, more often on hard cells', () => {
    const errors: SimEvent[] = [];
    for (let index = 0; index < 200; index++) {
      const { events } = runToEnd(student(31, { stuckShare: 0, interruptChance: 0 }, index));
      errors.push(...events.filter((event) => event.eventType === 'cell_execution_error'));
    }
    const names = new Set(errors.map((event) => event.errorName));
    for (const name of ['NameError', 'TypeError', 'ZeroDivisionError', 'SyntaxError', 'IndexError']) {
      expect(names).toContain(name);
    }
    for (const event of errors) {
      expect(event.hasError).toBe(true);
      expect(event.errorMessage).toBeTruthy();
    }
    const hard = new Set(LISTS_AND_LOOPS.cells.filter((cell) => cell.hard).map((cell) => cell.cellId));
    const onHard = errors.filter((event) => hard.has(event.cellId ?? '')).length;
    // Two hard cells of eight code cells take most of the errors.
    expect(onHard / errors.length).toBeGreaterThan(0.5);
    // Repeated errors on a hard cell happen.
    expect(errors.length).toBeGreaterThan(200);
  });

  it('gets stuck when configured: many consecutive errors on one hard cell, help asked and later cancelled', () => {
    const stuck = {
      stuckShare: 1,
      stuckErrors: [8, 8] as const,
      restartAfterErrorsChance: 0,
      restartChance: 0,
    };
    for (let index = 0; index < 20; index++) {
      const model = student(77, stuck, index);
      expect(model.persona.stuck).toBe(true);
      const { events } = runToEnd(model);
      expect(checkSequence(events)).toEqual([]);
      const [longest] = errorStreaks(events);
      expect(longest?.length).toBeGreaterThanOrEqual(8);
      const hard = LISTS_AND_LOOPS.cells.find((cell) => cell.cellId === longest?.cellId);
      expect(hard?.hard).toBe(true);

      // Help asked on the cell it is stuck on, after `helpAfterErrors` consecutive errors there,
      // and cancelled (by the same cell) once the cell finally ran. checkSequence saw the pairing.
      const isHelp = (type: string) => (event: SimEvent) =>
        event.eventType === type && event.cellId === longest?.cellId;
      const request = events.findIndex(isHelp('help_request'));
      const cancel = events.findIndex(isHelp('help_cancel'));
      expect(request).toBeGreaterThan(0);
      expect(cancel).toBeGreaterThan(request);
      const streakBefore = events
        .slice(0, request)
        .reverse()
        .findIndex((event) => event.eventType === 'cell_execution_complete');
      const errorsBefore = events
        .slice(request - streakBefore, request)
        .filter((event) => event.eventType === 'cell_execution_error');
      expect(errorsBefore.length).toBeGreaterThanOrEqual(behaviourDefaults.helpAfterErrors);
      expect(events[cancel - 1]).toMatchObject({
        eventType: 'cell_execution_complete',
        cellId: longest?.cellId,
      });
    }
  });

  it('never gets stuck when no student is meant to', () => {
    const calm = { stuckShare: 0, errorRate: 0, hardCellErrorRate: 0.3, helpChance: 0 };
    for (let index = 0; index < 50; index++) {
      const { events } = runToEnd(student(78, calm, index));
      expect(errorStreaks(events)[0]?.length ?? 0).toBeLessThan(6);
      expect(types(events)).not.toContain('help_request');
    }
  });

  it('restarts the kernel and runs the cells again from the top, counting from 1', () => {
    const restarting = { stuckShare: 1, stuckErrors: [6, 6] as const, restartAfterErrorsChance: 1 };
    const { events } = runToEnd(student(5, restarting));
    expect(checkSequence(events)).toEqual([]);
    const restart = events.findIndex((event) => event.eventType === 'kernel_restart');
    expect(restart).toBeGreaterThan(0);
    const next = events.slice(restart + 1).find((event) => event.eventType === 'cell_execution_start');
    expect(next?.cellIndex).toBe(0);
    const firstCode = events
      .slice(restart + 1)
      .find((event) => event.eventType === 'cell_execution_complete' && event.cellType === 'code');
    expect(firstCode?.executionCount).toBe(1);
  });

  it('interrupts slow cells: kernel_interrupt, then a KeyboardInterrupt error, then runs it again', () => {
    const { events } = runToEnd(student(9, { interruptChance: 1, stuckShare: 0 }));
    expect(checkSequence(events)).toEqual([]);
    const interrupt = events.findIndex((event) => event.eventType === 'kernel_interrupt');
    expect(events[interrupt - 1]?.eventType).toBe('cell_execution_start');
    expect(events[interrupt + 1]).toMatchObject({
      eventType: 'cell_execution_error',
      errorName: 'KeyboardInterrupt',
      cellId: events[interrupt]?.cellId,
    });
  });

  it('goes on with new sessions after a break when sessions are unlimited', () => {
    const model = student(11, { sessions: undefined });
    const events: SimEvent[] = [];
    let now = T0;
    while (events.filter((event) => event.eventType === 'session_start').length < 3) {
      const step = model.next(new Date(now));
      events.push(step.event);
      now += step.delayMs;
    }
    events.push(...model.wrapUp(new Date(now)));
    expect(checkSequence(events)).toEqual([]);
    expect(new Set(events.map((event) => event.sessionId)).size).toBe(3);
    expect(model.done).toBe(false);
  });

  it('wraps up from any state: answers the running cell, cancels help, saves, closes, ends', () => {
    const stuck = { stuckShare: 1, stuckErrors: [10, 10] as const, restartAfterErrorsChance: 0 };
    for (let stopAfter = 1; stopAfter < 60; stopAfter++) {
      const model = student(21, stuck);
      const events: SimEvent[] = [];
      let now = T0;
      for (let i = 0; i < stopAfter; i++) {
        const step = model.next(new Date(now));
        events.push(step.event);
        now += step.delayMs;
      }
      const closing = model.wrapUp(new Date(now));
      const all = [...events, ...closing];
      expect(checkSequence(all), `stopped after ${stopAfter}`).toEqual([]);
      expect(all.at(-1)?.eventType).toBe('session_end');
      expect(model.state).toBe('offline');
      expect(model.wrapUp(new Date(now))).toEqual([]);
    }
  });
});

describe('the sequence checker', () => {
  it('finds impossible sequences', () => {
    const { events } = runToEnd(student(3));
    const [first, second, ...rest] = events;
    if (!first || !second) throw new Error('too short');
    expect(checkSequence([second, first, ...rest])[0]?.message).toContain('not allowed while offline');
    const help = { ...second, eventType: 'help_cancel' as const };
    expect(checkSequence([first, second, help]).map((p) => p.message)).toContain(
      'help_cancel: no help request to cancel',
    );
    const skip = events.filter(
      (event) => !(event.eventType.startsWith('cell_execution') && event.cellIndex === 1),
    );
    expect(checkSequence(skip).some((problem) => problem.message.includes('was expected'))).toBe(true);
  });
});
