import avro from 'avsc';
import { RegistryError } from './errors.js';

/**
 * Two forms of an Avro schema:
 *
 * - `normalizeAvroSchema`: the registry's identity of a schema, modelled on Apache Avro Java's
 *   `Schema.toString()`, which is what Confluent stores and compares. Whitespace, key order,
 *   redundant namespaces and `{"type": "int"}` wrappers stop mattering; everything that changes
 *   what a reader sees or a tool keeps (doc, default, order, aliases, logicalType and other custom
 *   attributes) stays significant, so e.g. a doc change registers a new version as in Confluent.
 *   Custom attributes are sorted by key, so their order does not matter either.
 * - `parsingCanonicalForm`: the Avro specification's Parsing Canonical Form (names fully
 *   qualified, only the attributes that affect decoding), i.e. what the Avro fingerprint hashes.
 */

export type AvroType = avro.Type;
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const primitives = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);
/** Attributes Avro Java gives a meaning to; every other key is a custom property kept verbatim. */
const schemaReserved = new Set([
  'doc',
  'fields',
  'items',
  'name',
  'namespace',
  'size',
  'symbols',
  'values',
  'type',
  'aliases',
  'default',
]);
const fieldReserved = new Set(['default', 'doc', 'name', 'order', 'type', 'aliases']);

const invalid = (reason: string, cause?: unknown) =>
  new RegistryError('INVALID_SCHEMA', `Invalid schema: ${reason}`, cause === undefined ? {} : { cause });

const isObject = (value: Json | undefined): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Parses a schema string with avsc (which validates names, defaults and references). */
export function parseAvro(schema: string): { type: AvroType; json: Json } {
  let json: Json;
  try {
    json = JSON.parse(schema) as Json;
  } catch (error) {
    throw invalid(`not JSON (${(error as Error).message})`, error);
  }
  try {
    return { type: avro.Type.forSchema(json as avro.Schema, { noAnonymousTypes: true }), json };
  } catch (error) {
    throw invalid((error as Error).message, error);
  }
}

/** The registry's identity of a schema (see the top of this file). Throws `INVALID_SCHEMA`. */
export function normalizeAvroSchema(schema: string): string {
  const { json } = parseAvro(schema);
  return JSON.stringify(new SchemaWriter().write(json, null));
}

/** Parsing Canonical Form per the Avro specification. Throws `INVALID_SCHEMA`. */
export function parsingCanonicalForm(schema: string): string {
  return JSON.stringify(parseAvro(schema).type.schema());
}

interface Name {
  full: string;
  simple: string;
  space: string | null;
}

function resolveName(name: string, namespace: Json | undefined, space: string | null): Name {
  const dot = name.lastIndexOf('.');
  if (dot >= 0) return { full: name, simple: name.slice(dot + 1), space: name.slice(0, dot) };
  const ownSpace = typeof namespace === 'string' ? namespace || null : space;
  return { full: ownSpace ? `${ownSpace}.${name}` : name, simple: name, space: ownSpace };
}

/** A name as Avro Java writes it inside `space`: short when it lives there, full otherwise. */
function relativeName(full: string, space: string | null): string {
  const dot = full.lastIndexOf('.');
  const own = dot >= 0 ? full.slice(0, dot) : null;
  return own === space || own === null ? full.slice(dot + 1) : full;
}

function customProperties(schema: JsonObject, reserved: Set<string>): JsonObject {
  const props: JsonObject = {};
  for (const key of Object.keys(schema).sort()) {
    const value = schema[key];
    if (!reserved.has(key) && value !== undefined) props[key] = value;
  }
  return props;
}

/** Walks an already validated schema, writing it the way Avro Java's `Schema.toString()` does. */
class SchemaWriter {
  private readonly defined = new Set<string>();

  write(schema: Json, space: string | null): Json {
    if (typeof schema === 'string') return this.reference(schema, space);
    if (Array.isArray(schema)) return schema.map((branch) => this.write(branch, space));
    if (!isObject(schema)) throw invalid(`unexpected ${JSON.stringify(schema)}`);
    const type = schema.type;
    if (typeof type !== 'string') return this.write(type ?? null, space);
    switch (type) {
      case 'record':
      case 'error':
        return this.record(schema, space);
      case 'enum':
        return this.named(schema, space, (out) => {
          out.symbols = schema.symbols ?? [];
          if (schema.default !== undefined) out.default = schema.default;
        });
      case 'fixed':
        return this.named(schema, space, (out) => {
          out.size = schema.size ?? 0;
        });
      case 'array':
        return {
          type,
          items: this.write(schema.items ?? null, space),
          ...customProperties(schema, schemaReserved),
        };
      case 'map':
        return {
          type,
          values: this.write(schema.values ?? null, space),
          ...customProperties(schema, schemaReserved),
        };
      default: {
        if (!primitives.has(type)) return this.reference(type, space);
        const props = customProperties(schema, schemaReserved);
        return Object.keys(props).length > 0 ? { type, ...props } : type;
      }
    }
  }

  private reference(name: string, space: string | null): Json {
    if (primitives.has(name)) return name;
    const candidates = name.includes('.') || !space ? [name] : [`${space}.${name}`, name];
    const full = candidates.find((candidate) => this.defined.has(candidate));
    if (full === undefined) throw invalid(`undefined type name ${name}`);
    return relativeName(full, space);
  }

  private record(schema: JsonObject, space: string | null): Json {
    return this.named(schema, space, (out, name) => {
      const fields = Array.isArray(schema.fields) ? schema.fields : [];
      out.fields = fields.map((field) => this.field(field, name.space));
    });
  }

  /** Common shape of record, enum and fixed: type, name, namespace, doc, body, props, aliases. */
  private named(schema: JsonObject, space: string | null, body: (out: JsonObject, name: Name) => void): Json {
    if (typeof schema.name !== 'string') throw invalid('a named type has no name');
    const name = resolveName(schema.name, schema.namespace, space);
    this.defined.add(name.full);
    const out: JsonObject = { type: schema.type ?? null, name: name.simple };
    if (name.space !== space) out.namespace = name.space ?? '';
    if (typeof schema.doc === 'string') out.doc = schema.doc;
    body(out, name);
    Object.assign(out, customProperties(schema, schemaReserved));
    const aliases = Array.isArray(schema.aliases) ? schema.aliases : [];
    if (aliases.length > 0) {
      out.aliases = aliases.map((alias) =>
        relativeName(resolveName(String(alias), undefined, name.space).full, name.space),
      );
    }
    return out;
  }

  private field(field: Json, space: string | null): Json {
    if (!isObject(field) || typeof field.name !== 'string') throw invalid('a record field has no name');
    const out: JsonObject = { name: field.name, type: this.write(field.type ?? null, space) };
    if (typeof field.doc === 'string') out.doc = field.doc;
    if (field.default !== undefined) out.default = field.default;
    if (typeof field.order === 'string' && field.order !== 'ascending') out.order = field.order;
    if (Array.isArray(field.aliases) && field.aliases.length > 0) out.aliases = field.aliases;
    return Object.assign(out, customProperties(field, fieldReserved));
  }
}
