import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Schema, Type } from 'avsc';
import avro from 'avsc';
import type { AvroRecordSchema } from './avro-model.js';
import { missingDocs } from './avro-model.js';
import { SchemasError } from './errors.js';
import type { AvroRecordName } from './generated/types.gen.js';

/**
 * The `.avsc` files ship with the package in `avro/`, beside `src/` and `dist/`,
 * so `../avro/` from this module is right both from sources and from the build.
 */
export const avroDirectory: string = fileURLToPath(new URL('../avro/', import.meta.url));

/** Names of the `.avsc` files in `directory` (without the extension), sorted. */
export function listAvroSchemaNames(directory: string = avroDirectory): string[] {
  return readdirSync(directory)
    .filter((file) => file.endsWith('.avsc'))
    .map((file) => file.slice(0, -'.avsc'.length))
    .sort();
}

/**
 * Reads and checks one `.avsc` file: valid JSON, a record named like the file,
 * a doc on the record, every field and every enum, and parseable by avsc.
 */
export function readAvroSchemaFile(path: string): AvroRecordSchema {
  let schema: AvroRecordSchema;
  try {
    schema = JSON.parse(readFileSync(path, 'utf8')) as AvroRecordSchema;
  } catch (cause) {
    throw new SchemasError('SCHEMAS_INVALID_SCHEMA_FILE', `${path} is not readable JSON`, { cause });
  }
  const expectedName = path.replace(/^.*[/\\]/, '').replace(/\.avsc$/, '');
  if (schema.type !== 'record' || schema.name !== expectedName) {
    throw new SchemasError(
      'SCHEMAS_INVALID_SCHEMA_FILE',
      `${path} must define a record named ${expectedName}`,
    );
  }
  const undocumented = missingDocs(schema);
  if (undocumented.length > 0) {
    throw new SchemasError(
      'SCHEMAS_INVALID_SCHEMA_FILE',
      `${path}: every record, field and enum needs a doc; missing: ${undocumented.join(', ')}`,
      { context: { undocumented } },
    );
  }
  parseAvroType(schema, path);
  return deepFreeze(schema);
}

/** Compiles a schema with avsc. Timestamps stay plain numbers: no logical type is registered. */
export function parseAvroType(schema: AvroRecordSchema, source = schema.name): Type {
  try {
    return avro.Type.forSchema(schema as Schema);
  } catch (cause) {
    throw new SchemasError(
      'SCHEMAS_INVALID_SCHEMA_FILE',
      `${source} is not a valid Avro schema: ${String(cause)}`,
      {
        cause,
      },
    );
  }
}

const schemaCache = new Map<string, AvroRecordSchema>();
const typeCache = new Map<string, Type>();

/** The schema of `name` as written in its `.avsc` file (frozen; read once). */
export function avroSchema(name: AvroRecordName): AvroRecordSchema {
  let schema = schemaCache.get(name);
  if (!schema) {
    const path = join(avroDirectory, `${name}.avsc`);
    try {
      schema = readAvroSchemaFile(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new SchemasError('SCHEMAS_UNKNOWN_SCHEMA', `No Avro schema named ${name} in ${avroDirectory}`);
      }
      throw error;
    }
    schemaCache.set(name, schema);
  }
  return schema;
}

/** The avsc type of `name`, compiled once. */
export function avroType(name: AvroRecordName): Type {
  let type = typeCache.get(name);
  if (!type) {
    type = parseAvroType(avroSchema(name));
    typeCache.set(name, type);
  }
  return type;
}

/** The schema text registered with the schema registry: the `.avsc` content without its formatting. */
export function avroSchemaText(name: AvroRecordName): string {
  return JSON.stringify(avroSchema(name));
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}
