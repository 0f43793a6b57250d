import { describe, expect, it } from 'vitest';
import { aggregate, alert, status, T0 } from '../testing/fixtures';
import { countsAt, minuteOf } from './activity';
import { applyActions, type ClassAction, initialClassState, MAX_ALERTS } from './class-state';

const snapshot = (): ClassAction => ({
  type: 'snapshot',
  classId: '7',
  aggregate: aggregate({ totalExecutions: 10, totalErrors: 2 }),
  students: [status('ada'), status('bob', { status: 'idle' })],
  alerts: [alert('a1')],
});

describe('applyActions', () => {
  it('takes the whole state from a snapshot', () => {
    const state = applyActions(initialClassState('7'), [snapshot()], T0);
    expect(state.snapshots).toBe(1);
    expect(state.aggregate?.totalExecutions).toBe(10);
    expect([...state.students.keys()]).toEqual(['ada', 'bob']);
    expect(state.alerts.map((a) => a.alertId)).toEqual(['a1']);
    expect(state.lastUpdateAt).toBe(T0);
  });

  it('replaces the students on a later snapshot (a reconnect), dropping those it does not list', () => {
    const first = applyActions(initialClassState('7'), [snapshot()], T0);
    const second = applyActions(first, [{ ...snapshot(), students: [status('bob')] } as ClassAction], T0);
    expect([...second.students.keys()]).toEqual(['bob']);
    expect(second.snapshots).toBe(2);
  });

  it('applies student updates and aggregates in order, in one batch', () => {
    const start = applyActions(initialClassState('7'), [snapshot()], T0);
    const next = applyActions(
      start,
      [
        { type: 'student_status', ...status('ada', { status: 'erroring', updatedAt: T0 + 1 }) },
        { type: 'student_status', ...status('ada', { status: 'stuck', updatedAt: T0 + 2 }) },
        { type: 'student_status', ...status('cy', { updatedAt: T0 + 2 }) },
        { type: 'class_aggregate', ...aggregate({ totalExecutions: 12, updatedAt: T0 + 3 }) },
      ],
      T0 + 5,
    );
    expect(next.students.get('ada')?.status).toBe('stuck');
    expect(next.students.get('cy')).toBeDefined();
    expect(next.aggregate?.totalExecutions).toBe(12);
    expect(next.aggregate).not.toHaveProperty('type');
    expect(next.students.get('ada')).not.toHaveProperty('type');
    // The previous state is untouched (the reducer is pure).
    expect(start.students.get('ada')?.status).toBe('active');
  });

  it('ignores updates older than what it holds', () => {
    const start = applyActions(initialClassState('7'), [snapshot()], T0);
    const next = applyActions(
      start,
      [
        { type: 'student_status', ...status('ada', { status: 'idle', updatedAt: T0 - 1 }) },
        { type: 'class_aggregate', ...aggregate({ totalExecutions: 1, updatedAt: T0 - 1 }) },
      ],
      T0,
    );
    expect(next.students.get('ada')?.status).toBe('active');
    expect(next.aggregate?.totalExecutions).toBe(10);
  });

  it('ignores messages about another class', () => {
    const start = applyActions(initialClassState('7'), [snapshot()], T0);
    const next = applyActions(start, [{ type: 'student_status', ...status('zed', { classId: '8' }) }], T0);
    expect(next).toBe(start);
  });

  it('deduplicates alerts on alertId and keeps the newest first, at most MAX_ALERTS', () => {
    const start = applyActions(initialClassState('7'), [snapshot()], T0);
    const next = applyActions(
      start,
      [
        { type: 'alert', ...alert('a1') },
        { type: 'alert', ...alert('a2', { raisedAt: T0 + 10 }) },
      ],
      T0,
    );
    expect(next.alerts.map((a) => a.alertId)).toEqual(['a2', 'a1']);
    const many = applyActions(
      next,
      Array.from({ length: MAX_ALERTS + 5 }, (_, i) => ({
        type: 'alert' as const,
        ...alert(`m${i}`, { raisedAt: T0 + 100 + i }),
      })),
      T0,
    );
    expect(many.alerts).toHaveLength(MAX_ALERTS);
    expect(many.alerts[0]?.alertId).toBe(`m${MAX_ALERTS + 4}`);
  });

  it('adds the executions and errors between two aggregates to the minute of the newer one', () => {
    const now = T0;
    const start = applyActions(initialClassState('7'), [snapshot()], now);
    const next = applyActions(
      start,
      [
        {
          type: 'class_aggregate',
          ...aggregate({ totalExecutions: 13, totalErrors: 3, updatedAt: T0 + 1, windowEnd: T0 + 90_000 }),
        },
        {
          type: 'class_aggregate',
          ...aggregate({ totalExecutions: 14, totalErrors: 3, updatedAt: T0 + 2, windowEnd: T0 + 100_000 }),
        },
      ],
      now,
    );
    expect(countsAt(next.activity, minuteOf(T0 + 90_000))).toEqual({ executions: 4, errors: 1 });
    // The snapshot's own totals are history, not live activity.
    expect(countsAt(start.activity, minuteOf(T0))).toBeUndefined();
  });

  it('counts the first aggregate of a class that had none in its snapshot as new activity', () => {
    const empty = applyActions(
      initialClassState('7'),
      [{ ...snapshot(), aggregate: null } as ClassAction],
      T0,
    );
    const next = applyActions(
      empty,
      [{ type: 'class_aggregate', ...aggregate({ totalExecutions: 3, totalErrors: 1, windowEnd: T0 }) }],
      T0,
    );
    expect(countsAt(next.activity, minuteOf(T0))).toEqual({ executions: 3, errors: 1 });
  });

  it('shows the seed for the minutes before the page started watching', () => {
    const now = T0 + 10 * 60_000;
    const seeded = applyActions(
      initialClassState('7'),
      [
        snapshot(),
        {
          type: 'activity_seed',
          buckets: [{ time: new Date(minuteOf(T0)).toISOString(), executions: 7, errors: 2 }],
        },
      ],
      now,
    );
    expect(countsAt(seeded.activity, minuteOf(T0))).toEqual({ executions: 7, errors: 2 });
  });

  it('copies the student map once per batch however many updates it holds', () => {
    const start = applyActions(initialClassState('7'), [snapshot()], T0);
    const updates = Array.from({ length: 500 }, (_, i) => ({
      type: 'student_status' as const,
      ...status(`s${i}`, { updatedAt: T0 + 1 }),
    }));
    const next = applyActions(start, updates, T0);
    expect(next.students.size).toBe(502);
    expect(start.students.size).toBe(2);
  });
});
