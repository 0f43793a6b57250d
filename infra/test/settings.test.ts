import { describe, expect, it } from 'vitest';
import { loadStackSettings } from '../src/settings.js';

describe('stack settings', () => {
  it("defaults to CONTRACT.md's ports and a cache under the home directory", () => {
    const settings = loadStackSettings({ HOME: '/home/someone' });
    expect(settings.KAFKA_PORT).toBe(9092);
    expect(settings.PG_PORT).toBe(5432);
    expect(settings.INFLUX_PORT).toBe(8086);
    expect(settings.REGISTRY_PORT).toBe(8081);
    expect(settings.stateDir.startsWith(settings.cacheDir)).toBe(true);
  });

  it('takes ports, versions and directories from the environment', () => {
    const settings = loadStackSettings({
      KAFKA_PORT: '19092',
      KAFKA_VERSION: '3.9.0',
      CELLSTREAM_CACHE_DIR: '/tmp/cs-cache',
      PG_DATA_DIR: '/tmp/cs-pg',
    });
    expect(settings.KAFKA_PORT).toBe(19092);
    expect(settings.KAFKA_VERSION).toBe('3.9.0');
    expect(settings.logDir).toBe('/tmp/cs-cache/stack/logs');
    expect(settings.pgDataDir).toBe('/tmp/cs-pg');
  });

  it('refuses a port that is not a port', () => {
    expect(() => loadStackSettings({ INFLUX_PORT: '70000' })).toThrow(/INFLUX_PORT/);
  });
});
