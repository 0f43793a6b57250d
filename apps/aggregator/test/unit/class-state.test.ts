import { describe, expect, it } from 'vitest';
import { alertId } from '../../src/rules/alerts.js';
import { toClassEvent } from '../../src/rules/class-event.js';
import { ClassState } from '../../src/rules/class-state.js';
import { classAggregate, studentStatus } from '../../src/rules/outputs.js';
import { defaultRuleSettings, type RuleSettings } from '../../src/rules/settings.js';
import { classEvent, learningEvent, MINUTE, SECOND, T0 } from '../support/events.js';

const rules: RuleSettings = { ...defaultRuleSettings, allowedLatenessMs: 60 * SECOND };
const NOW = Date.UTC(2024, 2, 4, 12);

function apply(state: ClassState, ...events: Parameters<typeof classEvent>[]) {
  return events.flatMap((args) => state.apply(classEvent(...args)));
}

describe('ClassState: aggregates', () => {
  it('computes totals, windows, students, per-cell progress and top errors', () => {
    const state = new ClassState('class-1', rules);
    apply(
      state,
      ['cell_execution_complete', 0, { userId: 'alice', executionDurationMs: 100 }],
      ['cell_execution_error', 10 * SECOND, { userId: 'bob', executionDurationMs: 300 }],
      ['cell_execution_complete', 20 * SECOND, { userId: 'bob', executionDurationMs: 200 }],
      [
        'cell_execution_error',
        30 * SECOND,
        { userId: 'carol', cellId: 'cell-b', cellIndex: 1, errorName: 'TypeError', executionDurationMs: 400 },
      ],
      ['notebook_save', 3 * MINUTE, { userId: 'alice', cellId: null }],
    );
    const aggregate = classAggregate(state, NOW);
    expect(aggregate).toMatchObject({
      classId: 'class-1',
      updatedAt: NOW,
      windowEnd: T0 + 3 * MINUTE,
      windowStart: T0 + 2 * MINUTE,
      totalExecutions: 2,
      totalErrors: 2,
      activeStudents: 3,
      totalStudentsSeen: 3,
      executionsLastMinute: 0,
      errorsLastMinute: 0,
      erroringStudents: 1,
      stuckStudents: 0,
      idleStudents: 0,
      helpRequests: 0,
      medianExecutionMs: 250,
    });
    expect(aggregate.perCell).toEqual([
      {
        notebookPath: 'week1/intro.ipynb',
        cellId: 'cell-a',
        cellIndex: 0,
        executions: 2,
        errors: 1,
        studentsCompleted: 2,
        studentsErroring: 0,
      },
      {
        notebookPath: 'week1/intro.ipynb',
        cellId: 'cell-b',
        cellIndex: 1,
        executions: 0,
        errors: 1,
        studentsCompleted: 0,
        studentsErroring: 1,
      },
    ]);
    expect(aggregate.topErrors).toEqual([
      { errorName: 'NameError', count: 1, students: 1 },
      { errorName: 'TypeError', count: 1, students: 1 },
    ]);
  });

  it('counts an event later than the allowed lateness in the totals only', () => {
    const state = new ClassState('class-1', rules);
    apply(state, ['cell_execution_complete', 10 * MINUTE, { userId: 'alice' }]);
    const alerts = apply(
      state,
      ['cell_execution_error', 10 * MINUTE - 61 * SECOND, { userId: 'alice' }],
      ['cell_execution_error', 10 * MINUTE - 62 * SECOND, { userId: 'alice' }],
      ['cell_execution_error', 10 * MINUTE - 63 * SECOND, { userId: 'alice' }],
    );
    const aggregate = classAggregate(state, NOW);
    expect(aggregate).toMatchObject({
      totalExecutions: 1,
      totalErrors: 3,
      executionsLastMinute: 1,
      errorsLastMinute: 0,
    });
    const alice = studentStatus('class-1', state.students.get('alice') as never, NOW);
    expect(alice).toMatchObject({ status: 'active', errors: 3, executions: 1, consecutiveErrors: 0 });
    expect(alerts).toEqual([]);
    expect(aggregate.perCell[0]).toMatchObject({ executions: 1, errors: 3, studentsErroring: 0 });
  });

  it('places an out-of-order event within the lateness by its event time', () => {
    const state = new ClassState('class-1', rules);
    apply(state, ['cell_execution_complete', 10 * MINUTE, { userId: 'alice' }]);
    apply(state, ['cell_execution_error', 10 * MINUTE - 30 * SECOND, { userId: 'alice' }]);
    const alice = state.students.get('alice');
    expect(alice?.status).toBe('active'); // the latest execution (by event time) succeeded
    expect(alice?.lastEventType).toBe('cell_execution_complete');
    expect(alice?.lastErrorName).toBe('NameError');
    expect(classAggregate(state, NOW)).toMatchObject({
      errorsLastMinute: 1,
      executionsLastMinute: 1,
      totalErrors: 1,
    });
    // studentsErroring follows the latest execution of the cell: the success.
    expect(classAggregate(state, NOW).perCell[0]?.studentsErroring).toBe(0);
  });

  it('caps event times that run ahead of receivedAt, so one clock cannot move the class forward', () => {
    const event = learningEvent('cell_execution_complete', 0, {
      eventTime: T0 + 60 * MINUTE,
      receivedAt: T0,
    });
    expect(toClassEvent(event, rules).time).toBe(T0 + rules.maxClockSkewMs);
  });
});

describe('ClassState: status transitions and alerts', () => {
  it('raises one stuck alert on the third consecutive failure, with an id stable under reprocessing', () => {
    const state = new ClassState('class-1', rules);
    const e1 = classEvent('cell_execution_error', 0, { userId: 'alice' });
    const e2 = classEvent('cell_execution_error', 10 * SECOND, { userId: 'alice' });
    const e3 = classEvent('cell_execution_error', 20 * SECOND, { userId: 'alice', cellIndex: 3 });
    const e4 = classEvent('cell_execution_error', 30 * SECOND, { userId: 'alice' });
    expect(state.apply(e1)).toEqual([]);
    expect(state.students.get('alice')?.status).toBe('erroring');
    expect(state.apply(e2)).toEqual([]);
    const [alert, ...others] = state.apply(e3);
    expect(others).toEqual([]);
    expect(alert).toMatchObject({
      alertId: alertId('class-1', 'alice', 'stuck', e3.eventId),
      kind: 'stuck',
      userId: 'alice',
      raisedAt: e3.time,
      cellId: 'cell-a',
      message: 'alice has failed 3 times in a row on cell 3 of week1/intro.ipynb (NameError)',
      details: {
        rule: 'consecutive_errors',
        consecutiveErrors: '3',
        errorName: 'NameError',
        failingForMs: '20000',
      },
    });
    expect(state.students.get('alice')).toMatchObject({ status: 'stuck', statusSince: e3.time });
    expect(state.apply(e4)).toEqual([]); // still stuck: no second alert
    apply(state, ['cell_execution_complete', 40 * SECOND, { userId: 'alice' }]);
    expect(state.students.get('alice')?.status).toBe('active');
    expect(studentStatus('class-1', state.students.get('alice') as never, NOW).consecutiveErrors).toBe(0);
  });

  it('turns a quiet student idle when the class clock passes 5 minutes, with an alert raised by the event that moved it', () => {
    const state = new ClassState('class-1', rules);
    apply(
      state,
      ['cell_execution_complete', 0, { userId: 'alice' }],
      ['cell_execution_complete', 4 * MINUTE, { userId: 'bob' }],
    );
    expect(apply(state, ['notebook_save', 5 * MINUTE, { userId: 'bob' }])).toEqual([]); // exactly 5 minutes: still active
    const trigger = classEvent('notebook_save', 5 * MINUTE + 1, { userId: 'bob' });
    const alerts = state.apply(trigger);
    expect(alerts).toEqual([
      expect.objectContaining({
        alertId: alertId('class-1', 'alice', 'idle', trigger.eventId),
        kind: 'idle',
        userId: 'alice',
        raisedAt: trigger.time,
        severity: 'info',
      }),
    ]);
    expect(state.students.get('alice')).toMatchObject({ status: 'idle', statusSince: T0 + 5 * MINUTE });
    expect(classAggregate(state, NOW)).toMatchObject({ idleStudents: 1, activeStudents: 1 });
    apply(state, ['notebook_open', 6 * MINUTE, { userId: 'alice' }]);
    expect(state.students.get('alice')?.status).toBe('active');
  });

  it('does not alert when the student who went idle had ended the session', () => {
    const state = new ClassState('class-1', rules);
    apply(state, ['session_end', 0, { userId: 'alice' }], ['session_start', 0, { userId: 'bob' }]);
    expect(apply(state, ['notebook_save', 6 * MINUTE, { userId: 'bob' }])).toEqual([]);
    expect(state.students.get('alice')?.status).toBe('idle');
  });

  it('tracks help requests in event-time order and alerts when one opens', () => {
    const state = new ClassState('class-1', rules);
    const request = classEvent('help_request', 0, { userId: 'alice', cellId: 'cell-a', cellIndex: 2 });
    expect(state.apply(request)).toEqual([
      expect.objectContaining({
        kind: 'help_requested',
        message: 'alice asked for help on cell 2 of week1/intro.ipynb',
      }),
    ]);
    expect(apply(state, ['help_request', SECOND, { userId: 'alice' }])).toEqual([]); // already open
    apply(state, ['help_cancel', -SECOND, { userId: 'alice' }]); // older than the request: ignored
    expect(classAggregate(state, NOW).helpRequests).toBe(1);
    apply(state, ['help_cancel', 2 * SECOND, { userId: 'alice' }]);
    expect(state.students.get('alice')?.helpRequested).toBe(false);
    expect(apply(state, ['help_request', 3 * SECOND, { userId: 'alice' }])).toHaveLength(1);
  });

  it('never lets a late event of a known student change its status', () => {
    const state = new ClassState('class-1', rules);
    apply(state, ['cell_execution_complete', 10 * MINUTE, { userId: 'alice' }]);
    apply(
      state,
      ['help_request', 2 * MINUTE, { userId: 'alice' }],
      ['cell_execution_error', 2 * MINUTE, { userId: 'alice' }],
    );
    expect(state.students.get('alice')).toMatchObject({ status: 'active', helpRequested: false, errors: 1 });
  });
});
