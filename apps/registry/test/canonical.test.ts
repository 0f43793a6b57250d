import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { normalizeAvroSchema, parsingCanonicalForm } from '../src/canonical.js';

const event = {
  namespace: 'cellstream',
  type: 'record',
  name: 'Event',
  doc: 'An event',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'kind', type: { type: 'enum', name: 'Kind', symbols: ['A', 'B'] } },
    { name: 'other', type: 'Kind', default: 'A' },
    { name: 'at', type: { type: 'long', logicalType: 'timestamp-millis' } },
    {
      name: 'inner',
      type: {
        type: 'record',
        name: 'Inner',
        namespace: 'other.ns',
        fields: [{ name: 'k', type: 'cellstream.Kind' }],
      },
    },
    { name: 'tags', type: { type: 'array', items: 'string' }, default: [] },
    { name: 'maybe', type: ['null', 'other.ns.Inner'], default: null },
  ],
};

const normalize = (schema: unknown) => normalizeAvroSchema(JSON.stringify(schema));

describe('normalizeAvroSchema', () => {
  it('writes a schema as Avro Java does (type, name, namespace, doc, fields; short names inside a namespace)', () => {
    expect(JSON.parse(normalize(event))).toEqual({
      type: 'record',
      name: 'Event',
      namespace: 'cellstream',
      doc: 'An event',
      fields: [
        { name: 'id', type: 'string' },
        { name: 'kind', type: { type: 'enum', name: 'Kind', symbols: ['A', 'B'] } },
        { name: 'other', type: 'Kind', default: 'A' },
        { name: 'at', type: { type: 'long', logicalType: 'timestamp-millis' } },
        {
          name: 'inner',
          type: {
            type: 'record',
            name: 'Inner',
            namespace: 'other.ns',
            fields: [{ name: 'k', type: 'cellstream.Kind' }],
          },
        },
        { name: 'tags', type: { type: 'array', items: 'string' }, default: [] },
        { name: 'maybe', type: ['null', 'other.ns.Inner'], default: null },
      ],
    });
    expect(normalize(event)).toMatch(/^\{"type":"record","name":"Event","namespace":"cellstream","doc":/);
  });

  it('ignores whitespace, key order, {"type": "int"} wrappers and how the namespace is spelled', () => {
    const a = '{"type":"record","name":"a.b.User","fields":[{"name":"n","type":"int"}]}';
    const b = `{
      "fields": [ { "type": { "type": "int" }, "name": "n" } ],
      "namespace": "a.b",
      "name": "User",
      "type": "record"
    }`;
    expect(normalizeAvroSchema(b)).toBe(normalizeAvroSchema(a));
  });

  it('ignores the order of custom attributes but keeps them', () => {
    const a = normalize({ type: 'record', name: 'R', fields: [], owner: 'x', 'x-ver': 2 });
    const b = normalize({ 'x-ver': 2, owner: 'x', type: 'record', name: 'R', fields: [] });
    expect(a).toBe(b);
    expect(JSON.parse(a)).toMatchObject({ owner: 'x', 'x-ver': 2 });
  });

  it('keeps doc, default, order, aliases and logicalType significant', () => {
    const base = { type: 'record', name: 'R', fields: [{ name: 'n', type: 'int' }] };
    const variants = [
      { ...base, doc: 'documented' },
      { ...base, fields: [{ name: 'n', type: 'int', doc: 'a number' }] },
      { ...base, fields: [{ name: 'n', type: 'int', default: 0 }] },
      { ...base, fields: [{ name: 'n', type: 'int', order: 'descending' }] },
      { ...base, fields: [{ name: 'n', type: 'int', aliases: ['m'] }] },
      { ...base, aliases: ['Old'] },
      { ...base, fields: [{ name: 'n', type: { type: 'int', logicalType: 'date' } }] },
    ];
    const forms = new Set([normalize(base), ...variants.map(normalize)]);
    expect(forms.size).toBe(variants.length + 1);
  });

  it('drops what Avro gives no meaning ("order": "ascending", a doc on a primitive)', () => {
    const base = { type: 'record', name: 'R', fields: [{ name: 'n', type: 'int' }] };
    const same = { type: 'record', name: 'R', fields: [{ name: 'n', type: 'int', order: 'ascending' }] };
    expect(normalize(same)).toBe(normalize(base));
  });

  it('writes aliases relative to the type namespace', () => {
    const schema = {
      type: 'record',
      name: 'R',
      namespace: 'n',
      aliases: ['Old', 'n.Older', 'x.Other'],
      fields: [],
    };
    expect(JSON.parse(normalize(schema)).aliases).toEqual(['Old', 'Older', 'x.Other']);
  });

  it('marks a nested type without namespace inside a namespaced one with ""', () => {
    const schema = {
      type: 'record',
      name: 'R',
      namespace: 'n',
      fields: [{ name: 'f', type: { type: 'fixed', name: 'F', namespace: '', size: 2 } }],
    };
    const normalized = JSON.parse(normalize(schema));
    expect(normalized.fields[0].type).toEqual({ type: 'fixed', name: 'F', namespace: '', size: 2 });
  });

  it('accepts primitive schemas', () => {
    expect(normalizeAvroSchema('"string"')).toBe('"string"');
    expect(normalizeAvroSchema('{"type":"string"}')).toBe('"string"');
  });

  it('is idempotent and keeps the meaning (avsc reads the result as the same type)', () => {
    const once = normalize(event);
    expect(normalizeAvroSchema(once)).toBe(once);
    const original = avro.Type.forSchema(event as avro.Schema);
    expect(avro.Type.forSchema(JSON.parse(once)).equals(original)).toBe(true);
  });

  it.each([
    ['not JSON', '{type: record}'],
    ['an unknown type', '{"type":"nope"}'],
    ['an undefined name', '{"type":"record","name":"R","fields":[{"name":"f","type":"Missing"}]}'],
    ['an invalid default', '{"type":"record","name":"R","fields":[{"name":"f","type":"int","default":"x"}]}'],
    ['an anonymous record', '{"type":"record","fields":[]}'],
    ['an invalid name', '{"type":"record","name":"1R","fields":[]}'],
    ['duplicate union branches', '["int","int"]'],
  ])('rejects %s with INVALID_SCHEMA (42201)', (_label, schema) => {
    expect(() => normalizeAvroSchema(schema)).toThrow(expect.objectContaining({ errorCode: 42201 }));
  });
});

describe('parsingCanonicalForm', () => {
  it('keeps only what decoding needs, names fully qualified (Avro specification)', () => {
    const schema = {
      type: 'record',
      namespace: 'a.b',
      name: 'X',
      doc: 'gone',
      fields: [{ name: 'f', type: { type: 'int' }, default: 1, doc: 'gone too' }],
    };
    expect(parsingCanonicalForm(JSON.stringify(schema))).toBe(
      '{"name":"a.b.X","type":"record","fields":[{"name":"f","type":"int"}]}',
    );
  });
});
