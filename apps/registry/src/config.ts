import { baseConfigSchema } from '@cellstream/shared';
import { z } from 'zod';

/** The port of `SCHEMA_REGISTRY_URL` (the registry's address in CONTRACT.md), or its scheme's default. */
function portOf(url: string): number {
  const parsed = new URL(url);
  return parsed.port ? Number(parsed.port) : parsed.protocol === 'https:' ? 443 : 80;
}

/**
 * The registry's settings: the shared ones plus its own (documented in `.env.example`). It
 * listens on `REGISTRY_PORT`, or else on the port of `SCHEMA_REGISTRY_URL` (default 8081).
 */
export const registryConfigSchema = baseConfigSchema
  .extend({
    REGISTRY_HOST: z.string().min(1).default('127.0.0.1'),
    REGISTRY_PORT: z.coerce.number().int().min(0).max(65_535).optional(),
    /** The compacted topic holding every schema, as Confluent's `kafkastore.topic`. */
    REGISTRY_TOPIC: z.string().min(1).default('_schemas'),
    /** How long a request may wait for Kafka (loading, catching up, writing), in ms. */
    REGISTRY_REQUEST_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
  })
  .transform((config) => ({
    ...config,
    REGISTRY_PORT: config.REGISTRY_PORT ?? portOf(config.SCHEMA_REGISTRY_URL),
  }));

export type RegistryConfig = z.infer<typeof registryConfigSchema>;
