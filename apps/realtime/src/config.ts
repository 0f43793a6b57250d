import { baseConfigSchema, loadConfig } from '@cellstream/shared';
import { z } from 'zod';

const KiB = 1024;
const MiB = 1024 * KiB;
const positiveInt = () => z.coerce.number().int().positive();
const topicName = (name: string) =>
  z
    .string()
    .regex(/^[a-zA-Z0-9._-]{1,249}$/, 'must be a Kafka topic name')
    .default(name);

/**
 * Realtime's settings: the shared ones plus its own, parsed once at start (see README.md).
 * Sizes are bytes, durations milliseconds unless the name says seconds.
 */
export const realtimeConfigSchema = baseConfigSchema.extend({
  REALTIME_PORT: z.coerce.number().int().min(0).max(65_535).default(8002),
  REALTIME_HOST: z.string().min(1).default('127.0.0.1'),
  /** lms-api, whose JWKS verifies the tokens. */
  LMS_URL: z.url().default('http://127.0.0.1:8001'),
  /** Where the token keys are published; default `${LMS_URL}/.well-known/jwks.json`. */
  JWKS_URL: z.url().optional(),
  /** The topics read; each may carry a prefix (tests and staging use their own). */
  CLASS_AGGREGATES_TOPIC: topicName('learning.class-aggregates.v1'),
  STUDENT_STATUS_TOPIC: topicName('learning.student-status.v1'),
  ALERTS_TOPIC: topicName('learning.alerts.v1'),
  NOTIFICATIONS_TOPIC: topicName('learning.notifications.v1'),
  /**
   * Prefix of this instance's consumer group. Each instance adds a random suffix: every instance
   * reads every partition (see README.md, "Instances").
   */
  REALTIME_GROUP_PREFIX: z.string().min(1).default('realtime'),
  /** How far back alerts are read at start, to fill the recent alerts of snapshots. */
  ALERT_LOOKBACK_MS: positiveInt().default(3 * 60 * 60_000),
  /** Alerts kept per class for snapshots. */
  ALERTS_PER_CLASS: z.coerce.number().int().min(0).default(50),
  /** How far back notifications are read at start, to fill the snapshots of students' channels. */
  NOTIFICATION_LOOKBACK_MS: positiveInt().default(7 * 24 * 60 * 60_000),
  /** Recent notifications kept per student for the snapshot of `notifications:<userId>`. */
  NOTIFICATIONS_PER_USER: z.coerce.number().int().min(0).default(20),
  /** Recent system messages kept per class for the snapshot of `broadcast:<classId>`. */
  SYSTEM_MESSAGES_PER_CLASS: z.coerce.number().int().min(0).default(20),
  /**
   * How often the revoked tokens are fetched from lms-api (`${LMS_URL}/.well-known/revoked-tokens`,
   * as ingest does): a revoked token is refused, and its connections closed, within this time.
   */
  REVOCATION_POLL_MS: positiveInt().default(30_000),
  /** A connection must authenticate within this time of opening. */
  AUTH_TIMEOUT_MS: positiveInt().default(10_000),
  /** Seconds without traffic before a socket is closed; uWS sends pings well before. 0 disables. */
  IDLE_TIMEOUT_SECONDS: z.coerce
    .number()
    .int()
    .min(0)
    .max(960)
    .refine((seconds) => seconds === 0 || seconds >= 8, { message: 'must be 0 or at least 8 (a uWS rule)' })
    .default(32),
  /** Largest client message (auth with a long token, subscribe, ...). */
  MAX_CLIENT_MESSAGE_BYTES: positiveInt().default(64 * KiB),
  /** Channel subscriptions per connection (an admin watching every class of a school fits). */
  MAX_SUBSCRIPTIONS: positiveInt().default(1_000),
  /**
   * Soft bound of a socket's send buffer: past it the client is "slow", stops receiving each
   * update as published and gets the latest per key instead when its socket drains.
   */
  SLOW_CLIENT_BUFFER_BYTES: positiveInt().default(512 * KiB),
  /** A client that stays slow this long is closed with 4008. */
  SLOW_CLIENT_TIMEOUT_MS: positiveInt().default(30_000),
  /** Alerts held for a slow client; older ones are dropped past it (counted in metrics). */
  SLOW_CLIENT_MAX_QUEUED_ALERTS: positiveInt().default(100),
  /**
   * uWS's hard limit of a socket's send buffer (maxBackpressure). Well above the soft bound, so
   * that in practice it is never reached; a client that does reach it is closed with 4008.
   */
  MAX_BACKPRESSURE_BYTES: positiveInt().default(8 * MiB),
});

export type RealtimeConfig = z.infer<typeof realtimeConfigSchema>;

export function loadRealtimeConfig(env: Record<string, string | undefined> = process.env): RealtimeConfig {
  return loadConfig(realtimeConfigSchema, env);
}
