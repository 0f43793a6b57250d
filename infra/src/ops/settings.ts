import { existsSync } from 'node:fs';
import { lmsJwksUrl, loadConfig } from '@cellstream/shared';
import { z } from 'zod';
import { loadStackSettings } from '../settings.js';

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/**
 * What the operations tools (doctor, lag, dlq) read besides the stack CLI's settings. Topic
 * names, consumer groups and JWKS_URL use the apps' own variables, so the tools see what the
 * apps see; the thresholds are the doctor's own (documented in .env.example).
 */
const opsSchema = z.object({
  /** Prepended to every topic and subject name, as the persister and aggregator do (tests). */
  TOPIC_PREFIX: z.string().default(''),
  PERSISTER_PG_GROUP_ID: z.string().min(1).default('persister-pg'),
  PERSISTER_INFLUX_GROUP_ID: z.string().min(1).default('persister-influx'),
  AGGREGATOR_GROUP_ID: z.string().min(1).default('aggregator'),
  LMS_URL: z.url().optional(),
  JWKS_URL: z.url().optional(),
  /** Each doctor check gives up after this long, so the doctor answers fast when things are down. */
  DOCTOR_TIMEOUT_MS: positiveInt(4_000),
  /** A consumer group further behind than this (records, summed over partitions) is a problem. */
  DOCTOR_MAX_LAG: positiveInt(10_000),
  /** Dead letters newer than this window count as DLQ growth... */
  DOCTOR_DLQ_WINDOW_MS: positiveInt(15 * 60_000),
  /** ...and more of them than this is a problem (0: any new dead letter is). */
  DOCTOR_DLQ_MAX_NEW: z.coerce.number().int().nonnegative().default(0),
  /** Median distance between event time and broker time above which clocks are called skewed. */
  DOCTOR_MAX_CLOCK_SKEW_MS: positiveInt(60_000),
  /** How often `npm run lag` refreshes. */
  LAG_REFRESH_MS: positiveInt(2_000),
  /** Records replayed per Kafka transaction. */
  DLQ_REPLAY_BATCH: positiveInt(500),
  /** The compacted topic that remembers which dead letters were replayed; default `<prefix>learning.events.dlq.replays.v1`. */
  DLQ_REPLAY_LEDGER_TOPIC: z.string().min(1).optional(),
});

export type OpsSettings = ReturnType<typeof loadOpsSettings>;

/** The apps a doctor checks, with the consumer groups each runs on learning.events.v1. */
export type AppName = 'lms-api' | 'ingest' | 'realtime' | 'persister' | 'aggregator';

export function loadOpsSettings(env: Record<string, string | undefined> = process.env) {
  const stack = loadStackSettings(env);
  const ops = loadConfig(opsSchema, env);
  const prefix = ops.TOPIC_PREFIX;
  const lmsUrl = (ops.LMS_URL ?? `http://127.0.0.1:${stack.LMS_PORT}`).replace(/\/+$/, '');
  const appPorts: Record<AppName, number> = {
    'lms-api': stack.LMS_PORT,
    ingest: stack.INGEST_PORT,
    realtime: stack.REALTIME_PORT,
    persister: stack.PERSISTER_PORT,
    aggregator: stack.AGGREGATOR_PORT,
  };
  return {
    ...stack,
    ...ops,
    lmsUrl,
    jwksUrl: lmsJwksUrl({ LMS_URL: lmsUrl, JWKS_URL: ops.JWKS_URL }),
    appPorts,
    topic: (name: string) => `${prefix}${name}`,
    ledgerTopic: ops.DLQ_REPLAY_LEDGER_TOPIC ?? `${prefix}learning.events.dlq.replays.v1`,
    /** Consumer groups of learning.events.v1 and the app that runs each. */
    eventGroups: [
      { group: ops.PERSISTER_PG_GROUP_ID, app: 'persister' as AppName },
      { group: ops.PERSISTER_INFLUX_GROUP_ID, app: 'persister' as AppName },
      { group: ops.AGGREGATOR_GROUP_ID, app: 'aggregator' as AppName },
    ],
  };
}

/** Reads the repository's .env like the stack CLI does: defaults only, the shell's variables win. */
export function loadDotEnv(repoRoot: string): void {
  const file = `${repoRoot}/.env`;
  if (!existsSync(file)) return;
  const before = { ...process.env };
  process.loadEnvFile(file);
  Object.assign(process.env, before);
}
