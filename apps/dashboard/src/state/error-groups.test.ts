import { describe, expect, it } from 'vitest';
import type { TimelineItem } from '../api/types';
import { rosterEntry, status } from '../testing/fixtures';
import { describeGroup, groupErrors, latestAttempt } from './error-groups';
import { buildRows } from './students';

const failing = (
  userId: string,
  errorName: string,
  cellIndex: number,
  state: 'erroring' | 'stuck' = 'erroring',
) => status(userId, { status: state, lastErrorName: errorName, cellIndex, cellId: `cell-${cellIndex}` });

describe('groupErrors', () => {
  const statuses = new Map(
    [
      failing('a', 'NameError', 3),
      failing('b', 'NameError', 3, 'stuck'),
      failing('c', 'NameError', 3),
      failing('d', 'TypeError', 5),
      failing('e', 'NameError', 1),
      // Recovered: an old error, but the latest run passed.
      status('f', { status: 'active', lastErrorName: 'NameError', cellIndex: 3, cellId: 'cell-3' }),
      status('g', { status: 'erroring', lastErrorName: null }),
    ].map((s) => [s.userId, s]),
  );
  const rows = buildRows([rosterEntry('a', 'Ada')], statuses);

  it('groups students whose latest run failed by error and cell, biggest group first', () => {
    const groups = groupErrors(rows);
    expect(groups.map((g) => [g.errorName, g.cellIndex, g.students.map((s) => s.userId)])).toEqual([
      ['NameError', 3, ['a', 'b', 'c']],
      ['NameError', 1, ['e']],
      ['TypeError', 5, ['d']],
    ]);
  });

  it('describes a group the way an instructor says it', () => {
    const [first, second] = groupErrors(rows);
    expect(first && describeGroup(first)).toBe('3 students hit NameError in cell 4 of intro.ipynb');
    expect(second && describeGroup(second)).toBe('1 student hit NameError in cell 2 of intro.ipynb');
  });
});

describe('latestAttempt', () => {
  const item = (overrides: Partial<TimelineItem>): TimelineItem => ({
    eventId: Math.random().toString(36),
    eventType: 'cell_execution_error',
    eventTime: '2025-03-03T10:00:00Z',
    notebookPath: 'week1/intro.ipynb',
    cellId: 'cell-3',
    executionCount: 1,
    code: 'print(x)',
    codeTruncated: false,
    hasError: true,
    errorName: 'NameError',
    errorMessage: "name 'x' is not defined",
    durationMs: 3,
    ...overrides,
  });
  const [group] = groupErrors(buildRows([], new Map([['a', failing('a', 'NameError', 3)]])));

  it("is the newest execution of the group's cell", () => {
    const items = [
      item({ cellId: 'cell-9', eventId: 'other' }),
      item({ eventId: 'mine' }),
      item({ eventId: 'older' }),
    ];
    expect(group && latestAttempt(items, group)?.eventId).toBe('mine');
  });

  it('falls back to the newest error of that name when the cell is not in the page', () => {
    const items = [item({ cellId: 'cell-9', eventId: 'x', errorName: 'NameError' })];
    expect(group && latestAttempt(items, group)?.eventId).toBe('x');
    expect(group && latestAttempt([], group)).toBeUndefined();
  });
});
