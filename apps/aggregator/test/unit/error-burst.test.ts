import type { Alert } from '@cellstream/schemas';
import { describe, expect, it } from 'vitest';
import { cellKey } from '../../src/rules/class-event.js';
import { ClassState } from '../../src/rules/class-state.js';
import { errorBurstAlertId } from '../../src/rules/error-burst.js';
import { defaultRuleSettings, type RuleSettings } from '../../src/rules/settings.js';
import { decodeChangelogRecord } from '../../src/state/changelog-codec.js';
import { PartitionState, PartitionStateBuilder } from '../../src/state/partition-state.js';
import { classEvent, SECOND, T0 } from '../support/events.js';

const rules: RuleSettings = {
  ...defaultRuleSettings,
  errorBurstMinStudents: 3,
  errorBurstWindowMs: 60 * SECOND,
};
const dedupSettings = { maxIds: 100, retentionMs: 60_000, segmentMaxIds: 10 };
const CELL_A = cellKey('week1/intro.ipynb', 'cell-a') as string;

/** A cell_execution_error of `userId` at T0 + `at` (cell-a, NameError unless told otherwise). */
const failure = (userId: string, at: number, fields: Parameters<typeof classEvent>[2] = {}) =>
  classEvent('cell_execution_error', at, { userId, ...fields });

function bursts(state: ClassState, ...events: ReturnType<typeof classEvent>[]): Alert[] {
  return events.flatMap((event) => state.apply(event)).filter((alert) => alert.kind === 'error_burst');
}

describe('error bursts', () => {
  it('raises one alert when the Nth distinct student fails on the same cell within the window', () => {
    const state = new ClassState('class-1', rules);
    expect(bursts(state, failure('alice', 0), failure('bob', 10 * SECOND))).toEqual([]);
    const third = failure('carol', 50 * SECOND, { errorName: 'TypeError' });
    const [alert, ...more] = bursts(state, third);
    expect(more).toEqual([]);
    expect(alert).toEqual({
      alertId: errorBurstAlertId('class-1', 'cell', CELL_A, T0 + 50 * SECOND),
      classId: 'class-1',
      userId: null,
      kind: 'error_burst',
      severity: 'warning',
      message: '3 students hit errors on cell 0 of week1/intro.ipynb within a minute (mostly NameError)',
      raisedAt: T0 + 50 * SECOND,
      notebookPath: 'week1/intro.ipynb',
      cellId: 'cell-a',
      details: {
        rule: 'same_cell',
        students: '3',
        minStudents: '3',
        errorName: 'NameError',
        cellIndex: '0',
        windowStart: new Date(T0 - 10 * SECOND).toISOString(),
        windowEnd: new Date(T0 + 50 * SECOND).toISOString(),
      },
    });
  });

  it('counts a student once however often they fail, and only failures within the window', () => {
    const state = new ClassState('class-1', rules);
    const none = bursts(
      state,
      failure('alice', 0),
      failure('alice', 5 * SECOND),
      failure('alice', 9 * SECOND),
      failure('bob', 30 * SECOND),
      // 61 s after alice's first failure but only 52 s after her last: still two students.
      failure('bob', 61 * SECOND),
    );
    expect(none).toEqual([]);
    // carol at 70 s: alice's latest failure (9 s) is 61 s before, outside the window.
    expect(bursts(state, failure('carol', 70 * SECOND))).toEqual([]);
    // dave at 71 s: bob, carol, dave within a minute.
    expect(bursts(state, failure('dave', 71 * SECOND))).toHaveLength(1);
  });

  it('raises a burst once while it lasts, and again after a quiet window', () => {
    const state = new ClassState('class-1', rules);
    const first = bursts(state, failure('a', 0), failure('b', SECOND), failure('c', 2 * SECOND));
    expect(first).toHaveLength(1);
    // More failures keep the same burst going: no new alert, not even after a dip below N.
    const during = bursts(
      state,
      failure('d', 30 * SECOND), // a, b, c, d: holds at 30 s
      failure('e', 65 * SECOND), // d and e only: the condition stops holding...
      failure('f', 89 * SECOND), // ...and holds again (d, e, f) 59 s after it last held: same burst
    );
    expect(during).toEqual([]);
    // More than a minute without the condition holding: a new burst, with its own id.
    const second = bursts(
      state,
      failure('a', 200 * SECOND),
      failure('b', 201 * SECOND),
      failure('c', 202 * SECOND),
    );
    expect(second).toHaveLength(1);
    expect(second[0]?.alertId).not.toBe(first[0]?.alertId);
    expect(second[0]?.raisedAt).toBe(T0 + 202 * SECOND);
  });

  it('raises a same_error burst when the students fail with one errorName on different cells', () => {
    const state = new ClassState('class-1', rules);
    const alerts = bursts(
      state,
      failure('alice', 0, { cellId: 'c1', cellIndex: 1, errorName: 'ModuleNotFoundError' }),
      failure('bob', SECOND, { cellId: 'c2', cellIndex: 2, errorName: 'ModuleNotFoundError' }),
      failure('carol', 2 * SECOND, { cellId: 'c3', cellIndex: 3, errorName: 'ModuleNotFoundError' }),
    );
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({
      alertId: errorBurstAlertId('class-1', 'error', 'ModuleNotFoundError', T0 + 2 * SECOND),
      userId: null,
      cellId: null,
      notebookPath: null,
      message: '3 students hit ModuleNotFoundError within a minute',
      details: { rule: 'same_error', students: '3', errorName: 'ModuleNotFoundError' },
    });
  });

  it('raises one alert, the cell burst, when the same failures make a cell and an errorName burst', () => {
    const state = new ClassState('class-1', rules);
    const alerts = bursts(state, failure('a', 0), failure('b', SECOND), failure('c', 2 * SECOND));
    expect(alerts.map((alert) => alert.details.rule)).toEqual(['same_cell']);
    // The NameError burst started with it: a NameError elsewhere does not raise it a moment later.
    expect(bursts(state, failure('d', 3 * SECOND, { cellId: 'cell-z', cellIndex: 9 }))).toEqual([]);
  });

  it('raises no errorName alert for failures on a cell whose burst holds', () => {
    const state = new ClassState('class-1', rules);
    const cellBurst = bursts(
      state,
      failure('a', 0),
      failure('b', SECOND, { errorName: 'TypeError' }),
      failure('c', 2 * SECOND),
    );
    expect(cellBurst.map((alert) => alert.details.rule)).toEqual(['same_cell']);
    // The third NameError on cell-a: a NameError burst, but cell-a's alert already tells it.
    expect(bursts(state, failure('d', 3 * SECOND))).toEqual([]);
    expect(state.bursts.heldAt.has('eNameError')).toBe(true);
  });

  it('ignores failures later than the allowed lateness, places out-of-order ones by event time', () => {
    const state = new ClassState('class-1', rules);
    state.apply(classEvent('notebook_open', 10 * 60 * SECOND, { userId: 'teacher' }));
    // More than ALLOWED_LATENESS_MS (60 s) behind the class clock: totals only.
    const late = bursts(
      state,
      failure('a', 8 * 60 * SECOND),
      failure('b', 8 * 60 * SECOND + 1),
      failure('c', 8 * 60 * SECOND + 2),
    );
    expect(late).toEqual([]);
    // Within the lateness and out of order: the window ends at the latest failure on the cell.
    const reordered = bursts(
      state,
      failure('a', 10 * 60 * SECOND - 5 * SECOND),
      failure('b', 10 * 60 * SECOND - 30 * SECOND),
      failure('c', 10 * 60 * SECOND - 50 * SECOND),
    );
    expect(reordered).toHaveLength(1);
    expect(reordered[0]?.raisedAt).toBe(T0 + 10 * 60 * SECOND - 5 * SECOND);
  });

  it('gives the same alert ids when the same events are processed again', () => {
    const events = ['a', 'b', 'c', 'd'].map((user, i) => failure(user, i * 7 * SECOND));
    const ids = () => bursts(new ClassState('class-1', rules), ...events).map((alert) => alert.alertId);
    expect(ids()).toHaveLength(1);
    expect(ids()).toEqual(ids());
  });

  it('keeps an ongoing burst across a restore from the changelog (no second alert)', () => {
    const partition = new PartitionState(0, rules, dedupSettings);
    const state = partition.classFor('class-1');
    partition.changedClasses.add('class-1');
    expect(bursts(state, failure('a', 0), failure('b', SECOND), failure('c', 2 * SECOND))).toHaveLength(1);
    const records = partition.drainChangelog();
    const restore = () => {
      const builder = new PartitionStateBuilder(0);
      for (const record of records) builder.apply(decodeChangelogRecord(record.key, record.value));
      return builder.build(rules, dedupSettings).classFor('class-1');
    };
    const again = restore();
    expect(again.students.size).toBe(3);
    expect(again.bursts.heldAt).toEqual(state.bursts.heldAt);
    expect(bursts(again, failure('d', 3 * SECOND))).toEqual([]);
    // What the restored burst state is for: without it, the same failure would raise the burst again.
    const forgetful = restore();
    forgetful.bursts.load([], forgetful.clock);
    expect(bursts(forgetful, failure('d', 3 * SECOND))).toHaveLength(1);
  });

  it('forgets bursts no on-time failure can continue, and is off with a minimum of 0', () => {
    const state = new ClassState('class-1', rules);
    bursts(state, failure('a', 0), failure('b', SECOND), failure('c', 2 * SECOND));
    expect(state.bursts.heldAt.size).toBe(2); // cell-a and NameError
    state.apply(classEvent('notebook_open', 3 * 60 * SECOND, { userId: 'teacher' }));
    state.bursts.expire(state.clock);
    expect(state.bursts.heldAt.size).toBe(0);

    const off = new ClassState('class-1', { ...rules, errorBurstMinStudents: 0 });
    expect(bursts(off, failure('a', 0), failure('b', SECOND), failure('c', 2 * SECOND))).toEqual([]);
    expect(off.bursts.heldAt.size).toBe(0);
  });
});
