import { describe, expect, it } from 'vitest';
import { type CompatibilityLevel, checkCompatibility } from '../src/compatibility.js';

const record = (fields: object[], extra: object = {}) =>
  JSON.stringify({ type: 'record', name: 'User', namespace: 'cellstream.test', fields, ...extra });
const color = (symbols: string[], extra: object = {}) =>
  record([{ name: 'color', type: { type: 'enum', name: 'Color', symbols, ...extra } }]);

interface Case {
  name: string;
  previous: string;
  next: string;
  /** Confluent's answers for BACKWARD, FORWARD and FULL. */
  expected: Record<'BACKWARD' | 'FORWARD' | 'FULL', boolean>;
}

const id = { name: 'id', type: 'int' };
const cases: Case[] = [
  {
    name: 'adding a field with a default',
    previous: record([id]),
    next: record([id, { name: 'email', type: 'string', default: '' }]),
    expected: { BACKWARD: true, FORWARD: true, FULL: true },
  },
  {
    name: 'adding a field without a default',
    previous: record([id]),
    next: record([id, { name: 'email', type: 'string' }]),
    expected: { BACKWARD: false, FORWARD: true, FULL: false },
  },
  {
    name: 'removing a field that had no default',
    previous: record([id, { name: 'email', type: 'string' }]),
    next: record([id]),
    expected: { BACKWARD: true, FORWARD: false, FULL: false },
  },
  {
    name: 'removing a field that had a default',
    previous: record([id, { name: 'email', type: 'string', default: '' }]),
    next: record([id]),
    expected: { BACKWARD: true, FORWARD: true, FULL: true },
  },
  {
    name: 'renaming a field with an alias to the old name',
    previous: record([id, { name: 'email', type: 'string' }]),
    next: record([id, { name: 'mail', type: 'string', aliases: ['email'] }]),
    expected: { BACKWARD: true, FORWARD: false, FULL: false },
  },
  {
    name: 'renaming a field without an alias',
    previous: record([id, { name: 'email', type: 'string' }]),
    next: record([id, { name: 'mail', type: 'string' }]),
    expected: { BACKWARD: false, FORWARD: false, FULL: false },
  },
  {
    name: 'renaming a record with an alias to the old name',
    previous: record([id]),
    next: JSON.stringify({
      type: 'record',
      name: 'Person',
      namespace: 'cellstream.test',
      aliases: ['User'],
      fields: [id],
    }),
    expected: { BACKWARD: true, FORWARD: false, FULL: false },
  },
  {
    name: 'renaming a record without an alias',
    previous: record([id]),
    next: JSON.stringify({ type: 'record', name: 'Person', namespace: 'cellstream.test', fields: [id] }),
    expected: { BACKWARD: false, FORWARD: false, FULL: false },
  },
  {
    name: 'changing only the namespace (Avro Java matches unqualified names)',
    previous: record([id]),
    next: JSON.stringify({ type: 'record', name: 'User', namespace: 'elsewhere', fields: [id] }),
    expected: { BACKWARD: true, FORWARD: true, FULL: true },
  },
  {
    name: 'promoting int to long',
    previous: record([{ name: 'n', type: 'int' }]),
    next: record([{ name: 'n', type: 'long' }]),
    expected: { BACKWARD: true, FORWARD: false, FULL: false },
  },
  {
    name: 'narrowing long to int',
    previous: record([{ name: 'n', type: 'long' }]),
    next: record([{ name: 'n', type: 'int' }]),
    expected: { BACKWARD: false, FORWARD: true, FULL: false },
  },
  {
    name: 'promoting int to double',
    previous: record([{ name: 'n', type: 'int' }]),
    next: record([{ name: 'n', type: 'double' }]),
    expected: { BACKWARD: true, FORWARD: false, FULL: false },
  },
  {
    name: 'changing string to int',
    previous: record([{ name: 'n', type: 'string' }]),
    next: record([{ name: 'n', type: 'int' }]),
    expected: { BACKWARD: false, FORWARD: false, FULL: false },
  },
  {
    name: 'changing string to bytes (interchangeable in Avro resolution)',
    previous: record([{ name: 'n', type: 'string' }]),
    next: record([{ name: 'n', type: 'bytes' }]),
    expected: { BACKWARD: true, FORWARD: true, FULL: true },
  },
  {
    name: 'adding an enum symbol',
    previous: color(['RED', 'GREEN']),
    next: color(['RED', 'GREEN', 'BLUE']),
    expected: { BACKWARD: true, FORWARD: false, FULL: false },
  },
  {
    name: 'adding an enum symbol when the old enum has a default',
    previous: color(['RED', 'GREEN'], { default: 'RED' }),
    next: color(['RED', 'GREEN', 'BLUE'], { default: 'RED' }),
    expected: { BACKWARD: true, FORWARD: true, FULL: true },
  },
  {
    name: 'removing an enum symbol',
    previous: color(['RED', 'GREEN', 'BLUE']),
    next: color(['RED', 'GREEN']),
    expected: { BACKWARD: false, FORWARD: true, FULL: false },
  },
  {
    name: 'removing an enum symbol when the new enum has a default',
    previous: color(['RED', 'GREEN', 'BLUE']),
    next: color(['RED', 'GREEN'], { default: 'RED' }),
    expected: { BACKWARD: true, FORWARD: true, FULL: true },
  },
  {
    name: 'widening a union',
    previous: record([{ name: 'v', type: ['null', 'string'], default: null }]),
    next: record([{ name: 'v', type: ['null', 'string', 'int'], default: null }]),
    expected: { BACKWARD: true, FORWARD: false, FULL: false },
  },
  {
    name: 'making a field optional (a type into a union containing it)',
    previous: record([{ name: 'v', type: 'string' }]),
    next: record([{ name: 'v', type: ['null', 'string'], default: null }]),
    expected: { BACKWARD: true, FORWARD: false, FULL: false },
  },
  {
    name: 'changing a fixed size',
    previous: record([{ name: 'f', type: { type: 'fixed', name: 'Hash', size: 16 } }]),
    next: record([{ name: 'f', type: { type: 'fixed', name: 'Hash', size: 32 } }]),
    expected: { BACKWARD: false, FORWARD: false, FULL: false },
  },
  {
    name: 'changing only a doc',
    previous: record([id]),
    next: record([{ ...id, doc: 'the id' }], { doc: 'a user' }),
    expected: { BACKWARD: true, FORWARD: true, FULL: true },
  },
];

describe('checkCompatibility', () => {
  for (const testCase of cases) {
    for (const level of ['BACKWARD', 'FORWARD', 'FULL'] as const) {
      const expected = testCase.expected[level];
      it(`${testCase.name}: ${level} ${expected ? 'compatible' : 'incompatible'}`, () => {
        const result = checkCompatibility(testCase.next, [testCase.previous], level);
        expect(result.compatible, result.messages.join('\n')).toBe(expected);
        expect(result.messages.length === 0).toBe(expected);
      });
    }
    it(`${testCase.name}: NONE compatible`, () => {
      expect(checkCompatibility(testCase.next, [testCase.previous], 'NONE').compatible).toBe(true);
    });
  }

  it('is compatible with anything when there is no previous schema', () => {
    expect(checkCompatibility(record([id]), [], 'FULL_TRANSITIVE')).toEqual({
      compatible: true,
      messages: [],
    });
  });

  describe('transitive levels check every previous schema, plain levels only the latest', () => {
    // v1 has no `email`; v2 adds it with a default; v3 drops the default. v3 can read v2 data but
    // not v1 data.
    const v1 = record([id]);
    const v2 = record([id, { name: 'email', type: 'string', default: '' }]);
    const v3 = record([id, { name: 'email', type: 'string' }]);
    const table: [CompatibilityLevel, boolean][] = [
      ['BACKWARD', true],
      ['BACKWARD_TRANSITIVE', false],
      ['FULL', true],
      ['FULL_TRANSITIVE', false],
      ['FORWARD', true],
      ['FORWARD_TRANSITIVE', true],
    ];
    for (const [level, expected] of table) {
      it(`${level}: ${expected}`, () => {
        const result = checkCompatibility(v3, [v1, v2], level);
        expect(result.compatible, result.messages.join('\n')).toBe(expected);
      });
    }

    it('names the previous schema that fails', () => {
      const result = checkCompatibility(v3, [v1, v2], 'BACKWARD_TRANSITIVE');
      expect(result.messages).toHaveLength(1);
      expect(result.messages[0]).toContain('previous schema 1 of 2');
    });

    it('FORWARD_TRANSITIVE fails when an older schema cannot read the new one', () => {
      // v1 requires `email` with no default; v2 gives it a default, v3 removes it.
      const a = record([id, { name: 'email', type: 'string' }]);
      const b = record([id, { name: 'email', type: 'string', default: '' }]);
      const c = record([id]);
      expect(checkCompatibility(c, [a, b], 'FORWARD').compatible).toBe(true);
      expect(checkCompatibility(c, [a, b], 'FORWARD_TRANSITIVE').compatible).toBe(false);
    });
  });

  it('throws INVALID_SCHEMA for a candidate that is not Avro', () => {
    expect(() => checkCompatibility('{"type":"nope"}', [record([id])], 'BACKWARD')).toThrow(
      expect.objectContaining({ errorCode: 42201 }),
    );
  });
});
