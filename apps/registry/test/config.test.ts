import { loadConfig } from '@cellstream/shared';
import { describe, expect, it } from 'vitest';
import { registryConfigSchema } from '../src/config.js';

describe('registry config', () => {
  it('has the local stack defaults', () => {
    const config = loadConfig(registryConfigSchema, {});
    expect(config).toMatchObject({
      REGISTRY_HOST: '127.0.0.1',
      REGISTRY_PORT: 8081,
      REGISTRY_TOPIC: '_schemas',
      KAFKA_BROKERS: ['127.0.0.1:9092'],
    });
  });

  it('listens on REGISTRY_PORT, else on the port of SCHEMA_REGISTRY_URL', () => {
    expect(
      loadConfig(registryConfigSchema, { SCHEMA_REGISTRY_URL: 'http://127.0.0.1:18081' }).REGISTRY_PORT,
    ).toBe(18081);
    const both = { SCHEMA_REGISTRY_URL: 'http://127.0.0.1:18081', REGISTRY_PORT: '9000' };
    expect(loadConfig(registryConfigSchema, both).REGISTRY_PORT).toBe(9000);
  });

  it('fails fast on a bad port', () => {
    expect(() => loadConfig(registryConfigSchema, { REGISTRY_PORT: 'eighty' })).toThrow(/REGISTRY_PORT/);
  });
});
