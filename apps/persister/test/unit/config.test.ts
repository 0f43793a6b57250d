import { describe, expect, it } from 'vitest';
import { loadPersisterConfig } from '../../src/config.js';

describe('persister config', () => {
  it("defaults to the contract's port, groups, topics and both sinks", () => {
    const config = loadPersisterConfig({});
    expect(config).toMatchObject({
      PERSISTER_PORT: 8003,
      PERSISTER_SINKS: ['pg', 'influx'],
      PERSISTER_PG_GROUP_ID: 'persister-pg',
      PERSISTER_INFLUX_GROUP_ID: 'persister-influx',
      EVENTS_TOPIC: 'learning.events.v1',
      EVENTS_DLQ_TOPIC: 'learning.events.dlq.v1',
      PG_POOL_SIZE: 7,
      PERSISTER_RUN_MIGRATIONS: true,
    });
  });

  it('runs one group alone, and puts a prefix before topic names', () => {
    const config = loadPersisterConfig({ PERSISTER_SINKS: ' influx ', TOPIC_PREFIX: 'staging.' });
    expect(config.PERSISTER_SINKS).toEqual(['influx']);
    expect(config.EVENTS_TOPIC).toBe('staging.learning.events.v1');
    expect(config.EVENTS_DLQ_TOPIC).toBe('staging.learning.events.dlq.v1');
  });

  it('fails fast on a sink it does not know or a foreign topic name', () => {
    expect(() => loadPersisterConfig({ PERSISTER_SINKS: 'pg,mongo' })).toThrow(/PERSISTER_SINKS/);
    expect(() => loadPersisterConfig({ PERSISTER_SINKS: '' })).toThrow(/PERSISTER_SINKS/);
    expect(() => loadPersisterConfig({ EVENTS_TOPIC: 'events' })).toThrow(/EVENTS_TOPIC/);
  });
});
