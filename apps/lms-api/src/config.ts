import { topics } from '@cellstream/schemas';
import { baseConfigSchema, loadConfig } from '@cellstream/shared';
import { z } from 'zod';

const NOTIFICATIONS_TOPIC = topics.notifications.name;
const positiveInt = () => z.coerce.number().int().positive();

const csv = (value: string) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);

/** lms-api's settings: the shared ones plus its own, each documented in `.env.example`. */
export const lmsConfigSchema = baseConfigSchema.extend({
  LMS_PORT: z.coerce.number().int().min(0).max(65_535).default(8001),
  LMS_HOST: z.string().default('127.0.0.1'),
  /** The first admin, created at start when no user of that name exists. */
  ADMIN_USERNAME: z.string().min(1).default('admin'),
  /** The local stack's default only: set a real one anywhere else. */
  ADMIN_PASSWORD: z.string().min(8).default('cellstream-admin'),
  /** Lifetime of the session tokens `POST /auth/login` issues. */
  TOKEN_TTL_SECONDS: z.coerce
    .number()
    .int()
    .positive()
    .default(8 * 3600),
  /** Lifetime of ingest tokens; retired signing keys stay published this long. */
  INGEST_TOKEN_TTL_DAYS: z.coerce.number().int().positive().max(3650).default(180),
  /** Origins allowed to call the API from a browser (comma list); empty: same origin only. */
  CORS_ORIGINS: z.string().default('').transform(csv),
  /**
   * Seals the private signing keys in PostgreSQL (AES-256-GCM, key derived by HKDF): a copy of
   * the database then cannot mint tokens. Empty: stored as plain JWKs (the local stack's
   * default). Once set, keep it: sealed keys do not open without it. At least 32 characters.
   */
  SIGNING_KEY_SECRET: z
    .string()
    .default('')
    .refine((value) => value === '' || value.length >= 32, { message: 'must be at least 32 characters' }),
  /**
   * Behind a load balancer: which proxies' X-Forwarded-For to believe for the client address
   * (the login limit counts per address). Empty: none, the peer is the client. `true`: any;
   * else a comma list of the proxies' addresses or CIDRs (Fastify's trustProxy).
   */
  TRUST_PROXY: z
    .string()
    .default('')
    .transform((value): boolean | string[] => {
      const trimmed = value.trim();
      if (trimmed === '' || trimmed === 'false') return false;
      if (trimmed === 'true') return true;
      return csv(trimmed);
    }),
  /** Logins allowed per client address and minute (counted in PostgreSQL, for all instances). */
  LOGIN_RATE_LIMIT: z.coerce.number().int().positive().default(10),
  /** Creates the demo instructor, class and students at start (used by `npm start`). */
  SEED_DEMO: z
    .enum(['true', 'false', '1', '0', ''])
    .default('false')
    .transform((value) => value === 'true' || value === '1'),
  /** Largest request body, in bytes. */
  LMS_BODY_LIMIT: z.coerce
    .number()
    .int()
    .positive()
    .default(2 * 1024 * 1024),

  /** Run the relay that publishes the notification outbox to Kafka (off: rows wait in the outbox). */
  NOTIFICATION_RELAY_ENABLED: z
    .enum(['true', 'false', '1', '0'])
    .default('true')
    .transform((value) => value === 'true' || value === '1'),
  /**
   * The notifications topic: `learning.notifications.v1`, optionally behind a prefix that also
   * prefixes its registry subject. Tests give each file a prefix of its own.
   */
  NOTIFICATIONS_TOPIC: z
    .string()
    .default(NOTIFICATIONS_TOPIC)
    .refine((value) => value.endsWith(NOTIFICATIONS_TOPIC), {
      message: `must be ${NOTIFICATIONS_TOPIC} or end with it (a prefix is allowed)`,
    }),
  /** Partitions of the notifications topic when lms-api creates it (only ever increased). */
  TOPIC_PARTITIONS: positiveInt().default(6),
  /** The relay looks at the outbox this often even without a PostgreSQL NOTIFY (the fallback). */
  NOTIFICATION_POLL_INTERVAL_MS: positiveInt().default(1_000),
  /** Outbox rows published in one Kafka request. */
  NOTIFICATION_BATCH_SIZE: positiveInt().max(1_000).default(100),
  /** How long one publish may wait for Kafka's acknowledgement before it is retried. */
  NOTIFICATION_SEND_TIMEOUT_MS: positiveInt().default(5_000),
  /** Back-off between failed publishes: full jitter from 0 up to min(max, initial * 2^attempt). */
  NOTIFICATION_RETRY_INITIAL_MS: positiveInt().default(250),
  NOTIFICATION_RETRY_MAX_MS: positiveInt().default(10_000),
});

export type LmsConfig = z.infer<typeof lmsConfigSchema>;

export function loadLmsConfig(env: Record<string, string | undefined> = process.env): LmsConfig {
  return loadConfig(lmsConfigSchema, env);
}

/** The part of NOTIFICATIONS_TOPIC before `learning.notifications.v1`: the serde's topic prefix. */
export function notificationsTopicPrefix(config: Pick<LmsConfig, 'NOTIFICATIONS_TOPIC'>): string {
  return config.NOTIFICATIONS_TOPIC.slice(0, config.NOTIFICATIONS_TOPIC.length - NOTIFICATIONS_TOPIC.length);
}
