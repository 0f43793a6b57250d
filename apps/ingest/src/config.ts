import { baseConfigSchema, loadConfig } from '@cellstream/shared';
import { z } from 'zod';

const csv = (value: string) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);

const KiB = 1024;
const MiB = 1024 * KiB;
const EVENTS_TOPIC = 'learning.events.v1';

const positiveInt = () => z.coerce.number().int().positive();

/**
 * Ingest's settings: the shared ones plus its own, parsed once at start (see `.env.example`).
 * Sizes are bytes, durations milliseconds unless the name says seconds.
 */
export const ingestConfigSchema = baseConfigSchema.extend({
  INGEST_PORT: z.coerce.number().int().min(0).max(65_535).default(8000),
  INGEST_HOST: z.string().min(1).default('127.0.0.1'),
  /** Most events in one POST (CONTRACT.md: 100). */
  MAX_BATCH: positiveInt().default(100),
  /** Largest body once decompressed: what JSON.parse ever sees. */
  MAX_BODY_BYTES: positiveInt().default(2 * MiB),
  /** Largest body on the wire when it is gzip-compressed (plain bodies are bounded by MAX_BODY_BYTES). */
  MAX_COMPRESSED_BODY_BYTES: positiveInt().default(1 * MiB),
  /** lms-api: its JWKS and its list of revoked ingest tokens live under `/.well-known/`. */
  LMS_URL: z.url().default('http://127.0.0.1:8001'),
  /** Where the token keys are published; default `${LMS_URL}/.well-known/jwks.json`. */
  JWKS_URL: z.url().optional(),
  /** How often the revoked ingest tokens are fetched from lms-api. */
  REVOCATION_POLL_MS: positiveInt().default(30_000),
  /** Browser origins allowed to post (comma list); JupyterLab's default addresses out of the box. */
  INGEST_CORS_ORIGINS: z.string().default('http://localhost:8888,http://127.0.0.1:8888').transform(csv),
  /** Requests per user (token `sub`) and minute. */
  RATE_LIMIT_PER_MINUTE: positiveInt().default(600),
  /** How long a batch may wait for Kafka's acknowledgement before the answer is 503. */
  PRODUCE_TIMEOUT_MS: positiveInt().default(5_000),
  /** `Retry-After` of 503 answers, in seconds. */
  RETRY_AFTER_SECONDS: positiveInt().default(5),
  /**
   * The events topic: `learning.events.v1`, optionally with a prefix (`staging.learning.events.v1`)
   * that also prefixes its registry subject. Tests give each file a prefix of its own.
   */
  EVENTS_TOPIC: z
    .string()
    .default(EVENTS_TOPIC)
    .refine((value) => value.endsWith(EVENTS_TOPIC), {
      message: `must be ${EVENTS_TOPIC} or end with it (a prefix is allowed)`,
    }),
  /** Partitions of the events topic when ingest creates it (only ever increased). */
  TOPIC_PARTITIONS: positiveInt().default(6),
  /**
   * Upper bound of the Avro bytes in one Kafka produce request. Concurrent HTTP batches are
   * coalesced into one request up to this size; it stays under the broker's default
   * `message.max.bytes` (1 MiB) because one request may put every record in one partition.
   */
  PRODUCE_MAX_BYTES: positiveInt().default(900 * KiB),
  /**
   * Produce calls in flight at once. kafkajs still sends one request at a time per broker (the
   * idempotent producer's lock); a second call only has its records ready when the first ends.
   */
  PRODUCE_CONCURRENCY: positiveInt().max(8).default(1),
});

export type IngestConfig = z.infer<typeof ingestConfigSchema>;

export function loadIngestConfig(env: Record<string, string | undefined> = process.env): IngestConfig {
  return loadConfig(ingestConfigSchema, env);
}

/** The part of EVENTS_TOPIC before `learning.events.v1`: the serde's and ensureTopics' topic prefix. */
export function eventsTopicPrefix(config: Pick<IngestConfig, 'EVENTS_TOPIC'>): string {
  return config.EVENTS_TOPIC.slice(0, config.EVENTS_TOPIC.length - EVENTS_TOPIC.length);
}
