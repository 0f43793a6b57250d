import { buildRegistryApp, MemoryRegistryStore } from '@cellstream/registry';
import { createLogger, createMetricsRegistry } from '@cellstream/shared';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AvroRecordSchema,
  avroSchema,
  registerSchemas,
  TopicSerde,
  valueTopicList,
} from '../src/index.js';
import { samples } from './fixtures.js';

// The serde against Cellstream's own registry (in memory, on a free port) through the real client library.
describe('TopicSerde with the registry app', () => {
  let app: FastifyInstance;
  let registry: SchemaRegistry;

  beforeAll(async () => {
    app = buildRegistryApp({
      store: new MemoryRegistryStore(),
      logger: createLogger('registry-test', 'silent'),
      metrics: createMetricsRegistry('registry-test'),
    });
    const address = await app.listen({ host: '127.0.0.1', port: 0 });
    registry = new SchemaRegistry({ host: address, retry: { retries: 0 } });
  });

  afterAll(async () => {
    await app.close();
  });

  it('registers every schema under <topic>-value, idempotently', async () => {
    const ids = await registerSchemas(registry);
    expect(Object.keys(ids)).toEqual(valueTopicList.map((spec) => spec.name));
    expect(await registerSchemas(registry)).toEqual(ids);
    expect(await registry.getLatestSchemaId('learning.events.v1-value')).toBe(ids['learning.events.v1']);
  });

  it.each(valueTopicList.map((spec) => [spec.name, spec.value] as const))(
    'round-trips %s, readable by the client library too',
    async (topic, record) => {
      const serde = new TopicSerde(registry);
      const message = await serde.encode(topic as never, samples[record] as never);
      expect(await serde.decode(topic as never, message)).toEqual(samples[record]);
      expect(await registry.decode(message)).toEqual(samples[record]);
    },
  );

  it('is refused by the registry when a schema breaks BACKWARD compatibility', async () => {
    const serde = new TopicSerde(registry, { topicPrefix: 'compat.' });
    await serde.register('learning.alerts.v1');
    const broken = structuredClone(avroSchema('Alert')) as AvroRecordSchema;
    broken.fields.push({ name: 'acknowledgedBy', type: 'string', doc: 'Who saw it.' });
    await expect(
      registry.register(
        { type: SchemaType.AVRO, schema: JSON.stringify(broken) },
        { subject: 'compat.learning.alerts.v1-value' },
      ),
    ).rejects.toMatchObject({ status: 409 });
  });
});
