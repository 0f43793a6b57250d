import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { baseConfigSchema, loadConfig } from '@cellstream/shared';
import { z } from 'zod';

const port = (fallback: number) => z.coerce.number().int().min(1).max(65_535).default(fallback);

/** Everything the stack CLI reads from the environment (documented in .env.example). */
const stackSchema = baseConfigSchema.extend({
  CELLSTREAM_CACHE_DIR: z.string().default(join(homedir(), '.cache', 'cellstream')),
  CELLSTREAM_STATE_DIR: z.string().optional(),
  KAFKA_VERSION: z.string().default('3.9.1'),
  KAFKA_PORT: port(9092),
  KAFKA_CONTROLLER_PORT: port(9093),
  /**
   * Brokers of the local Kafka cluster (`up --brokers N` sets it). Unset: as many as the stack's
   * cluster was created with, else 1. With 3, topics get replication factor 3 and min.insync.replicas 2.
   */
  KAFKA_BROKER_COUNT: z.coerce.number().int().min(1).max(9).optional(),
  /** Broker n of a cluster listens on KAFKA_PORT + (n - 1) × this, its controller likewise. */
  KAFKA_PORT_STEP: z.coerce.number().int().min(2).default(10),
  KAFKA_HEAP: z.string().default('1G'),
  KAFKA_NUM_PARTITIONS: z.coerce.number().int().positive().default(6),
  TOPIC_PARTITIONS: z.coerce.number().int().positive().default(6),
  PG_PORT: port(5432),
  PG_DATA_DIR: z.string().optional(),
  INFLUX_VERSION: z.string().default('1.8.10'),
  INFLUX_PORT: port(8086),
  INFLUX_RPC_PORT: port(8088),
  REGISTRY_PORT: port(8081),
  INGEST_PORT: port(8000),
  LMS_PORT: port(8001),
  REALTIME_PORT: port(8002),
  PERSISTER_PORT: port(8003),
  AGGREGATOR_PORT: port(8004),
  SIMULATE: z
    .enum(['true', 'false', '1', '0'])
    .default('true')
    .transform((value) => value === 'true' || value === '1'),
  ADMIN_USERNAME: z.string().default('admin'),
  ADMIN_PASSWORD: z.string().default('cellstream-admin'),
  STACK_START_TIMEOUT_MS: z.coerce.number().int().positive().default(120_000),
});

export type StackSettings = ReturnType<typeof loadStackSettings>;

export function loadStackSettings(env: Record<string, string | undefined> = process.env) {
  const config = loadConfig(stackSchema, env);
  const cacheDir = config.CELLSTREAM_CACHE_DIR;
  const stateDir = config.CELLSTREAM_STATE_DIR ?? join(cacheDir, 'stack');
  // PostgreSQL refuses to run as root; its data must sit where the postgres user can reach it,
  // and /root is closed to that user.
  const runningAsRoot = process.getuid?.() === 0;
  const kafkaBrokerCount = config.KAFKA_BROKER_COUNT ?? createdBrokerCount(stateDir) ?? 1;
  // Clients of a cluster know every broker unless KAFKA_BROKERS says otherwise.
  const kafkaBrokers =
    env.KAFKA_BROKERS === undefined
      ? Array.from(
          { length: kafkaBrokerCount },
          (_, index) => `127.0.0.1:${config.KAFKA_PORT + index * config.KAFKA_PORT_STEP}`,
        )
      : config.KAFKA_BROKERS;
  const pgDataDir =
    config.PG_DATA_DIR ?? (runningAsRoot ? '/var/lib/cellstream/postgres' : join(stateDir, 'postgres'));
  return {
    ...config,
    KAFKA_BROKERS: kafkaBrokers,
    kafkaBrokerCount,
    cacheDir,
    stateDir,
    runningAsRoot,
    logDir: join(stateDir, 'logs'),
    runDir: join(stateDir, 'run'),
    pgDataDir,
    repoRoot: new URL('../../', import.meta.url).pathname.replace(/\/$/, ''),
  };
}

/** Where the stack remembers how many brokers its Kafka cluster was formatted with. */
export const brokerCountFile = (stateDir: string) => join(stateDir, 'kafka', 'broker-count');

function createdBrokerCount(stateDir: string): number | undefined {
  const file = brokerCountFile(stateDir);
  if (!existsSync(file)) return undefined;
  const count = Number.parseInt(readFileSync(file, 'utf8'), 10);
  return Number.isInteger(count) && count > 0 ? count : undefined;
}
