/**
 * Values of learning.events.v1, in the Confluent wire format:
 *
 *   byte 0      magic byte, always 0
 *   bytes 1-4   schema id: 32-bit big-endian integer, the registry's id of the writer's schema
 *   bytes 5..   the LearningEvent in Avro binary encoding, written with that schema
 *
 * decoded into the fields the aggregator uses, and only those: the writer's schema (fetched once
 * per id) is resolved into a projection of LearningEvent.avsc, so Avro skips the other fields
 * (code, errorMessage, result, metadata...) without building strings for them. Same errors as the
 * schemas package's TopicSerde: SCHEMAS_WIRE_FORMAT, SCHEMAS_CORRUPT_PAYLOAD and
 * SCHEMAS_WRITER_INCOMPATIBLE are final (the record goes to the DLQ), SCHEMAS_REGISTRY_FAILED
 * may pass on a retry.
 */
import { avroSchema, decodeWire, parseAvroType, SchemasError } from '@cellstream/schemas';
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { type AggregatedEvent, aggregatedFields } from '../rules/class-event.js';

type AvroType = ReturnType<typeof parseAvroType>;
type Resolver = ReturnType<AvroType['createResolver']>;

export class ProjectedEventDecoder {
  private readonly reader: AvroType;
  private readonly resolvers = new Map<number, Promise<Resolver>>();

  constructor(private readonly registry: Pick<SchemaRegistry, 'getSchema'>) {
    const schema = avroSchema('LearningEvent');
    const fields = schema.fields.filter((field) =>
      (aggregatedFields as readonly string[]).includes(field.name),
    );
    this.reader = parseAvroType({ ...schema, fields });
  }

  async decode(message: Buffer): Promise<AggregatedEvent> {
    const { schemaId, body } = decodeWire(message);
    const resolver = await this.resolver(schemaId);
    try {
      return this.reader.fromBuffer(body, resolver) as AggregatedEvent;
    } catch (cause) {
      throw new SchemasError(
        'SCHEMAS_CORRUPT_PAYLOAD',
        `The Avro body of a learning.events.v1 record (schema ${schemaId}) is corrupt`,
        { cause, context: { schemaId } },
      );
    }
  }

  private resolver(schemaId: number): Promise<Resolver> {
    let resolver = this.resolvers.get(schemaId);
    if (!resolver) {
      resolver = this.createResolver(schemaId);
      this.resolvers.set(schemaId, resolver);
      resolver.catch(() => this.resolvers.delete(schemaId)); // a failure is not cached
    }
    return resolver;
  }

  private async createResolver(schemaId: number): Promise<Resolver> {
    let writer: unknown;
    try {
      writer = await this.registry.getSchema(schemaId);
    } catch (cause) {
      const status = (cause as { status?: unknown }).status;
      const refused = typeof status === 'number' && [401, 403, 404, 422].includes(status);
      const message = `Fetching schema ${schemaId} failed: ${cause instanceof Error ? cause.message : String(cause)}`;
      throw new SchemasError(refused ? 'SCHEMAS_REGISTRY_REJECTED' : 'SCHEMAS_REGISTRY_FAILED', message, {
        cause,
        context: { status, schemaId },
      });
    }
    if (typeof (writer as { createResolver?: unknown } | null)?.createResolver !== 'function') {
      throw new SchemasError(
        'SCHEMAS_WRITER_INCOMPATIBLE',
        `Schema ${schemaId} of a learning.events.v1 record is not Avro`,
        {
          context: { schemaId },
        },
      );
    }
    try {
      return this.reader.createResolver(writer as AvroType);
    } catch (cause) {
      throw new SchemasError(
        'SCHEMAS_WRITER_INCOMPATIBLE',
        `Records written with schema ${schemaId} cannot be read as LearningEvent: ${cause instanceof Error ? cause.message : String(cause)}`,
        { cause, context: { schemaId } },
      );
    }
  }
}
