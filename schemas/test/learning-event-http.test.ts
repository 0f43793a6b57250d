import AjvCompiler from '@fastify/ajv-compiler';
import { describe, expect, it } from 'vitest';
import {
  avroSchema,
  avroType,
  type LearningEventHttp,
  learningEventAliases,
  learningEventFieldLimits,
  learningEventJsonSchema,
  learningEventServerFields,
  parseRfc3339,
  toLearningEventRecord,
  unknownLearningEventFields,
} from '../src/index.js';

/** A validator built the way Fastify builds route validators (its ajv v8, ajv-formats, default options). */
function fastifyValidator(schema: object, customOptions: Record<string, unknown> = {}) {
  const validate = AjvCompiler()({}, { customOptions })({ schema });
  return (value: unknown) => {
    const copy = structuredClone(value);
    const ok = validate(copy) as boolean;
    return { ok, errors: validate.errors ?? [], value: copy };
  };
}

const avroFields = avroSchema('LearningEvent').fields.map((field) => field.name);
const lenient = fastifyValidator(learningEventJsonSchema());
const strictSchema = learningEventJsonSchema({ rejectUnknownFields: true, $id: 'LearningEventStrict' });
const strict = fastifyValidator(strictSchema, { removeAdditional: false });

const valid: LearningEventHttp = {
  eventId: 'e-1',
  eventType: 'cell_executed',
  eventTime: '2025-01-13T09:30:00.123Z',
  userId: 'alice',
  classId: '42',
  notebookPath: 'week1/intro.ipynb',
  cellId: 'c-3',
  cellIndex: 3,
  executionCount: 7,
  cellType: 'code',
  code: 'x = 1',
  hasError: false,
  executionDurationMs: 12.5,
  metadata: { extensionVersion: '0.1.0' },
};

describe('tables of constraints Avro cannot express', () => {
  it('name only real LearningEvent fields', () => {
    for (const name of Object.keys(learningEventFieldLimits)) expect(avroFields, name).toContain(name);
    for (const name of learningEventServerFields) expect(avroFields, name).toContain(name);
    for (const name of Object.keys(learningEventAliases)) expect(avroFields, name).toContain(name);
  });

  it('map aliases to real symbols', () => {
    const symbols = avroType('LearningEvent').toJSON() as {
      fields: { name: string; type: { symbols?: string[] } }[];
    };
    const eventType = symbols.fields.find((field) => field.name === 'eventType')?.type.symbols ?? [];
    for (const target of Object.values(learningEventAliases.eventType)) expect(eventType).toContain(target);
  });
});

describe('learningEventJsonSchema()', () => {
  const schema = learningEventJsonSchema() as {
    required: string[];
    properties: Record<string, Record<string, unknown>>;
    additionalProperties: boolean;
  };

  it('is derived from the Avro fields, without the server-set receivedAt', () => {
    expect(Object.keys(schema.properties)).toEqual(avroFields.filter((name) => name !== 'receivedAt'));
    expect(schema.required).toEqual(['eventId', 'eventType', 'eventTime', 'userId']);
    expect(schema.properties.code?.description).toBe(avroSchema('LearningEvent').fields[11]?.doc);
  });

  it('lists the event types clients send plus the alias, not the reader-only unknown', () => {
    const symbols = schema.properties.eventType?.enum as string[];
    expect(symbols).toContain('cell_execution_complete');
    expect(symbols).toContain('cell_executed');
    expect(symbols).not.toContain('unknown');
    expect(symbols).toHaveLength(13);
  });

  it('types the fields for JSON', () => {
    expect(schema.properties.eventTime).toMatchObject({ type: 'string', format: 'date-time' });
    expect(schema.properties.cellIndex).toMatchObject({ type: ['integer', 'null'], minimum: 0 });
    expect(schema.properties.executionDurationMs).toMatchObject({ type: ['number', 'null'], minimum: 0 });
    expect(schema.properties.code).toMatchObject({ type: ['string', 'null'], maxLength: 65536 });
    expect(schema.properties.errorMessage).toMatchObject({ maxLength: 16384 });
    expect(schema.properties.cellType?.enum).toEqual(['code', 'markdown', 'raw', null]);
    expect(schema.additionalProperties).toBe(true);
  });

  it('accepts a valid event and a minimal one', () => {
    expect(lenient(valid).errors).toEqual([]);
    const minimal = {
      eventId: 'e',
      eventType: 'session_start',
      eventTime: '2025-01-13T09:30:00Z',
      userId: 'u',
    };
    expect(lenient(minimal).ok).toBe(true);
    expect(lenient({ ...minimal, classId: null, cellType: null, metadata: null }).ok).toBe(true);
  });

  it.each([
    ['a missing eventId', { eventId: undefined }, 'eventId'],
    ['an unknown eventType', { eventType: 'cell_exploded' }, 'eventType'],
    ['the reader-only unknown eventType', { eventType: 'unknown' }, 'eventType'],
    ['an eventTime without offset', { eventTime: '2025-01-13T09:30:00' }, 'eventTime'],
    ['an eventTime as epoch number', { eventTime: 1736760600000 }, 'eventTime'],
    ['a fractional cellIndex', { cellIndex: 1.5 }, 'cellIndex'],
    ['a negative duration', { executionDurationMs: -1 }, 'executionDurationMs'],
    ['code over 64 KiB', { code: 'x'.repeat(64 * 1024 + 1) }, 'code'],
    ['an errorMessage over 16 KiB', { errorMessage: 'x'.repeat(16 * 1024 + 1) }, 'errorMessage'],
    ['an empty userId', { userId: '' }, 'userId'],
    ['a non-string metadata value', { metadata: { n: { nested: true } } }, 'metadata'],
    [
      'too many metadata entries',
      { metadata: Object.fromEntries([...Array(65).keys()].map((i) => [`k${i}`, 'v'])) },
      'metadata',
    ],
    ['an invalid cellType', { cellType: 'python' }, 'cellType'],
  ])('rejects %s', (_label, change, field) => {
    const event = { ...valid, ...change };
    const result = lenient(event);
    expect(result.ok).toBe(false);
    expect(JSON.stringify(result.errors)).toContain(field);
  });

  it('accepts the largest allowed strings', () => {
    expect(lenient({ ...valid, code: 'x'.repeat(64 * 1024), result: 'y'.repeat(16 * 1024) }).ok).toBe(true);
  });

  it('ignores unknown fields by default and rejects them in strict mode', () => {
    const newer = { ...valid, cellTags: 'exercise' };
    expect(lenient(newer).ok).toBe(true);
    expect(unknownLearningEventFields(newer)).toEqual(['cellTags']);
    const result = strict(newer);
    expect(result.ok).toBe(false);
    expect(result.errors[0]).toMatchObject({
      keyword: 'additionalProperties',
      params: { additionalProperty: 'cellTags' },
    });
  });

  it("is stripped rather than rejected in strict mode under Fastify's default removeAdditional", () => {
    const result = fastifyValidator(strictSchema)({ ...valid, cellTags: 'exercise' });
    expect(result.ok).toBe(true);
    expect(result.value).not.toHaveProperty('cellTags');
  });

  it('counts receivedAt sent by a client as unknown: the server sets it', () => {
    expect(unknownLearningEventFields({ ...valid, receivedAt: 1 })).toEqual(['receivedAt']);
  });
});

describe('toLearningEventRecord()', () => {
  it('converts a validated HTTP event into a valid Avro record', () => {
    const receivedAt = Date.UTC(2025, 0, 13, 9, 30, 1);
    const record = toLearningEventRecord(valid, receivedAt);
    expect(record).toEqual({
      eventId: 'e-1',
      eventType: 'cell_execution_complete',
      eventTime: Date.UTC(2025, 0, 13, 9, 30, 0, 123),
      userId: 'alice',
      classId: '42',
      sessionId: null,
      notebookPath: 'week1/intro.ipynb',
      cellId: 'c-3',
      cellIndex: 3,
      executionCount: 7,
      cellType: 'code',
      code: 'x = 1',
      hasError: false,
      errorName: null,
      errorMessage: null,
      result: null,
      executionDurationMs: 12.5,
      metadata: { extensionVersion: '0.1.0' },
      receivedAt,
    });
    expect(avroType('LearningEvent').isValid(record)).toBe(true);
  });

  it('fills defaults, drops unknown fields and ignores a client receivedAt', () => {
    const input = {
      eventId: 'e',
      eventType: 'help_request',
      eventTime: '2025-01-13T10:30:00+01:00',
      userId: 'u',
      metadata: null,
      extra: 'dropped',
      receivedAt: 5,
    } as unknown as LearningEventHttp;
    const record = toLearningEventRecord(input, 1000);
    expect(record.metadata).toEqual({});
    expect(record.classId).toBeNull();
    expect(record.eventTime).toBe(Date.UTC(2025, 0, 13, 9, 30));
    expect(record.receivedAt).toBe(1000);
    expect('extra' in record).toBe(false);
    expect(avroType('LearningEvent').isValid(record)).toBe(true);
  });

  it('throws SCHEMAS_INVALID_EVENT for an event that skipped validation', () => {
    const broken = {
      eventId: 'e',
      eventType: 'session_start',
      eventTime: 'yesterday',
      userId: 'u',
    } as LearningEventHttp;
    expect(() => toLearningEventRecord(broken, 0)).toThrow(
      expect.objectContaining({ code: 'SCHEMAS_INVALID_EVENT' }),
    );
    const missing = {
      eventId: 'e',
      eventType: 'session_start',
      eventTime: '2025-01-13T09:30:00Z',
    } as LearningEventHttp;
    expect(() => toLearningEventRecord(missing, 0)).toThrow(/userId/);
  });
});

describe('parseRfc3339()', () => {
  it.each([
    ['2025-01-13T09:30:00Z', Date.UTC(2025, 0, 13, 9, 30)],
    ['2025-01-13t09:30:00.5z', Date.UTC(2025, 0, 13, 9, 30, 0, 500)],
    ['2025-01-13 09:30:00.123456Z', Date.UTC(2025, 0, 13, 9, 30, 0, 123)],
    ['2025-01-13T11:30:00+02:00', Date.UTC(2025, 0, 13, 9, 30)],
    ['2025-01-13T04:00:00-0530', Date.UTC(2025, 0, 13, 9, 30)],
    ['2024-02-29T00:00:00Z', Date.UTC(2024, 1, 29)],
    ['0050-06-01T00:00:00Z', Date.parse('0050-06-01T00:00:00.000Z')],
  ])('parses %s', (text, expected) => {
    expect(parseRfc3339(text)).toBe(expected);
  });

  it.each([
    '2025-01-13T09:30:00',
    '2025-02-29T00:00:00Z',
    '2025-13-01T00:00:00Z',
    '2025-01-13T24:00:00Z',
    'soon',
  ])('refuses %s', (text) => {
    expect(parseRfc3339(text)).toBeUndefined();
  });

  it('agrees with the date-time format Fastify validates', () => {
    const validate = fastifyValidator({ type: 'string', format: 'date-time' });
    for (const text of [
      '2025-01-13T09:30:00Z',
      '2025-01-13 09:30:00+01',
      '2025-01-13T09:30:00',
      '2025-02-30T00:00:00Z',
    ]) {
      expect(parseRfc3339(text) !== undefined, text).toBe(validate(text).ok);
    }
  });
});
