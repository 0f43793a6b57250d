import { avroSchema } from './avro.js';
import {
  type AvroField,
  type AvroType,
  isNamedSchema,
  logicalTypeOf,
  primitiveOf,
  unwrapNullable,
} from './avro-model.js';
import { SchemasError } from './errors.js';
import type { EventType, LearningEvent } from './generated/types.gen.js';
import { parseRfc3339 } from './rfc3339.js';

/**
 * The HTTP form of a LearningEvent (POST /api/v1/events) and its conversion to
 * the Avro record. The JSON schema is derived from LearningEvent.avsc when
 * asked for, so the field list exists once; what Avro cannot say is kept here
 * in small tables keyed by field name: limits, aliases and server-set fields.
 *
 * Unknown fields are accepted and dropped (the JSON schema does not forbid
 * them). Extensions are installed on students' machines and updated at their
 * own pace; a newer extension sending a field this platform does not know yet
 * must not lose the whole event. `unknownLearningEventFields` lists them so
 * ingest can log or count them; `{ rejectUnknownFields: true }` gives the
 * strict schema for development and the extension's own tests.
 */

/** Constraints Avro cannot express, by field name. Lengths count characters (code points), as JSON Schema does. */
export interface FieldLimit {
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  /** For maps: most entries, longest key, longest value. */
  maxEntries?: number;
  maxKeyLength?: number;
  maxValueLength?: number;
}

const KiB = 1024;
const ID_MAX = 512;
const PATH_MAX = 4096;

export const learningEventFieldLimits = {
  eventId: { minLength: 1, maxLength: ID_MAX },
  userId: { minLength: 1, maxLength: ID_MAX },
  classId: { minLength: 1, maxLength: ID_MAX },
  sessionId: { maxLength: ID_MAX },
  notebookPath: { maxLength: PATH_MAX },
  cellId: { maxLength: ID_MAX },
  cellIndex: { minimum: 0 },
  executionCount: { minimum: 0 },
  code: { maxLength: 64 * KiB },
  errorName: { maxLength: 16 * KiB },
  errorMessage: { maxLength: 16 * KiB },
  result: { maxLength: 16 * KiB },
  executionDurationMs: { minimum: 0 },
  metadata: { maxEntries: 64, maxKeyLength: 256, maxValueLength: 4 * KiB },
} as const satisfies Partial<Record<keyof LearningEvent, FieldLimit>>;

/** Fields set by ingest, never accepted from clients. */
export const learningEventServerFields = ['receivedAt'] as const satisfies readonly (keyof LearningEvent)[];

/** Other names accepted over HTTP for enum symbols, by field: the alias and the symbol stored. */
export const learningEventAliases = {
  eventType: { cell_executed: 'cell_execution_complete' },
} as const satisfies Partial<Record<keyof LearningEvent, Record<string, string>>>;

type ServerField = (typeof learningEventServerFields)[number];
/** Fields Avro gives a non-null default, optional over HTTP like the nullable ones. */
type DefaultedField = 'metadata';
type NullableField = {
  [K in keyof LearningEvent]: null extends LearningEvent[K] ? K : never;
}[keyof LearningEvent];
type OptionalField = NullableField | DefaultedField;
type RequiredField = Exclude<keyof LearningEvent, OptionalField | ServerField>;

/** An eventType as accepted over HTTP: a symbol clients may send, or an alias of one. */
export type HttpEventType = Exclude<EventType, 'unknown'> | keyof (typeof learningEventAliases)['eventType'];

type HttpValue<K extends keyof LearningEvent> = K extends 'eventTime'
  ? string
  : K extends 'eventType'
    ? HttpEventType
    : LearningEvent[K];

/** A LearningEvent as sent over HTTP, after validation with `learningEventJsonSchema()`. */
export type LearningEventHttp = { [K in RequiredField]: HttpValue<K> } & {
  [K in OptionalField]?: HttpValue<K> | null;
};

export interface LearningEventJsonSchemaOptions {
  /**
   * Forbid fields the schema does not know (`additionalProperties: false`) instead of ignoring them.
   * Default false (see the module comment). Fastify's default ajv option `removeAdditional: true`
   * strips such fields silently rather than rejecting them; set `removeAdditional: false` to reject.
   */
  rejectUnknownFields?: boolean;
  /** `$id` of the schema, to register it once with Fastify/ajv and `$ref` it. Default `LearningEvent`. */
  $id?: string;
}

export type JsonSchema = { [keyword: string]: unknown };

/**
 * The JSON Schema (draft-07, as Fastify's ajv accepts) of one event in the body
 * of POST /api/v1/events, derived from LearningEvent.avsc: a field is required
 * when Avro gives it neither null nor a default; optional fields also accept
 * JSON null; timestamps are RFC 3339 strings; enums list the symbols clients
 * may send (not the reader-only default `unknown`) and their aliases.
 */
export function learningEventJsonSchema(options: LearningEventJsonSchemaOptions = {}): JsonSchema {
  const schema = avroSchema('LearningEvent');
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  for (const field of schema.fields) {
    if (isServerField(field.name)) continue;
    const optional = isOptional(field);
    properties[field.name] = fieldJsonSchema(field, optional);
    if (!optional) required.push(field.name);
  }
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: options.$id ?? 'LearningEvent',
    title: 'LearningEvent',
    description: schema.doc,
    type: 'object',
    required,
    properties,
    additionalProperties: !options.rejectUnknownFields,
  };
}

/** Top-level fields of an HTTP event that LearningEvent does not have (they are dropped). */
export function unknownLearningEventFields(event: Record<string, unknown>): string[] {
  const known = new Set(avroSchema('LearningEvent').fields.map((field) => field.name));
  return Object.keys(event).filter((name) => !known.has(name) || isServerField(name));
}

/**
 * The Avro record of a validated HTTP event: RFC 3339 times become epoch
 * milliseconds, aliases their symbol (cell_executed → cell_execution_complete),
 * absent or null optional fields the Avro default (null, or {} for metadata),
 * `receivedAt` the given time, and unknown fields are dropped.
 */
export function toLearningEventRecord(event: LearningEventHttp, receivedAt: number): LearningEvent {
  const input = event as unknown as Record<string, unknown>;
  const record: Record<string, unknown> = {};
  for (const field of avroSchema('LearningEvent').fields) {
    if (isServerField(field.name)) {
      record[field.name] = receivedAt;
      continue;
    }
    const value = input[field.name];
    if (value === undefined || value === null) {
      if (!isOptional(field)) {
        throw new SchemasError('SCHEMAS_INVALID_EVENT', `The event has no ${field.name}`, {
          context: { field: field.name },
        });
      }
      record[field.name] = structuredClone(field.default ?? null);
    } else if (isTimestamp(field.type)) {
      const millis = typeof value === 'string' ? parseRfc3339(value) : undefined;
      if (millis === undefined) {
        throw new SchemasError('SCHEMAS_INVALID_EVENT', `${field.name} is not an RFC 3339 date-time`, {
          context: { field: field.name },
        });
      }
      record[field.name] = millis;
    } else {
      const aliases: Record<string, string> | undefined = (
        learningEventAliases as Record<string, Record<string, string>>
      )[field.name];
      const aliased = typeof value === 'string' ? aliases?.[value] : undefined;
      record[field.name] = aliased ?? (typeof value === 'object' ? structuredClone(value) : value);
    }
  }
  return record as unknown as LearningEvent;
}

function isServerField(name: string): boolean {
  return (learningEventServerFields as readonly string[]).includes(name);
}

function isOptional(field: AvroField): boolean {
  return unwrapNullable(field.type).nullable || field.default !== undefined;
}

function isTimestamp(type: AvroType): boolean {
  const logical = logicalTypeOf(unwrapNullable(type).type);
  return logical === 'timestamp-millis' || logical === 'timestamp-micros';
}

const INT_MIN = -(2 ** 31);
const INT_MAX = 2 ** 31 - 1;

function fieldJsonSchema(field: AvroField, optional: boolean): JsonSchema {
  const { type } = unwrapNullable(field.type);
  const limit: FieldLimit = (learningEventFieldLimits as Record<string, FieldLimit>)[field.name] ?? {};
  const aliases = Object.keys(
    (learningEventAliases as Record<string, Record<string, string>>)[field.name] ?? {},
  );
  let schema: JsonSchema;
  const primitive = primitiveOf(type);
  if (isTimestamp(type)) {
    schema = { type: 'string', format: 'date-time' };
  } else if (primitive === 'string') {
    schema = { type: 'string' };
  } else if (primitive === 'int') {
    schema = { type: 'integer', minimum: INT_MIN, maximum: INT_MAX };
  } else if (primitive === 'long') {
    schema = { type: 'integer', minimum: Number.MIN_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER };
  } else if (primitive === 'float' || primitive === 'double') {
    schema = { type: 'number' };
  } else if (primitive === 'boolean') {
    schema = { type: 'boolean' };
  } else if (
    typeof type === 'object' &&
    !Array.isArray(type) &&
    isNamedSchema(type) &&
    type.type === 'enum'
  ) {
    // The enum default is the reader-side catch-all for symbols added later; no client sends it.
    const symbols = type.symbols.filter((symbol) => symbol !== type.default);
    schema = { type: 'string', enum: [...symbols, ...aliases] };
  } else if (
    typeof type === 'object' &&
    !Array.isArray(type) &&
    type.type === 'map' &&
    primitiveOf(type.values) === 'string'
  ) {
    schema = {
      type: 'object',
      additionalProperties: {
        type: 'string',
        ...(limit.maxValueLength === undefined ? {} : { maxLength: limit.maxValueLength }),
      },
      ...(limit.maxEntries === undefined ? {} : { maxProperties: limit.maxEntries }),
      ...(limit.maxKeyLength === undefined ? {} : { propertyNames: { maxLength: limit.maxKeyLength } }),
    };
  } else {
    throw new SchemasError(
      'SCHEMAS_INVALID_SCHEMA_FILE',
      `LearningEvent.${field.name} has a type the HTTP schema cannot express; extend fieldJsonSchema`,
    );
  }
  for (const keyword of ['minLength', 'maxLength', 'minimum', 'maximum'] as const) {
    const value = limit[keyword];
    if (value !== undefined) schema[keyword] = value;
  }
  if (optional) {
    schema.type = [schema.type, 'null'];
    if (Array.isArray(schema.enum)) schema.enum = [...schema.enum, null];
  }
  return { description: field.doc, ...schema };
}
