/**
 * Records of the `_schemas` topic: the registry's whole state, one compacted partition.
 * The layout is the one Confluent's registry writes, so the topic reads like theirs.
 * Keys and values are UTF-8 JSON; keys are always written with the fields in the order shown,
 * so that the same logical key is the same bytes (compaction keeps the last value per key).
 *
 *   schema version  key    {"keytype":"SCHEMA","subject":"<subject>","version":<n>,"magic":1}
 *                   value  {"subject":"<subject>","version":<n>,"id":<id>,"schema":"<schema>","deleted":<bool>}
 *                   null   (tombstone) the version is permanently deleted
 *   compatibility   key    {"keytype":"CONFIG","subject":"<subject>"|null,"magic":0}   (null: global)
 *                   value  {"compatibilityLevel":"<LEVEL>"}
 *                   null   the level is removed (global: back to the default, BACKWARD)
 *
 * `schema` is the normalized schema (see canonical.ts). `schemaType` is absent (AVRO) and
 * `references` empty: this registry accepts neither. Other key types that Confluent writes
 * (NOOP, MODE, DELETE_SUBJECT, ...) and anything that does not parse decode as `skipped`.
 */
import { type CompatibilityLevel, isCompatibilityLevel } from './compatibility.js';

export interface SchemaValue {
  subject: string;
  version: number;
  id: number;
  schema: string;
  deleted: boolean;
}

export type LogRecord =
  | { kind: 'schema'; subject: string; version: number; value: SchemaValue | null }
  | { kind: 'config'; subject: string | null; value: { compatibilityLevel: CompatibilityLevel } | null };

export type DecodedRecord = LogRecord | { kind: 'skipped'; reason: string };

export const schemaRecord = (value: SchemaValue): LogRecord => ({
  kind: 'schema',
  subject: value.subject,
  version: value.version,
  value,
});

export const schemaTombstone = (subject: string, version: number): LogRecord => ({
  kind: 'schema',
  subject,
  version,
  value: null,
});

export const configRecord = (subject: string | null, level: CompatibilityLevel | null): LogRecord => ({
  kind: 'config',
  subject,
  value: level === null ? null : { compatibilityLevel: level },
});

export function encodeRecord(record: LogRecord): { key: string; value: string | null } {
  if (record.kind === 'schema') {
    const key = JSON.stringify({
      keytype: 'SCHEMA',
      subject: record.subject,
      version: record.version,
      magic: 1,
    });
    const { value } = record;
    return {
      key,
      value:
        value === null
          ? null
          : JSON.stringify({
              subject: value.subject,
              version: value.version,
              id: value.id,
              schema: value.schema,
              deleted: value.deleted,
            }),
    };
  }
  return {
    key: JSON.stringify({ keytype: 'CONFIG', subject: record.subject, magic: 0 }),
    value:
      record.value === null ? null : JSON.stringify({ compatibilityLevel: record.value.compatibilityLevel }),
  };
}

type Fields = Record<string, unknown>;

function parseObject(text: string): Fields | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Fields)
      : undefined;
  } catch {
    return undefined;
  }
}

const isVersion = (value: unknown): value is number => Number.isInteger(value) && (value as number) > 0;

export function decodeRecord(key: string | null, value: string | null): DecodedRecord {
  const keyFields = key === null ? undefined : parseObject(key);
  if (keyFields === undefined) return { kind: 'skipped', reason: 'key is not a JSON object' };
  const { keytype, subject } = keyFields;
  if (keytype === 'SCHEMA') {
    const { version } = keyFields;
    if (typeof subject !== 'string' || !isVersion(version))
      return { kind: 'skipped', reason: 'malformed SCHEMA key' };
    if (value === null) return { kind: 'schema', subject, version, value: null };
    const fields = parseObject(value);
    if (
      fields === undefined ||
      !isVersion(fields.id) ||
      typeof fields.schema !== 'string' ||
      (fields.schemaType !== undefined && fields.schemaType !== null && fields.schemaType !== 'AVRO')
    ) {
      return { kind: 'skipped', reason: 'SCHEMA value is not an AVRO schema version' };
    }
    return schemaRecord({
      subject,
      version,
      id: fields.id,
      schema: fields.schema,
      deleted: fields.deleted === true,
    });
  }
  if (keytype === 'CONFIG') {
    if (typeof subject !== 'string' && subject !== null && subject !== undefined) {
      return { kind: 'skipped', reason: 'malformed CONFIG key' };
    }
    const scope = subject ?? null;
    if (value === null) return configRecord(scope, null);
    const level = parseObject(value)?.compatibilityLevel;
    if (!isCompatibilityLevel(level))
      return { kind: 'skipped', reason: 'CONFIG value has no valid compatibilityLevel' };
    return configRecord(scope, level);
  }
  return { kind: 'skipped', reason: `key type ${String(keytype)} is not used by this registry` };
}
