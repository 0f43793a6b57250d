import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Schema } from 'avsc';
import avro from 'avsc';
import { listAvroSchemaNames } from '../../src/avro.js';
import { type AvroField, type AvroRecordSchema, sharedNamedTypeProblems } from '../../src/avro-model.js';
import { type CompatibilityLevel, topicList } from '../../src/topics.js';
import { loadSchemas } from './files.js';

/**
 * The compatibility gate: each current `.avsc` must be compatible, at its
 * subject's level, with its last released version in `released/`, so that a
 * change that would be refused by the schema registry (and break consumers)
 * fails in CI, before any producer tries to register it.
 */

/** `checkCompatibility` of @cellstream/registry: the same decision the registry makes on registration. */
export type CompatibilityCheck = (
  candidate: string,
  previous: string[],
  level: CompatibilityLevel,
) => { compatible: boolean; messages: string[] };

export interface GateOptions {
  avroDir: string;
  releasedDir: string;
  check: CompatibilityCheck;
}

export interface GateResult {
  ok: boolean;
  lines: string[];
}

export function runGate({ avroDir, releasedDir, check }: GateOptions): GateResult {
  const lines: string[] = [];
  let ok = true;
  const fail = (line: string) => {
    ok = false;
    lines.push(`✗ ${line}`);
  };

  let current: AvroRecordSchema[];
  try {
    current = loadSchemas(avroDir);
  } catch (error) {
    fail((error as Error).message);
    return { ok, lines };
  }
  for (const problem of sharedNamedTypeProblems(current)) fail(problem);

  const released = existsSync(releasedDir) ? listAvroSchemaNames(releasedDir) : [];
  for (const name of released) {
    if (!current.some((schema) => schema.name === name)) {
      fail(`${name} was released but avro/${name}.avsc is gone; its subject still has readers. Restore it.`);
    }
  }

  for (const schema of current) {
    const level = levelOf(schema.name);
    if (!released.includes(schema.name)) {
      lines.push(
        `• ${schema.name}: new, no released version to compare with (copy it to released/ when released)`,
      );
      continue;
    }
    const previousText = readFileSync(join(releasedDir, `${schema.name}.avsc`), 'utf8');
    const previous = JSON.parse(previousText) as AvroRecordSchema;
    const candidate = JSON.stringify(schema);
    const result = check(candidate, [JSON.stringify(previous)], level);
    if (result.compatible) {
      const same = candidate === JSON.stringify(previous);
      lines.push(
        `✓ ${schema.name}: ${same ? 'unchanged since' : `${level} compatible with`} released/${schema.name}.avsc`,
      );
      continue;
    }
    fail(`${schema.name} is not ${level} compatible with released/${schema.name}.avsc:`);
    for (const reason of explainBackward(schema, previous)) lines.push(`    - ${reason}`);
    for (const message of result.messages) lines.push(`    registry: ${message}`);
    lines.push(
      '    Consumers holding the new schema could not read records already written. Give an added field a',
      '    default, keep removed enum symbols, or publish a new topic version (.v2) for a breaking change.',
    );
  }
  return { ok, lines };
}

function levelOf(recordName: string): CompatibilityLevel {
  return topicList.find((spec) => spec.value === recordName)?.compatibility ?? 'BACKWARD';
}

/**
 * Names the fields that break BACKWARD compatibility (the new schema reading
 * old data), one line each, by resolving each field on its own. Best effort:
 * the registry's messages below it are the authority.
 */
export function explainBackward(reader: AvroRecordSchema, writer: AvroRecordSchema): string[] {
  const reasons: string[] = [];
  for (const field of reader.fields) {
    const writerField = writer.fields.find(
      (candidate) => candidate.name === field.name || field.aliases?.includes(candidate.name),
    );
    if (!writerField) {
      if (field.default === undefined) reasons.push(`field ${field.name} was added without a default`);
      continue;
    }
    const reason = fieldResolution(reader, field, writer, writerField);
    if (reason) reasons.push(`field ${field.name}: ${reason}`);
  }
  return reasons;
}

function fieldResolution(
  reader: AvroRecordSchema,
  readerField: AvroField,
  writer: AvroRecordSchema,
  writerField: AvroField,
): string | undefined {
  const single = (record: AvroRecordSchema, field: AvroField) =>
    avro.Type.forSchema({ ...record, fields: [{ ...field, name: readerField.name }] } as Schema);
  try {
    single(reader, readerField).createResolver(single(writer, writerField), { ignoreNamespaces: true });
    return undefined;
  } catch (error) {
    const message = (error as Error).message;
    // A field that references a named type defined by another field cannot be parsed alone; say nothing then.
    return /undefined type name|unknown type/i.test(message) ? undefined : message.split('\n')[0];
  }
}
