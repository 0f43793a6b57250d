import { describe, expect, it } from 'vitest';
import { ExecutionHistory, foldExecution, noExecutions } from '../../src/rules/execution-history.js';
import { defaultRuleSettings } from '../../src/rules/settings.js';
import {
  decideStatus,
  type Status,
  type StatusInput,
  statusTransitions,
  stuckReason,
  transition,
} from '../../src/rules/student-status.js';
import { MINUTE, SECOND, T0 } from '../support/events.js';

const rules = defaultRuleSettings;

describe('student status rules', () => {
  it('is idle when the latest event is more than 5 minutes behind the class clock (inclusive window)', () => {
    expect(decideStatus(T0, noExecutions, T0 + 5 * MINUTE, rules)).toBe('active');
    expect(decideStatus(T0, noExecutions, T0 + 5 * MINUTE + 1, rules)).toBe('idle');
  });

  it('is erroring after a failure, stuck after 3 in a row, active after a success', () => {
    let facts = noExecutions;
    facts = foldExecution(facts, [T0, 1, 'a']);
    expect(decideStatus(T0, facts, T0, rules)).toBe('erroring');
    facts = foldExecution(facts, [T0 + 1, 1, 'b']);
    expect(decideStatus(T0, facts, T0, rules)).toBe('erroring');
    facts = foldExecution(facts, [T0 + 2, 1, 'c']);
    expect(facts.consecutiveErrors).toBe(3);
    expect(stuckReason(facts, rules)).toBe('consecutive_errors');
    facts = foldExecution(facts, [T0 + 3, 0, null]);
    expect(facts.consecutiveErrors).toBe(0);
    expect(decideStatus(T0 + 3, facts, T0 + 3, rules)).toBe('active');
  });

  it('is stuck after failing on the same cell for 5 minutes without a success', () => {
    const lenient = { ...rules, stuckConsecutiveErrors: 10 };
    let facts = foldExecution(noExecutions, [T0, 1, 'a']);
    facts = foldExecution(facts, [T0 + 5 * MINUTE - 1, 1, 'a']);
    expect(stuckReason(facts, lenient)).toBeNull();
    facts = foldExecution(facts, [T0 + 5 * MINUTE, 1, 'a']);
    expect(stuckReason(facts, lenient)).toBe('failing_duration');
    // A failure on another cell starts a new run.
    facts = foldExecution(facts, [T0 + 6 * MINUTE, 1, 'b']);
    expect(stuckReason(facts, lenient)).toBeNull();
  });

  it('refuses transitions outside the table', () => {
    expect(transition('active', 'execution_failed', 'stuck')).toBe('stuck');
    expect(transition('idle', 'clock', 'idle')).toBe('idle');
    expect(() => transition('active', 'execution_succeeded', 'idle')).toThrow(
      /cannot go from active to idle/,
    );
    expect(() => transition('idle', 'clock', 'active')).toThrow(
      expect.objectContaining({ code: 'AGG_INVALID_TRANSITION' }),
    );
  });

  it('has a table that only goes into idle on the clock (or a reordering) and out of it on the student own events', () => {
    const states = Object.keys(statusTransitions) as Status[];
    for (const from of states) {
      for (const [input, targets] of Object.entries(statusTransitions[from]) as [StatusInput, Status[]][]) {
        if (targets.includes('idle')) expect(['clock', 'reordered']).toContain(input);
        if (from === 'idle' && targets.length > 0) expect(input).not.toBe('clock');
        expect(targets).not.toContain(from);
      }
    }
  });
});

describe('ExecutionHistory (out-of-order within the allowed lateness)', () => {
  it('folds a late success into its place: the errors after it are the consecutive ones', () => {
    const history = new ExecutionHistory();
    history.add([T0, 1, 'a']);
    history.add([T0 + 20 * SECOND, 1, 'a']);
    history.add([T0 + 30 * SECOND, 1, 'a']);
    expect(history.current.consecutiveErrors).toBe(3);
    expect(history.add([T0 + 10 * SECOND, 0, null])).toBe(false);
    expect(history.current.consecutiveErrors).toBe(2);
    expect(history.current.lastFailed).toBe(true);
  });

  it('keeps a late failure from counting after a later success', () => {
    const history = new ExecutionHistory();
    history.add([T0 + 10 * SECOND, 0, null]);
    history.add([T0 + 5 * SECOND, 1, 'a']);
    expect(history.current).toMatchObject({
      consecutiveErrors: 0,
      lastFailed: false,
      lastTime: T0 + 10 * SECOND,
    });
  });

  it('settles entries behind the watermark without changing the facts', () => {
    const history = new ExecutionHistory();
    history.add([T0, 1, 'a']);
    history.add([T0 + MINUTE, 1, 'a']);
    const before = history.current;
    history.settle(T0 + 30 * SECOND);
    expect(history.recent).toHaveLength(1);
    expect(history.settled.consecutiveErrors).toBe(1);
    expect(history.current).toEqual(before);
    expect(new ExecutionHistory(history.settled, history.recent).current).toEqual(before);
  });
});
