import { describe, expect, it } from 'vitest';
import { normalizeAvroSchema } from '../src/canonical.js';
import { configRecord, schemaRecord, schemaTombstone } from '../src/log-record.js';
import { RegistryState } from '../src/state.js';

const intSchema = normalizeAvroSchema('"int"');
const stringSchema = normalizeAvroSchema('"string"');
const version = (subject: string, v: number, id: number, schema: string, deleted = false) =>
  schemaRecord({ subject, version: v, id, schema, deleted });

describe('RegistryState', () => {
  it('indexes versions, ids and schemas', () => {
    const state = new RegistryState();
    state.apply(version('a', 1, 1, intSchema));
    state.apply(version('b', 1, 1, intSchema));
    state.apply(version('a', 2, 2, stringSchema));
    expect(state.versions('a', { includeDeleted: false }).map((v) => v.version)).toEqual([1, 2]);
    expect(state.idOf(intSchema)).toBe(1);
    expect(state.schemaById(2)).toBe(stringSchema);
    expect(state.usesOf(1).map((use) => use.subject)).toEqual(['a', 'b']);
    expect(state.nextId()).toBe(3);
    expect(state.nextVersion('a')).toBe(3);
    expect(state.nextVersion('new')).toBe(1);
    expect(state.subjectNames({ includeDeleted: false })).toEqual(['a', 'b']);
  });

  it('finds a schema written in another spelling by its normalized form', () => {
    const state = new RegistryState();
    state.apply(version('a', 1, 4, '{ "type" : "int" }'));
    expect(state.idOf(intSchema)).toBe(4);
    expect(state.schemaById(4)).toBe('{ "type" : "int" }');
  });

  it('keeps soft-deleted versions (and their ids) but hides them from live queries', () => {
    const state = new RegistryState();
    state.apply(version('a', 1, 1, intSchema));
    state.apply(version('a', 1, 1, intSchema, true));
    expect(state.versions('a', { includeDeleted: false })).toEqual([]);
    expect(state.versions('a', { includeDeleted: true })).toHaveLength(1);
    expect(state.subjectNames({ includeDeleted: false })).toEqual([]);
    expect(state.subjectNames({ includeDeleted: true })).toEqual(['a']);
    expect(state.schemaById(1)).toBe(intSchema);
    expect(state.nextVersion('a')).toBe(2);
  });

  it('forgets an id once no version uses it, but never hands it out again in this process', () => {
    const state = new RegistryState();
    state.apply(version('a', 1, 1, intSchema));
    state.apply(schemaTombstone('a', 1));
    expect(state.schemaById(1)).toBeUndefined();
    expect(state.idOf(intSchema)).toBeUndefined();
    expect(state.versions('a', { includeDeleted: true })).toEqual([]);
    expect(state.nextId()).toBe(2);
  });

  it('applies compatibility levels, global and per subject', () => {
    const state = new RegistryState();
    expect(state.globalCompatibility()).toBe('BACKWARD');
    state.apply(configRecord(null, 'FULL'));
    state.apply(configRecord('a', 'NONE'));
    expect(state.effectiveLevel('a')).toBe('NONE');
    expect(state.effectiveLevel('b')).toBe('FULL');
    state.apply(configRecord('a', null));
    state.apply(configRecord(null, null));
    expect(state.subjectLevel('a')).toBeUndefined();
    expect(state.effectiveLevel('a')).toBe('BACKWARD');
  });

  it('ends where a compacted log (last value per key) ends', () => {
    const log = [
      version('a', 1, 1, intSchema),
      version('a', 2, 2, stringSchema),
      version('a', 1, 1, intSchema, true),
      configRecord('a', 'FULL'),
      schemaTombstone('a', 2),
      configRecord('a', 'NONE'),
    ];
    const full = new RegistryState();
    for (const record of log) full.apply(record);
    const compacted = new RegistryState();
    for (const record of [log[2], log[4], log[5]]) if (record) compacted.apply(record);
    for (const state of [full, compacted]) {
      expect(state.versions('a', { includeDeleted: true }).map((v) => [v.version, v.deleted])).toEqual([
        [1, true],
      ]);
      expect(state.subjectLevel('a')).toBe('NONE');
      expect(state.schemaById(1)).toBe(intSchema);
      expect(state.schemaById(2)).toBeUndefined();
    }
  });

  it('reports, and does not follow, a log that binds one id to two schemas', () => {
    const state = new RegistryState();
    state.apply(version('a', 1, 1, intSchema));
    expect(state.apply(version('b', 1, 1, stringSchema))).toMatch(/two different schemas/);
    expect(state.schemaById(1)).toBe(intSchema);
  });
});
