/**
 * The thresholds of the aggregation and status rules (README.md, "Rules"). Window lengths are
 * fixed by the ClassAggregate schema (its fields say "last minute" and "last 5 minutes"); the
 * rest comes from the environment.
 */
export interface RuleSettings {
  /** Events older than the class clock minus this count in cumulative totals only. */
  allowedLatenessMs: number;
  /** Event times are capped at receivedAt plus this, so a clock running ahead cannot move a class forward. */
  maxClockSkewMs: number;
  /** No event for longer than this (class event time) makes a student idle. */
  idleAfterMs: number;
  /** This many consecutive failed executions make a student stuck. */
  stuckConsecutiveErrors: number;
  /** Failing on the same cell without a success for this long makes a student stuck. */
  stuckFailingMs: number;
  maxCellsPerClass: number;
  maxErrorNamesPerClass: number;
  /** This many distinct students failing on one cell, or with one errorName, within the window make an error burst (0: off). */
  errorBurstMinStudents: number;
  /** The error-burst window, in event time. */
  errorBurstWindowMs: number;
}

/** ClassAggregate.executionsLastMinute / errorsLastMinute: [windowEnd - 60 s, windowEnd]. */
export const MINUTE_WINDOW_MS = 60_000;
/** ClassAggregate.activeStudents / medianExecutionMs: [windowEnd - 5 min, windowEnd]. */
export const ACTIVITY_WINDOW_MS = 300_000;
/** ClassAggregate.topErrors lists at most this many. */
export const TOP_ERRORS = 10;

export const defaultRuleSettings: RuleSettings = {
  allowedLatenessMs: 60_000,
  maxClockSkewMs: 60_000,
  idleAfterMs: 300_000,
  stuckConsecutiveErrors: 3,
  stuckFailingMs: 300_000,
  maxCellsPerClass: 1_000,
  maxErrorNamesPerClass: 500,
  errorBurstMinStudents: 5,
  errorBurstWindowMs: 60_000,
};
