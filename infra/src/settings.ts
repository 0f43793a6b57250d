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
  const pgDataDir =
    config.PG_DATA_DIR ?? (runningAsRoot ? '/var/lib/cellstream/postgres' : join(stateDir, 'postgres'));
  return {
    ...config,
    cacheDir,
    stateDir,
    runningAsRoot,
    logDir: join(stateDir, 'logs'),
    runDir: join(stateDir, 'run'),
    pgDataDir,
    repoRoot: new URL('../../', import.meta.url).pathname.replace(/\/$/, ''),
  };
}
