import { topics } from '@cellstream/schemas';
import { baseConfigSchema, loadConfig } from '@cellstream/shared';
import { z } from 'zod';

const positiveInt = () => z.coerce.number().int().positive();

/** A topic name that is the contract's name, optionally behind a prefix (tests, staging). */
const topicName = (base: string) =>
  z
    .string()
    .min(1)
    .optional()
    .refine((value) => value === undefined || value.endsWith(base), {
      message: `must be ${base} or end with it (a prefix is allowed)`,
    });

export const sinkNames = ['pg', 'influx'] as const;
export type SinkName = (typeof sinkNames)[number];

const sinkList = z
  .string()
  .default('pg,influx')
  .transform((value, context) => {
    const names = [
      ...new Set(
        value
          .split(',')
          .map((name) => name.trim())
          .filter(Boolean),
      ),
    ];
    const unknown = names.filter((name) => !(sinkNames as readonly string[]).includes(name));
    if (unknown.length > 0 || names.length === 0) {
      context.addIssue({
        code: 'custom',
        message: `must list one or both of ${sinkNames.join(', ')} (got "${value}")`,
      });
      return z.NEVER;
    }
    return names as SinkName[];
  });

const flag = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0'])
    .default(fallback ? 'true' : 'false')
    .transform((value) => value === 'true' || value === '1');

/**
 * The persister's settings: the shared ones plus its own, parsed once at start (README.md lists
 * each). Durations are milliseconds, sizes bytes. Topic names default to the contract's names
 * behind TOPIC_PREFIX; group ids to the contract's `persister-pg` and `persister-influx`.
 */
export const persisterConfigSchema = baseConfigSchema
  .extend({
    PERSISTER_PORT: z.coerce.number().int().min(0).max(65_535).default(8003),
    PERSISTER_HOST: z.string().min(1).default('127.0.0.1'),
    /** Which consumer groups this process runs: `pg`, `influx` or both. */
    PERSISTER_SINKS: sinkList,
    PERSISTER_PG_GROUP_ID: z.string().min(1).default('persister-pg'),
    PERSISTER_INFLUX_GROUP_ID: z.string().min(1).default('persister-influx'),
    /** Apply the database migrations at start (idempotent, under lms-api's advisory lock). */
    PERSISTER_RUN_MIGRATIONS: flag(true),
    /** Create the input and DLQ topics when missing (idempotent; never shrinks anything). */
    PERSISTER_ENSURE_TOPICS: flag(true),

    TOPIC_PREFIX: z.string().default(''),
    EVENTS_TOPIC: topicName(topics.learningEvents.name),
    EVENTS_DLQ_TOPIC: topicName(topics.eventsDlq.name),
    /** Partitions of the topics when the persister creates them. */
    TOPIC_PARTITIONS: positiveInt().default(6),

    CONSUMER_SESSION_TIMEOUT_MS: positiveInt().default(30_000),
    CONSUMER_HEARTBEAT_INTERVAL_MS: positiveInt().default(3_000),
    /** Longest a fetch waits for data; data is returned as soon as there is some. */
    CONSUMER_MAX_WAIT_MS: positiveInt().default(500),
    /** Upper bound of one fetch response (all partitions of one broker). */
    CONSUMER_MAX_BYTES: positiveInt().default(64 * 1_048_576),
    /** Upper bound of one partition's share of a fetch: roughly the size of one batch. */
    CONSUMER_MAX_BYTES_PER_PARTITION: positiveInt().default(4 * 1_048_576),
    /** kafkajs consumers (group members) per group in this process: each fetches on its own. */
    CONSUMERS_PER_GROUP: positiveInt().default(3),
    /** Batches of this many partitions are written at once, per member. */
    CONSUMER_PARTITIONS_CONCURRENTLY: positiveInt().default(2),

    /** Connections of the PostgreSQL pool (default: one per concurrent batch, plus one). */
    PG_POOL_SIZE: positiveInt().optional(),
    PG_CONNECT_TIMEOUT_MS: positiveInt().default(5_000),
    /** Server-side limit of one statement. */
    PG_STATEMENT_TIMEOUT_MS: positiveInt().default(60_000),
    /** Client-side limit of one query: a connection that went silent (network) fails after this. */
    PG_QUERY_TIMEOUT_MS: positiveInt().default(90_000),

    /** Points per InfluxDB write request (a Kafka batch is written in requests of this size). */
    INFLUX_BATCH_POINTS: positiveInt().default(5_000),
    INFLUX_WRITE_TIMEOUT_MS: positiveInt().default(30_000),
    /** Bodies larger than this are gzipped (0: always; a very large value: never). */
    INFLUX_GZIP_THRESHOLD: z.coerce.number().int().min(0).default(1_000_000_000),

    /** Back-off of a transient failure: full jitter between 0 and min(max, initial * 2^attempt). */
    RETRY_INITIAL_DELAY_MS: positiveInt().default(250),
    RETRY_MAX_DELAY_MS: positiveInt().default(10_000),
    /** How often /metrics' consumer lag is refreshed from the committed offsets. */
    LAG_POLL_INTERVAL_MS: positiveInt().default(5_000),
  })
  .transform((config) => ({
    ...config,
    EVENTS_TOPIC: config.EVENTS_TOPIC ?? `${config.TOPIC_PREFIX}${topics.learningEvents.name}`,
    EVENTS_DLQ_TOPIC: config.EVENTS_DLQ_TOPIC ?? `${config.TOPIC_PREFIX}${topics.eventsDlq.name}`,
    PG_POOL_SIZE:
      config.PG_POOL_SIZE ?? config.CONSUMERS_PER_GROUP * config.CONSUMER_PARTITIONS_CONCURRENTLY + 1,
  }));

export type PersisterConfig = z.infer<typeof persisterConfigSchema>;

export function loadPersisterConfig(env: Record<string, string | undefined> = process.env): PersisterConfig {
  return loadConfig(persisterConfigSchema, env);
}

/** The part of `name` before the contract's topic name `base`: the serde's topic prefix. */
export function prefixOf(name: string, base: string): string {
  return name.slice(0, name.length - base.length);
}
