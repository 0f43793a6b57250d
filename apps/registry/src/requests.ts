import { RegistryError } from './errors.js';

/** Parsing of what clients send: bodies, version ids, schema ids, flags. */

export type VersionRef = number | 'latest';

const maxVersion = 2 ** 31 - 1;

/** `latest`, `-1` (Confluent's alias of latest) or 1..2^31-1; anything else is 42202. */
export function parseVersion(raw: string): VersionRef {
  if (raw === 'latest' || raw === '-1') return 'latest';
  const version = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isInteger(version) || version < 1 || version > maxVersion) {
    throw new RegistryError(
      'INVALID_VERSION',
      `The specified version '${raw}' is not a valid version id. Allowed values are between [1, 2^31-1] and the string "latest"`,
    );
  }
  return version;
}

/** A schema id from a path; one that cannot be an id is simply not found. */
export function parseSchemaId(raw: string): number {
  const id = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(id) || id < 1)
    throw new RegistryError('SCHEMA_NOT_FOUND', `Schema ${raw} not found`);
  return id;
}

/** Query flags such as `?deleted=true`. */
export const isTrue = (value: unknown): boolean => value === true || value === 'true';

export interface SchemaRequest {
  schema: string;
}

/** `{schema, schemaType?, references?}`: AVRO only, without references. */
export function parseSchemaRequest(body: unknown): SchemaRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new RegistryError('UNPROCESSABLE', 'The request body must be a JSON object with a "schema" string');
  }
  const { schema, schemaType, references } = body as Record<string, unknown>;
  if (typeof schema !== 'string' || schema.trim() === '') {
    throw new RegistryError('INVALID_SCHEMA', 'Invalid schema: "schema" must be a non-empty string');
  }
  if (schemaType !== undefined && schemaType !== null && schemaType !== 'AVRO') {
    throw new RegistryError(
      'INVALID_SCHEMA',
      `Invalid schema: schemaType ${JSON.stringify(schemaType)} is not supported; this registry accepts AVRO only`,
    );
  }
  if (Array.isArray(references) && references.length > 0) {
    throw new RegistryError(
      'INVALID_SCHEMA',
      'Invalid schema: schema references are not supported by this registry',
    );
  }
  return { schema };
}

/** `{compatibility}` of `PUT /config`. */
export function parseConfigRequest(body: unknown): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new RegistryError(
      'UNPROCESSABLE',
      'The request body must be a JSON object with a "compatibility" level',
    );
  }
  return (body as Record<string, unknown>).compatibility;
}
