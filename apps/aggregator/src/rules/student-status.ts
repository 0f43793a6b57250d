import type { StudentState } from '@cellstream/schemas';
import { AggregatorError } from '../errors.js';
import type { ExecutionFacts } from './execution-history.js';
import type { RuleSettings } from './settings.js';

/** The statuses the aggregator writes (the schema's `unknown` is never written). */
export type Status = Exclude<StudentState, 'unknown'>;

/**
 * What can change a student's status:
 * - `execution_succeeded` / `execution_failed`: the student's own execution result, in event-time order;
 * - `activity`: any other event of the student, in order;
 * - `clock`: the class's event time moved on (another student's event);
 * - `reordered`: an event of the student that arrived out of event-time order (within the allowed
 *   lateness), after which the facts are folded again and any status may follow.
 */
export type StatusInput = 'execution_succeeded' | 'execution_failed' | 'activity' | 'clock' | 'reordered';

/**
 * The transition table: from each status, the statuses each input may lead to (staying put is
 * always allowed). The rules below pick the target; this table is the contract they must keep,
 * checked on every change, so a rule change that opens an unexpected path fails loudly in tests.
 */
export const statusTransitions: Record<Status, Record<StatusInput, readonly Status[]>> = {
  active: {
    execution_succeeded: [],
    execution_failed: ['erroring', 'stuck'],
    activity: [],
    clock: ['idle'],
    reordered: ['erroring', 'stuck', 'idle'],
  },
  erroring: {
    execution_succeeded: ['active'],
    execution_failed: ['stuck'],
    activity: [],
    clock: ['idle'],
    reordered: ['active', 'stuck', 'idle'],
  },
  stuck: {
    execution_succeeded: ['active'],
    // A failure on another cell ends a same-cell run; below the consecutive threshold that is erroring.
    execution_failed: ['erroring'],
    activity: [],
    clock: ['idle'],
    reordered: ['active', 'erroring', 'idle'],
  },
  idle: {
    execution_succeeded: ['active'],
    execution_failed: ['erroring', 'stuck'],
    activity: ['active', 'erroring', 'stuck'],
    clock: [],
    reordered: ['active', 'erroring', 'stuck'],
  },
};

/** Why a student is stuck, for the alert; null when not stuck. */
export type StuckReason = 'consecutive_errors' | 'failing_duration';

export function stuckReason(facts: ExecutionFacts, rules: RuleSettings): StuckReason | null {
  if (!facts.lastFailed) return null;
  if (facts.consecutiveErrors >= rules.stuckConsecutiveErrors) return 'consecutive_errors';
  if (
    facts.runCell !== null &&
    facts.runStart !== null &&
    facts.runEnd !== null &&
    facts.runEnd - facts.runStart >= rules.stuckFailingMs
  ) {
    return 'failing_duration';
  }
  return null;
}

/**
 * The status the rules give (StudentState's doc in StudentStatus.avsc), most specific first:
 * idle when the student's latest event is older than the class clock minus `idleAfterMs`; else
 * stuck (N consecutive failures, or failing on the same cell for `stuckFailingMs`); else erroring
 * when the latest execution failed; else active.
 */
export function decideStatus(
  lastEventTime: number,
  facts: ExecutionFacts,
  classClock: number,
  rules: RuleSettings,
): Status {
  if (lastEventTime < classClock - rules.idleAfterMs) return 'idle';
  if (stuckReason(facts, rules) !== null) return 'stuck';
  if (facts.lastFailed) return 'erroring';
  return 'active';
}

/** Checks `from → to` against the table for `input`; returns `to`. */
export function transition(from: Status, input: StatusInput, to: Status): Status {
  if (from === to || statusTransitions[from][input].includes(to)) return to;
  throw new AggregatorError(
    'AGG_INVALID_TRANSITION',
    `A student cannot go from ${from} to ${to} on ${input}`,
    {
      context: { from, to, input },
    },
  );
}
