import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { baseConfigSchema, ConfigError, loadConfig } from '../src/index.js';

describe('loadConfig', () => {
  it("gives the local stack's defaults when nothing is set", () => {
    const config = loadConfig(baseConfigSchema, {});
    expect(config.KAFKA_BROKERS).toEqual(['127.0.0.1:9092']);
    expect(config.SCHEMA_REGISTRY_URL).toBe('http://127.0.0.1:8081');
    expect(config.INFLUX_BUCKET).toBe('progress_bucket');
  });

  it('splits and trims the broker list', () => {
    expect(loadConfig(baseConfigSchema, { KAFKA_BROKERS: 'a:1, b:2 ,,c:3' }).KAFKA_BROKERS).toEqual([
      'a:1',
      'b:2',
      'c:3',
    ]);
  });

  it('fails fast naming every bad variable', () => {
    const schema = baseConfigSchema.extend({ PORT: z.coerce.number().int().max(65_535) });
    const attempt = () => loadConfig(schema, { PORT: '99999', SCHEMA_REGISTRY_URL: 'not a url' });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/PORT.*SCHEMA_REGISTRY_URL|SCHEMA_REGISTRY_URL.*PORT/);
  });
});
