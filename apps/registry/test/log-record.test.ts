import { describe, expect, it } from 'vitest';
import {
  configRecord,
  decodeRecord,
  encodeRecord,
  schemaRecord,
  schemaTombstone,
} from '../src/log-record.js';

const value = { subject: 's-value', version: 2, id: 7, schema: '"string"', deleted: false };

describe('log records', () => {
  it("writes Confluent's key and value layout", () => {
    expect(encodeRecord(schemaRecord(value))).toEqual({
      key: '{"keytype":"SCHEMA","subject":"s-value","version":2,"magic":1}',
      value: '{"subject":"s-value","version":2,"id":7,"schema":"\\"string\\"","deleted":false}',
    });
    expect(encodeRecord(configRecord(null, 'FULL'))).toEqual({
      key: '{"keytype":"CONFIG","subject":null,"magic":0}',
      value: '{"compatibilityLevel":"FULL"}',
    });
    expect(encodeRecord(schemaTombstone('s', 1)).value).toBeNull();
    expect(encodeRecord(configRecord('s', null))).toEqual({
      key: '{"keytype":"CONFIG","subject":"s","magic":0}',
      value: null,
    });
  });

  it('reads back what it writes', () => {
    for (const record of [
      schemaRecord(value),
      schemaRecord({ ...value, deleted: true }),
      schemaTombstone('s', 3),
      configRecord(null, 'NONE'),
      configRecord('s', 'FORWARD_TRANSITIVE'),
      configRecord('s', null),
    ]) {
      const { key, value: encoded } = encodeRecord(record);
      expect(decodeRecord(key, encoded)).toEqual(record);
    }
  });

  it("reads Confluent's own records, ignoring fields it does not use", () => {
    const decoded = decodeRecord(
      '{"keytype":"SCHEMA","subject":"t","version":1,"magic":1}',
      '{"subject":"t","version":1,"id":1,"schema":"\\"int\\"","deleted":false,"schemaType":"AVRO","references":[]}',
    );
    expect(decoded).toMatchObject({ kind: 'schema', value: { id: 1, schema: '"int"' } });
    expect(
      decodeRecord(
        '{"keytype":"CONFIG","subject":"t","magic":0}',
        '{"compatibilityLevel":"FULL","normalize":true}',
      ),
    ).toEqual(configRecord('t', 'FULL'));
  });

  it.each([
    ['a NOOP', '{"keytype":"NOOP","magic":0}', null],
    ['a MODE record', '{"keytype":"MODE","subject":null,"magic":0}', '{"mode":"READWRITE"}'],
    ['a key that is not JSON', 'garbage', '{}'],
    ['a null key', null, '{}'],
    ['a SCHEMA key without version', '{"keytype":"SCHEMA","subject":"s","magic":1}', '{}'],
    [
      'a PROTOBUF schema',
      '{"keytype":"SCHEMA","subject":"s","version":1,"magic":1}',
      '{"id":1,"schema":"x","schemaType":"PROTOBUF"}',
    ],
    [
      'an unknown level',
      '{"keytype":"CONFIG","subject":null,"magic":0}',
      '{"compatibilityLevel":"SOMETIMES"}',
    ],
  ])('skips %s', (_label, key, encoded) => {
    expect(decodeRecord(key, encoded).kind).toBe('skipped');
  });
});
