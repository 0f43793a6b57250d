import type { Schema } from 'avsc';
import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import {
  type AvroEnumSchema,
  type AvroRecordSchema,
  avroRecordNames,
  avroSchema,
  avroType,
  eventTypeSymbols,
  listAvroSchemaNames,
  missingDocs,
  namedTypesOf,
  sharedNamedTypeProblems,
  unwrapNullable,
} from '../src/index.js';
import { minimalLearningEvent, samples } from './fixtures.js';

const schemas = avroRecordNames.map((name) => avroSchema(name));

/** The enum type of `field` in a copy of a schema, to change it. */
function enumOf(schema: AvroRecordSchema, field: string): AvroEnumSchema {
  const type = schema.fields.find((candidate) => candidate.name === field)?.type;
  if (typeof type !== 'object' || Array.isArray(type) || type.type !== 'enum')
    throw new Error(`${field} is no enum`);
  return type;
}

describe('the .avsc files', () => {
  it('are one per generated record name, and each parses with avsc', () => {
    expect(listAvroSchemaNames()).toEqual([...avroRecordNames]);
    for (const name of avroRecordNames) expect(avroType(name).name).toBe(`dev.cellstream.learning.${name}`);
  });

  it('document every record, field and enum', () => {
    for (const schema of schemas) expect(missingDocs(schema), schema.name).toEqual([]);
  });

  it('all live in the namespace dev.cellstream.learning', () => {
    for (const schema of schemas) expect(schema.namespace).toBe('dev.cellstream.learning');
  });

  it('define shared named types (EventType) identically wherever they repeat them', () => {
    expect(sharedNamedTypeProblems(schemas)).toEqual([]);
    const eventTypes = schemas.flatMap((schema) =>
      namedTypesOf(schema).filter((entry) => entry.fullName === 'dev.cellstream.learning.EventType'),
    );
    expect(eventTypes.length).toBe(2);
  });

  it('reports a shared named type defined differently', () => {
    const altered = structuredClone(avroSchema('StudentStatus')) as AvroRecordSchema;
    enumOf(altered, 'lastEventType').symbols.push('extra');
    expect(sharedNamedTypeProblems([avroSchema('LearningEvent'), altered])[0]).toMatch(
      /dev\.cellstream\.learning\.EventType is defined differently in LearningEvent and StudentStatus/,
    );
  });

  it('give every enum the reader-only default `unknown`', () => {
    for (const schema of schemas) {
      for (const { fullName, schema: named } of namedTypesOf(schema)) {
        if (named.type !== 'enum') continue;
        expect(named.default, fullName).toBe('unknown');
        expect(named.symbols, fullName).toContain('unknown');
      }
    }
  });

  it('give LearningEvent exactly the contract fields plus receivedAt, with the 12 event types', () => {
    expect(avroSchema('LearningEvent').fields.map((field) => field.name)).toEqual([
      'eventId',
      'eventType',
      'eventTime',
      'userId',
      'classId',
      'sessionId',
      'notebookPath',
      'cellId',
      'cellIndex',
      'executionCount',
      'cellType',
      'code',
      'hasError',
      'errorName',
      'errorMessage',
      'result',
      'executionDurationMs',
      'metadata',
      'receivedAt',
    ]);
    expect(eventTypeSymbols.filter((symbol) => symbol !== 'unknown')).toEqual([
      'session_start',
      'session_end',
      'notebook_open',
      'notebook_save',
      'notebook_close',
      'cell_execution_start',
      'cell_execution_complete',
      'cell_execution_error',
      'kernel_restart',
      'kernel_interrupt',
      'help_request',
      'help_cancel',
    ]);
  });

  it('carry at least the contract fields of ClassAggregate and StudentStatus', () => {
    const names = (name: 'ClassAggregate' | 'StudentStatus') =>
      avroSchema(name).fields.map((field) => field.name);
    expect(names('ClassAggregate')).toEqual(
      expect.arrayContaining([
        'classId',
        'updatedAt',
        'totalExecutions',
        'totalErrors',
        'activeStudents',
        'executionsLastMinute',
        'errorsLastMinute',
      ]),
    );
    expect(names('StudentStatus')).toEqual(
      expect.arrayContaining([
        'classId',
        'userId',
        'status',
        'lastEventType',
        'lastEventTime',
        'executions',
        'errors',
        'consecutiveErrors',
        'notebookPath',
        'cellId',
      ]),
    );
  });

  it('give every nullable field a null default', () => {
    for (const schema of schemas) {
      for (const { schema: named } of namedTypesOf(schema)) {
        if (named.type !== 'record') continue;
        for (const field of named.fields) {
          if (unwrapNullable(field.type).nullable)
            expect(field.default, `${named.name}.${field.name}`).toBeNull();
        }
      }
    }
  });
});

describe('avsc round trip', () => {
  it.each(avroRecordNames)('encodes and decodes a %s unchanged, timestamps as numbers', (name) => {
    const type = avroType(name);
    const record = samples[name];
    expect(type.isValid(record)).toBe(true);
    const decoded = type.fromBuffer(type.toBuffer(record));
    expect(decoded).toEqual(record);
    expect(Object.values(decoded).some((value) => value instanceof Date)).toBe(false);
  });

  it('round-trips a LearningEvent with every optional field null', () => {
    const type = avroType('LearningEvent');
    expect(type.fromBuffer(type.toBuffer(minimalLearningEvent))).toEqual(minimalLearningEvent);
  });

  it('lets a reader with an older EventType read a symbol added later as unknown (why the default exists)', () => {
    const newer = structuredClone(avroSchema('StudentStatus')) as AvroRecordSchema;
    enumOf(newer, 'lastEventType').symbols.push('cell_output_cleared');
    const writer = avro.Type.forSchema(newer as Schema);
    const reader = avroType('StudentStatus');
    const buffer = writer.toBuffer({ ...samples.StudentStatus, lastEventType: 'cell_output_cleared' });
    expect(reader.fromBuffer(buffer, reader.createResolver(writer)).lastEventType).toBe('unknown');
  });
});
