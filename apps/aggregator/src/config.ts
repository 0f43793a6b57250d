import { topics } from '@cellstream/schemas';
import { baseConfigSchema, loadConfig } from '@cellstream/shared';
import { z } from 'zod';
import type { RuleSettings } from './rules/settings.js';

const positiveInt = () => z.coerce.number().int().positive();
const nonNegativeInt = () => z.coerce.number().int().min(0);

/** A topic name that is the contract's name, optionally with a prefix (the registry subject gets it too). */
const topicName = (base: string) =>
  z
    .string()
    .min(1)
    .optional()
    .refine((value) => value === undefined || value.endsWith(base), {
      message: `must be ${base} or end with it (a prefix is allowed)`,
    });

/**
 * The aggregator's settings: the shared ones plus its own, parsed once at start (see README.md).
 * Durations are milliseconds. Topic names default to the contract's names behind TOPIC_PREFIX.
 */
export const aggregatorConfigSchema = baseConfigSchema
  .extend({
    AGGREGATOR_PORT: z.coerce.number().int().min(0).max(65_535).default(8004),
    AGGREGATOR_HOST: z.string().min(1).default('127.0.0.1'),
    /** Consumer group of the aggregator; also names its changelog and transactional ids by default. */
    AGGREGATOR_GROUP_ID: z.string().min(1).default('aggregator'),
    /** Prepended to every topic name that is not set explicitly (tests and staging). */
    TOPIC_PREFIX: z.string().default(''),
    EVENTS_TOPIC: topicName(topics.learningEvents.name),
    CLASS_AGGREGATES_TOPIC: topicName(topics.classAggregates.name),
    STUDENT_STATUS_TOPIC: topicName(topics.studentStatus.name),
    ALERTS_TOPIC: topicName(topics.alerts.name),
    EVENTS_DLQ_TOPIC: topicName(topics.eventsDlq.name),
    /** The compacted changelog of the aggregator's state; default `<TOPIC_PREFIX><group>.state.v1`. */
    AGGREGATOR_STATE_TOPIC: z.string().min(1).optional(),
    /** Transactional ids are `<prefix>-<events topic>-<partition>`; default the group id. */
    AGGREGATOR_TRANSACTIONAL_ID_PREFIX: z.string().min(1).optional(),
    /** Partitions of the topics when the aggregator creates them (only ever increased). */
    TOPIC_PARTITIONS: positiveInt().default(6),

    /** A class's aggregate and its students' statuses are produced at most this often. */
    EMIT_INTERVAL_MS: positiveInt().default(250),
    /** Commit early (before EMIT_INTERVAL_MS) once a partition has processed this many uncommitted events. */
    COMMIT_MAX_EVENTS: positiveInt().default(50_000),
    /** A partition this many records behind the end of its input is catching up... */
    CATCH_UP_LAG: positiveInt().default(5_000),
    /** ...and commits (and emits) every this many milliseconds instead of every EMIT_INTERVAL_MS. */
    CATCH_UP_COMMIT_INTERVAL_MS: positiveInt().default(5_000),
    /** Events older than the class's latest event time minus this count in totals only. */
    ALLOWED_LATENESS_MS: nonNegativeInt().default(60_000),
    /** Event times further ahead of ingest's receivedAt than this are capped (browser clocks running ahead). */
    MAX_CLOCK_SKEW_MS: nonNegativeInt().default(60_000),
    /** A student with no event for this long (class event time) is idle. */
    IDLE_AFTER_MS: positiveInt().default(300_000),
    /** A student with this many consecutive failed executions is stuck. */
    STUCK_CONSECUTIVE_ERRORS: positiveInt().default(3),
    /** A student failing on the same cell, without a success, for this long is stuck. */
    STUCK_FAILING_MS: positiveInt().default(300_000),
    /** An error burst: at least this many distinct students failing on one cell, or with one errorName... (0: no error-burst alerts) */
    ERROR_BURST_MIN_STUDENTS: nonNegativeInt().default(5),
    /** ...within this much event time. */
    ERROR_BURST_WINDOW_MS: positiveInt().default(60_000),
    /** Per-cell progress is kept for at most this many cells per class. */
    MAX_CELLS_PER_CLASS: positiveInt().default(1_000),
    /** Error counts are kept for at most this many distinct error names per class. */
    MAX_ERROR_NAMES_PER_CLASS: positiveInt().default(500),
    /** Event ids remembered per input partition for deduplication (count bound). */
    DEDUP_MAX_IDS: positiveInt().default(200_000),
    /** How long an event id is remembered, by Kafka record timestamp (time bound). */
    DEDUP_RETENTION_MS: positiveInt().default(3_600_000),

    /** Consumer session timeout; a dead instance's partitions move after this long. */
    CONSUMER_SESSION_TIMEOUT_MS: positiveInt().default(30_000),
    CONSUMER_HEARTBEAT_INTERVAL_MS: positiveInt().default(3_000),
    /** Longest a fetch waits for data; data is returned as soon as it arrives. */
    CONSUMER_MAX_WAIT_MS: positiveInt().default(100),
    CONSUMER_MAX_BYTES_PER_PARTITION: positiveInt().default(1_048_576),
    TRANSACTION_TIMEOUT_MS: positiveInt().default(60_000),
  })
  // An on-time event must never find its own student idle (the status transition table relies on it).
  .refine((config) => config.ALLOWED_LATENESS_MS <= config.IDLE_AFTER_MS, {
    message: 'must not exceed IDLE_AFTER_MS',
    path: ['ALLOWED_LATENESS_MS'],
  })
  .transform((config) => {
    const prefix = config.TOPIC_PREFIX;
    return {
      ...config,
      EVENTS_TOPIC: config.EVENTS_TOPIC ?? `${prefix}${topics.learningEvents.name}`,
      CLASS_AGGREGATES_TOPIC: config.CLASS_AGGREGATES_TOPIC ?? `${prefix}${topics.classAggregates.name}`,
      STUDENT_STATUS_TOPIC: config.STUDENT_STATUS_TOPIC ?? `${prefix}${topics.studentStatus.name}`,
      ALERTS_TOPIC: config.ALERTS_TOPIC ?? `${prefix}${topics.alerts.name}`,
      EVENTS_DLQ_TOPIC: config.EVENTS_DLQ_TOPIC ?? `${prefix}${topics.eventsDlq.name}`,
      AGGREGATOR_STATE_TOPIC:
        config.AGGREGATOR_STATE_TOPIC ?? `${prefix}${config.AGGREGATOR_GROUP_ID}.state.v1`,
      AGGREGATOR_TRANSACTIONAL_ID_PREFIX:
        config.AGGREGATOR_TRANSACTIONAL_ID_PREFIX ?? config.AGGREGATOR_GROUP_ID,
    };
  });

export type AggregatorConfig = z.infer<typeof aggregatorConfigSchema>;

export function loadAggregatorConfig(
  env: Record<string, string | undefined> = process.env,
): AggregatorConfig {
  return loadConfig(aggregatorConfigSchema, env);
}

/** The part of `name` before the contract's topic name `base`: the serde's topic prefix. */
export function prefixOf(name: string, base: string): string {
  return name.slice(0, name.length - base.length);
}

export function ruleSettings(config: AggregatorConfig): RuleSettings {
  return {
    allowedLatenessMs: config.ALLOWED_LATENESS_MS,
    maxClockSkewMs: config.MAX_CLOCK_SKEW_MS,
    idleAfterMs: config.IDLE_AFTER_MS,
    stuckConsecutiveErrors: config.STUCK_CONSECUTIVE_ERRORS,
    stuckFailingMs: config.STUCK_FAILING_MS,
    maxCellsPerClass: config.MAX_CELLS_PER_CLASS,
    maxErrorNamesPerClass: config.MAX_ERROR_NAMES_PER_CLASS,
    errorBurstMinStudents: config.ERROR_BURST_MIN_STUDENTS,
    errorBurstWindowMs: config.ERROR_BURST_WINDOW_MS,
  };
}
