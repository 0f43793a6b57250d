import { describe, expect, it } from 'vitest';
import { parseSchemaId, parseSchemaRequest, parseVersion } from '../src/requests.js';

describe('request parsing', () => {
  it('reads versions as Confluent does', () => {
    expect(parseVersion('latest')).toBe('latest');
    expect(parseVersion('-1')).toBe('latest');
    expect(parseVersion('7')).toBe(7);
    for (const bad of ['0', '-2', 'abc', '1.5', '2147483648', '']) {
      expect(() => parseVersion(bad)).toThrow(expect.objectContaining({ errorCode: 42202 }));
    }
  });

  it('treats an id that cannot exist as not found', () => {
    expect(parseSchemaId('12')).toBe(12);
    expect(() => parseSchemaId('x')).toThrow(expect.objectContaining({ errorCode: 40403 }));
  });

  it('accepts AVRO schemas only, without references', () => {
    expect(parseSchemaRequest({ schema: '"int"' })).toEqual({ schema: '"int"' });
    expect(parseSchemaRequest({ schema: '"int"', schemaType: 'AVRO', references: [] })).toEqual({
      schema: '"int"',
    });
    expect(() => parseSchemaRequest({ schema: '"int"', schemaType: 'PROTOBUF' })).toThrow(/AVRO only/);
    expect(() =>
      parseSchemaRequest({ schema: '"int"', references: [{ name: 'x', subject: 's', version: 1 }] }),
    ).toThrow(/references/);
    expect(() => parseSchemaRequest({})).toThrow(expect.objectContaining({ errorCode: 42201 }));
    expect(() => parseSchemaRequest('nope')).toThrow(expect.objectContaining({ errorCode: 422 }));
  });
});
