/**
 * Topic values in the Confluent wire format, the format of every Cellstream
 * topic value and of Confluent's, Karapace's and Redpanda's serializers:
 *
 *   byte 0      magic byte, always 0
 *   bytes 1-4   schema id: 32-bit big-endian integer, the registry's id of the writer's schema
 *   bytes 5..   the record in Avro binary encoding, written with that schema
 *               (a bare datum: no Avro container-file header, no fingerprint)
 *
 * Encoding writes with this package's schema of the topic, registered under
 * `<topic>-value` with BACKWARD compatibility. Decoding fetches the writer's
 * schema by id (once per id) and resolves it into this package's schema, so a
 * record always has the shape of the generated types even when a producer uses
 * an older or newer version of the schema.
 */
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { COMPATIBILITY, SchemaType } from '@kafkajs/confluent-schema-registry';
import type { Resolver, Type } from 'avsc';
import avro from 'avsc';
import { avroSchemaText, avroType } from './avro.js';
import { SchemasError } from './errors.js';
import type { AvroRecordName } from './generated/types.gen.js';
import { type TopicValue, type ValueTopicName, valueSubject, valueTopicList } from './topics.js';

export const MAGIC_BYTE = 0;
export const WIRE_HEADER_BYTES = 5;

/** Prefixes an Avro body with the wire header. */
export function encodeWire(schemaId: number, body: Buffer): Buffer {
  const message = Buffer.allocUnsafe(WIRE_HEADER_BYTES + body.length);
  writeWireHeader(message, schemaId);
  body.copy(message, WIRE_HEADER_BYTES);
  return message;
}

function writeWireHeader(message: Buffer, schemaId: number): void {
  message.writeUInt8(MAGIC_BYTE, 0);
  message.writeInt32BE(schemaId, 1);
}

/** Splits a message into schema id and Avro body; throws SCHEMAS_WIRE_FORMAT when it is not in the wire format. */
export function decodeWire(message: Buffer): { schemaId: number; body: Buffer } {
  if (message.length < WIRE_HEADER_BYTES) {
    throw new SchemasError(
      'SCHEMAS_WIRE_FORMAT',
      `A message of ${message.length} bytes is shorter than the wire header`,
    );
  }
  const magic = message.readUInt8(0);
  if (magic !== MAGIC_BYTE) {
    throw new SchemasError('SCHEMAS_WIRE_FORMAT', `Magic byte ${magic}, expected ${MAGIC_BYTE}`, {
      context: { magic },
    });
  }
  return { schemaId: message.readInt32BE(1), body: message.subarray(WIRE_HEADER_BYTES) };
}

/** What the serde needs of `@kafkajs/confluent-schema-registry`'s client. */
export type RegistryClient = Pick<SchemaRegistry, 'register' | 'getSchema' | 'getRegistryIdBySchema'>;

export interface TopicSerdeOptions {
  /** Prepended to topic names, hence to subjects; for tests on their own topics. Default none. */
  topicPrefix?: string;
  /**
   * Register a topic's schema on its first encode, as Confluent's auto.register.schemas does.
   * Default true. When false the schema id is looked up, and encoding fails unless it is registered.
   */
  autoRegister?: boolean;
}

export class TopicSerde {
  private readonly ids = new Map<ValueTopicName, Promise<number>>();
  /** Where records are encoded before being copied out at their exact size; grows as needed. */
  private scratch = Buffer.allocUnsafe(64 * 1024);
  private readonly resolvers = new Map<string, Promise<Resolver | undefined>>();

  constructor(
    private readonly registry: RegistryClient,
    private readonly options: TopicSerdeOptions = {},
  ) {}

  /** The registry subject of a topic's values, prefix included. */
  subject(topic: ValueTopicName): string {
    return valueSubject(`${this.options.topicPrefix ?? ''}${topic}`);
  }

  /** Registers the topic's schema (a no-op when already registered) and returns its id. */
  register(topic: ValueTopicName): Promise<number> {
    return this.cachedId(topic, () => this.registerNow(topic));
  }

  /** Registers the schema of every topic with an Avro value; returns the ids by topic. */
  async registerAll(): Promise<Record<ValueTopicName, number>> {
    const entries = await Promise.all(
      valueTopicList.map(
        async (spec) => [spec.name, await this.register(spec.name as ValueTopicName)] as const,
      ),
    );
    return Object.fromEntries(entries) as Record<ValueTopicName, number>;
  }

  /** The id the topic's records are written with: registered, or looked up when `autoRegister` is false. */
  schemaId(topic: ValueTopicName): Promise<number> {
    if (this.options.autoRegister ?? true) return this.register(topic);
    return this.cachedId(topic, () =>
      registryCall(`Looking up ${this.subject(topic)}`, () =>
        this.registry.getRegistryIdBySchema(this.subject(topic), {
          type: SchemaType.AVRO,
          schema: avroSchemaText(recordOf(topic)),
        }),
      ),
    );
  }

  async encode<T extends ValueTopicName>(topic: T, record: TopicValue<T>): Promise<Buffer> {
    const [message] = await this.encodeMany(topic, [record]);
    return message as Buffer;
  }

  /**
   * Encodes records of one topic: one registry lookup for all of them, and per record one
   * buffer (header and body written together through a scratch buffer, not a body then a copy).
   * Throws SCHEMAS_INVALID_RECORD, naming the fields, when any record does not fit the schema.
   */
  async encodeMany<T extends ValueTopicName>(topic: T, records: readonly TopicValue<T>[]): Promise<Buffer[]> {
    const type = avroType(recordOf(topic));
    for (const record of records) {
      const invalid: string[] = [];
      if (!type.isValid(record, { errorHook: (path) => invalid.push(path.join('.')) })) {
        throw new SchemasError(
          'SCHEMAS_INVALID_RECORD',
          `Not a valid ${recordOf(topic)} for ${topic}: ${invalid.join(', ')}`,
          {
            context: { topic, paths: invalid },
          },
        );
      }
    }
    const schemaId = await this.schemaId(topic);
    return records.map((record) => this.toWire(type, schemaId, record));
  }

  /** Synchronous, so the scratch buffer is never shared by two encodes. */
  private toWire(type: Type, schemaId: number, record: unknown): Buffer {
    for (;;) {
      const end = type.encode(record, this.scratch, WIRE_HEADER_BYTES);
      if (end >= 0) {
        const message = Buffer.allocUnsafe(end);
        writeWireHeader(message, schemaId);
        this.scratch.copy(message, WIRE_HEADER_BYTES, WIRE_HEADER_BYTES, end);
        return message;
      }
      // avsc answers a too-small buffer with minus the bytes missing.
      this.scratch = Buffer.allocUnsafe(Math.max(2 * this.scratch.length, this.scratch.length - end));
    }
  }

  async decode<T extends ValueTopicName>(topic: T, message: Buffer): Promise<TopicValue<T>> {
    const { schemaId, body } = decodeWire(message);
    const resolver = await this.resolver(topic, schemaId);
    try {
      return avroType(recordOf(topic)).fromBuffer(body, resolver) as TopicValue<T>;
    } catch (cause) {
      throw new SchemasError(
        'SCHEMAS_CORRUPT_PAYLOAD',
        `The Avro body of a ${topic} record (schema ${schemaId}) is corrupt`,
        {
          cause,
          context: { topic, schemaId },
        },
      );
    }
  }

  private cachedId(topic: ValueTopicName, fetch: () => Promise<number>): Promise<number> {
    let id = this.ids.get(topic);
    if (!id) {
      id = fetch();
      this.ids.set(topic, id);
      id.catch(() => this.ids.delete(topic)); // a failure is not cached: the next call tries again
    }
    return id;
  }

  private async registerNow(topic: ValueTopicName): Promise<number> {
    const subject = this.subject(topic);
    const { id } = await registryCall(`Registering ${subject}`, () =>
      this.registry.register(
        { type: SchemaType.AVRO, schema: avroSchemaText(recordOf(topic)) },
        { subject, compatibility: COMPATIBILITY.BACKWARD },
      ),
    );
    return id;
  }

  /** How to read records written with schema `schemaId` as this package's schema: undefined when they are the same. */
  private resolver(topic: ValueTopicName, schemaId: number): Promise<Resolver | undefined> {
    const key = `${topic}\u0000${schemaId}`;
    let resolver = this.resolvers.get(key);
    if (!resolver) {
      resolver = this.createResolver(topic, schemaId);
      this.resolvers.set(key, resolver);
      resolver.catch(() => this.resolvers.delete(key));
    }
    return resolver;
  }

  private async createResolver(topic: ValueTopicName, schemaId: number): Promise<Resolver | undefined> {
    const writer = await registryCall(`Fetching schema ${schemaId}`, () => this.registry.getSchema(schemaId));
    const reader = avroType(recordOf(topic));
    if (!avro.Type.isType(writer)) {
      throw new SchemasError(
        'SCHEMAS_WRITER_INCOMPATIBLE',
        `Schema ${schemaId} of a ${topic} record is not Avro`,
        {
          context: { topic, schemaId },
        },
      );
    }
    const writerType = writer as unknown as Type;
    if (reader.equals(writerType)) return undefined;
    try {
      return reader.createResolver(writerType);
    } catch (cause) {
      throw new SchemasError(
        'SCHEMAS_WRITER_INCOMPATIBLE',
        `Records written with schema ${schemaId} cannot be read as ${recordOf(topic)}: ${cause instanceof Error ? cause.message : String(cause)}`,
        { cause, context: { topic, schemaId } },
      );
    }
  }
}

/** Registers the schema of every topic with an Avro value under `<topic>-value`; returns the ids by topic. */
export function registerSchemas(
  registry: RegistryClient,
  options: Pick<TopicSerdeOptions, 'topicPrefix'> = {},
): Promise<Record<ValueTopicName, number>> {
  return new TopicSerde(registry, options).registerAll();
}

function recordOf(topic: ValueTopicName): AvroRecordName {
  const spec = valueTopicList.find((entry) => entry.name === topic);
  if (!spec) throw new SchemasError('SCHEMAS_UNKNOWN_SCHEMA', `${topic} is not a topic with an Avro value`);
  return spec.value;
}

/**
 * Runs a registry request, classifying its failure. The client reports network
 * failures as status 400 (mappersmith's client errors), so only the statuses
 * the Confluent API uses for refusals (401, 403, 404, 409, 422) and its
 * compatibility-level mismatch are final; anything else may pass on a retry.
 */
async function registryCall<T>(what: string, request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (cause) {
    const status = (cause as { status?: unknown }).status;
    const refused =
      (typeof status === 'number' && [401, 403, 404, 409, 422].includes(status)) ||
      (cause as Error).name === 'ConfluentSchemaRegistryCompatibilityError';
    const message = `${what} failed: ${cause instanceof Error ? cause.message : String(cause)}`;
    throw refused
      ? new SchemasError('SCHEMAS_REGISTRY_REJECTED', message, { cause, context: { status } })
      : new SchemasError('SCHEMAS_REGISTRY_FAILED', message, { cause, context: { status } });
  }
}
