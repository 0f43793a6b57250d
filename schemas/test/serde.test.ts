import type { Schema } from 'avsc';
import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import {
  type AvroRecordSchema,
  avroSchema,
  avroSchemaText,
  decodeWire,
  encodeWire,
  type RegistryClient,
  registerSchemas,
  TopicSerde,
} from '../src/index.js';
import { sampleLearningEvent, sampleStudentStatus } from './fixtures.js';

/** An in-memory stand-in for the registry client: ids from 1, one id per distinct schema text. */
function fakeRegistry() {
  const texts: string[] = [];
  const subjects = new Map<string, number[]>();
  const calls: string[] = [];
  const idOf = (text: string) => {
    let index = texts.indexOf(text);
    if (index === -1) index = texts.push(text) - 1;
    return index + 1;
  };
  const client = {
    async register(schema: { schema: string }, options: { subject: string; compatibility: string }) {
      calls.push(`register ${options.subject} ${options.compatibility}`);
      const id = idOf(schema.schema);
      subjects.set(options.subject, [...(subjects.get(options.subject) ?? []), id]);
      return { id };
    },
    async getSchema(id: number) {
      calls.push(`getSchema ${id}`);
      const text = texts[id - 1];
      if (!text) throw Object.assign(new Error('Schema not found'), { status: 404 });
      return avro.Type.forSchema(JSON.parse(text) as Schema);
    },
    async getRegistryIdBySchema(subject: string, schema: { schema: string }) {
      const id = texts.indexOf(schema.schema) + 1;
      if (!id || !subjects.get(subject)?.includes(id))
        throw Object.assign(new Error('Subject not found'), { status: 404 });
      return id;
    },
  };
  return { client: client as unknown as RegistryClient, calls, idOf };
}

describe('wire format', () => {
  it('is a zero byte, a 4-byte big-endian id and the body', () => {
    const message = encodeWire(258, Buffer.from([7, 8]));
    expect([...message]).toEqual([0, 0, 0, 1, 2, 7, 8]);
    expect(decodeWire(message)).toEqual({ schemaId: 258, body: Buffer.from([7, 8]) });
  });

  it('refuses short messages and other magic bytes', () => {
    expect(() => decodeWire(Buffer.from([0, 0, 1]))).toThrow(
      expect.objectContaining({ code: 'SCHEMAS_WIRE_FORMAT' }),
    );
    expect(() => decodeWire(Buffer.from([1, 0, 0, 0, 1, 0]))).toThrow(/Magic byte 1/);
  });
});

describe('TopicSerde', () => {
  it('registers every value schema under <topic>-value with BACKWARD and returns the ids', async () => {
    const registry = fakeRegistry();
    const ids = await registerSchemas(registry.client);
    expect(ids).toEqual({
      'learning.events.v1': 1,
      'learning.class-aggregates.v1': 2,
      'learning.student-status.v1': 3,
      'learning.alerts.v1': 4,
      'learning.notifications.v1': 5,
    });
    expect(registry.calls).toEqual([
      'register learning.events.v1-value BACKWARD',
      'register learning.class-aggregates.v1-value BACKWARD',
      'register learning.student-status.v1-value BACKWARD',
      'register learning.alerts.v1-value BACKWARD',
      'register learning.notifications.v1-value BACKWARD',
    ]);
  });

  it('encodes in the wire format and decodes back, registering once', async () => {
    const registry = fakeRegistry();
    const serde = new TopicSerde(registry.client, { topicPrefix: 't1.' });
    const [first, second] = await Promise.all([
      serde.encode('learning.events.v1', sampleLearningEvent),
      serde.encode('learning.events.v1', sampleLearningEvent),
    ]);
    expect(first?.readUInt8(0)).toBe(0);
    expect(first?.readInt32BE(1)).toBe(1);
    expect(second).toEqual(first);
    expect(registry.calls.filter((call) => call.startsWith('register'))).toEqual([
      'register t1.learning.events.v1-value BACKWARD',
    ]);
    expect(await serde.decode('learning.events.v1', first as Buffer)).toEqual(sampleLearningEvent);
  });

  it('encodes many records of a topic, small and larger than its scratch buffer, each on its own buffer', async () => {
    const serde = new TopicSerde(fakeRegistry().client);
    const big = { ...sampleLearningEvent, eventId: 'big', code: 'x'.repeat(200_000) };
    const records = [sampleLearningEvent, big, { ...sampleLearningEvent, eventId: 'after-big' }];
    const messages = await serde.encodeMany('learning.events.v1', records);
    expect(messages).toHaveLength(3);
    // Were a message a view of the scratch buffer, the later records would overwrite the earlier.
    const decoded = await Promise.all(messages.map((message) => serde.decode('learning.events.v1', message)));
    expect(decoded).toEqual(records);
    expect(messages[0]).toEqual(await serde.encode('learning.events.v1', sampleLearningEvent));
    // One invalid record refuses the whole call, naming its fields.
    await expect(
      serde.encodeMany('learning.events.v1', [
        sampleLearningEvent,
        { ...sampleLearningEvent, cellIndex: 'x' } as never,
      ]),
    ).rejects.toMatchObject({ code: 'SCHEMAS_INVALID_RECORD', context: { paths: ['cellIndex'] } });
  });

  it('looks the id up instead of registering when autoRegister is false', async () => {
    const registry = fakeRegistry();
    const producer = new TopicSerde(registry.client, { autoRegister: false });
    await expect(producer.encode('learning.alerts.v1', {} as never)).rejects.toMatchObject({
      code: 'SCHEMAS_INVALID_RECORD',
    });
    await expect(producer.schemaId('learning.events.v1')).rejects.toMatchObject({
      code: 'SCHEMAS_REGISTRY_REJECTED',
    });
    await new TopicSerde(registry.client).register('learning.events.v1');
    expect(await producer.schemaId('learning.events.v1')).toBe(1);
  });

  it('names the invalid fields of a record it cannot encode', async () => {
    const serde = new TopicSerde(fakeRegistry().client);
    const bad = { ...sampleLearningEvent, eventType: 'cell_exploded', cellIndex: 'three' } as never;
    await expect(serde.encode('learning.events.v1', bad)).rejects.toMatchObject({
      code: 'SCHEMAS_INVALID_RECORD',
      context: { paths: ['eventType', 'cellIndex'] },
    });
  });

  it('reads records written with an older schema in the current shape (defaults filled in)', async () => {
    const registry = fakeRegistry();
    const older = structuredClone(avroSchema('StudentStatus')) as AvroRecordSchema;
    older.fields = older.fields.filter(
      (field) => field.name !== 'lastErrorName' && field.name !== 'helpRequested',
    );
    const olderId = registry.idOf(JSON.stringify(older));
    const { lastErrorName: _a, helpRequested: _b, ...olderRecord } = sampleStudentStatus;
    const message = encodeWire(olderId, avro.Type.forSchema(older as Schema).toBuffer(olderRecord));
    const decoded = await new TopicSerde(registry.client).decode('learning.student-status.v1', message);
    expect(decoded).toEqual({ ...sampleStudentStatus, lastErrorName: null, helpRequested: false });
  });

  it('reads an event type added by a newer schema as unknown', async () => {
    const registry = fakeRegistry();
    const newer = structuredClone(avroSchema('LearningEvent')) as AvroRecordSchema;
    const eventType = newer.fields.find((field) => field.name === 'eventType')?.type as { symbols: string[] };
    eventType.symbols.push('cell_output_cleared');
    const id = registry.idOf(JSON.stringify(newer));
    const body = avro.Type.forSchema(newer as Schema).toBuffer({
      ...sampleLearningEvent,
      eventType: 'cell_output_cleared',
    });
    const decoded = await new TopicSerde(registry.client).decode('learning.events.v1', encodeWire(id, body));
    expect(decoded.eventType).toBe('unknown');
  });

  it('refuses records of another schema and corrupt bodies, without caching failures of the registry', async () => {
    const registry = fakeRegistry();
    const serde = new TopicSerde(registry.client);
    const alertId = registry.idOf(avroSchemaText('Alert'));
    await expect(
      serde.decode('learning.events.v1', encodeWire(alertId, Buffer.alloc(3))),
    ).rejects.toMatchObject({
      code: 'SCHEMAS_WRITER_INCOMPATIBLE',
    });
    const eventId = registry.idOf(avroSchemaText('LearningEvent'));
    await expect(
      serde.decode('learning.events.v1', encodeWire(eventId, Buffer.from([0xff]))),
    ).rejects.toMatchObject({
      code: 'SCHEMAS_CORRUPT_PAYLOAD',
    });
    await expect(serde.decode('learning.events.v1', encodeWire(99, Buffer.alloc(1)))).rejects.toMatchObject({
      code: 'SCHEMAS_REGISTRY_REJECTED',
      retriable: false,
    });
  });
});
