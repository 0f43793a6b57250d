/**
 * The JSON shape of Avro schemas (the `.avsc` files) and pure helpers over it:
 * walking named types, finding missing docs, describing types for people.
 * Code generation, the HTTP JSON schema and the docs all read the schemas
 * through these helpers, so each knows the same Avro.
 */

export type AvroPrimitiveName = 'null' | 'boolean' | 'int' | 'long' | 'float' | 'double' | 'bytes' | 'string';

export interface AvroField {
  name: string;
  type: AvroType;
  doc?: string;
  default?: unknown;
  aliases?: string[];
}

export interface AvroRecordSchema {
  type: 'record';
  name: string;
  namespace?: string;
  doc?: string;
  aliases?: string[];
  fields: AvroField[];
}

export interface AvroEnumSchema {
  type: 'enum';
  name: string;
  namespace?: string;
  doc?: string;
  aliases?: string[];
  symbols: string[];
  default?: string;
}

export interface AvroFixedSchema {
  type: 'fixed';
  name: string;
  namespace?: string;
  doc?: string;
  size: number;
}

export interface AvroArraySchema {
  type: 'array';
  items: AvroType;
}

export interface AvroMapSchema {
  type: 'map';
  values: AvroType;
}

/** A primitive written as an object, possibly with a logical type: `{"type":"long","logicalType":"timestamp-millis"}`. */
export interface AvroPrimitiveSchema {
  type: AvroPrimitiveName;
  logicalType?: string;
}

export type AvroNamedSchema = AvroRecordSchema | AvroEnumSchema | AvroFixedSchema;

/** Any Avro type: a primitive or a reference to a named type (a string), a complex type, or a union (an array). */
export type AvroType =
  | string
  | AvroNamedSchema
  | AvroArraySchema
  | AvroMapSchema
  | AvroPrimitiveSchema
  | AvroType[];

const primitiveNames: ReadonlySet<string> = new Set([
  'null',
  'boolean',
  'int',
  'long',
  'float',
  'double',
  'bytes',
  'string',
]);

export function isPrimitiveName(type: unknown): type is AvroPrimitiveName {
  return typeof type === 'string' && primitiveNames.has(type);
}

export function isNamedSchema(type: AvroType): type is AvroNamedSchema {
  return (
    typeof type === 'object' &&
    !Array.isArray(type) &&
    (type.type === 'record' || type.type === 'enum' || type.type === 'fixed')
  );
}

/** The full name (`namespace.name`) of a named type, inheriting the enclosing namespace as Avro does. */
export function fullNameOf(name: string, namespace: string | undefined): string {
  if (name.includes('.') || !namespace) return name;
  return `${namespace}.${name}`;
}

export function namespaceOf(fullName: string): string | undefined {
  const dot = fullName.lastIndexOf('.');
  return dot === -1 ? undefined : fullName.slice(0, dot);
}

export function shortNameOf(fullName: string): string {
  return fullName.slice(fullName.lastIndexOf('.') + 1);
}

/** `["null", X]` (either order) gives `{ nullable: true, type: X }`; any other type is returned as is. */
export function unwrapNullable(type: AvroType): { nullable: boolean; type: AvroType } {
  if (Array.isArray(type) && type.length === 2 && type.includes('null')) {
    const other = type.find((branch) => branch !== 'null');
    if (other !== undefined) return { nullable: true, type: other };
  }
  return { nullable: false, type };
}

/** `logicalType` of a primitive written as an object, if any. */
export function logicalTypeOf(type: AvroType): string | undefined {
  if (typeof type === 'object' && !Array.isArray(type) && 'logicalType' in type) return type.logicalType;
  return undefined;
}

/** The primitive under a type, following the object form: `{"type":"long",...}` gives `long`. */
export function primitiveOf(type: AvroType): AvroPrimitiveName | undefined {
  if (isPrimitiveName(type)) return type;
  if (typeof type === 'object' && !Array.isArray(type) && isPrimitiveName(type.type)) return type.type;
  return undefined;
}

export interface NamedTypeEntry {
  fullName: string;
  schema: AvroNamedSchema;
}

/**
 * Every named type defined in `schema`, in order of definition, with its full
 * name. Calls `onReference` for each reference by name to an earlier definition.
 */
export function namedTypesOf(
  schema: AvroType,
  onReference: (fullName: string) => void = () => {},
  namespace?: string,
  found: NamedTypeEntry[] = [],
): NamedTypeEntry[] {
  if (typeof schema === 'string') {
    if (!isPrimitiveName(schema)) onReference(fullNameOf(schema, namespace));
    return found;
  }
  if (Array.isArray(schema)) {
    for (const branch of schema) namedTypesOf(branch, onReference, namespace, found);
    return found;
  }
  switch (schema.type) {
    case 'record': {
      const fullName = fullNameOf(schema.name, schema.namespace ?? namespace);
      found.push({ fullName, schema });
      const inner = namespaceOf(fullName);
      for (const field of schema.fields) namedTypesOf(field.type, onReference, inner, found);
      return found;
    }
    case 'enum':
    case 'fixed':
      found.push({ fullName: fullNameOf(schema.name, schema.namespace ?? namespace), schema });
      return found;
    case 'array':
      return namedTypesOf(schema.items, onReference, namespace, found);
    case 'map':
      return namedTypesOf(schema.values, onReference, namespace, found);
    default:
      return found;
  }
}

/** Paths (`Record.field`, `Record`, `Enum`) of records, fields and enums without a non-empty `doc`. */
export function missingDocs(schema: AvroRecordSchema): string[] {
  const missing: string[] = [];
  for (const { fullName, schema: named } of namedTypesOf(schema)) {
    const name = shortNameOf(fullName);
    if (named.type !== 'fixed' && !named.doc?.trim()) missing.push(name);
    if (named.type === 'record') {
      for (const field of named.fields) if (!field.doc?.trim()) missing.push(`${name}.${field.name}`);
    }
  }
  return missing;
}

/**
 * Named types defined in more than one schema must be defined identically:
 * Avro can only reference a named type inside the schema that defines it, so a
 * shared type (EventType) is repeated under the same full name in each schema.
 * Returns one readable problem per differing definition.
 */
export function sharedNamedTypeProblems(schemas: readonly AvroRecordSchema[]): string[] {
  const first = new Map<string, { owner: string; json: string }>();
  const problems: string[] = [];
  for (const schema of schemas) {
    for (const { fullName, schema: named } of namedTypesOf(schema)) {
      const json = JSON.stringify(named);
      const seen = first.get(fullName);
      if (!seen) first.set(fullName, { owner: schema.name, json });
      else if (seen.json !== json) {
        problems.push(
          `${fullName} is defined differently in ${seen.owner} and ${schema.name}; shared named types must be identical`,
        );
      }
    }
  }
  return problems;
}

/**
 * A short readable form of a type for docs: `string | null`, `long (timestamp-millis)`,
 * `enum EventType`, `array<CellProgress>`, `map<string>`.
 */
export function describeType(type: AvroType, nested = false): string {
  if (typeof type === 'string') return isPrimitiveName(type) ? type : shortNameOf(type);
  if (Array.isArray(type)) {
    const { nullable, type: inner } = unwrapNullable(type);
    if (nullable) return `${describeType(inner, nested)} | null`;
    return type.map((branch) => describeType(branch, nested)).join(' | ');
  }
  switch (type.type) {
    case 'record':
    case 'enum':
    case 'fixed':
      return nested ? type.name : `${type.type} ${type.name}`;
    case 'array':
      return `array<${describeType(type.items, true)}>`;
    case 'map':
      return `map<${describeType(type.values, true)}>`;
    default:
      return type.logicalType ? `${type.type} (${type.logicalType})` : type.type;
  }
}
