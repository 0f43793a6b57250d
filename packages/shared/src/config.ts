import { z } from 'zod';
import { ConfigError } from './errors.js';

/**
 * Settings every service shares. Each app extends this with its own keys and
 * parses `process.env` once at start; nothing else reads the environment.
 * Defaults are the local stack's (CONTRACT.md); `.env.example` documents each.
 */
export const baseConfigSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  KAFKA_BROKERS: z
    .string()
    .default('127.0.0.1:9092')
    .transform((value) =>
      value
        .split(',')
        .map((broker) => broker.trim())
        .filter(Boolean),
    ),
  KAFKA_CLIENT_ID: z.string().default('cellstream'),
  SCHEMA_REGISTRY_URL: z.url().default('http://127.0.0.1:8081'),
  DATABASE_URL: z.string().default('postgres://cellstream:cellstream@127.0.0.1:5432/cellstream'),
  INFLUX_URL: z.url().default('http://127.0.0.1:8086'),
  INFLUX_TOKEN: z.string().default(''),
  INFLUX_ORG: z.string().default('cellstream'),
  INFLUX_BUCKET: z.string().default('progress_bucket'),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
});

export type BaseConfig = z.infer<typeof baseConfigSchema>;

/** Parses the environment against `schema`, failing fast with every problem listed. */
export function loadConfig<S extends z.ZodType>(
  schema: S,
  env: Record<string, string | undefined> = process.env,
): z.infer<S> {
  const result = schema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration. Fix these environment variables: ${problems.join('; ')}`, {
      problems,
    });
  }
  return result.data;
}
