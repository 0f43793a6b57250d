import { randomBytes } from 'node:crypto';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, type RunningRegistry, recordSchema, registryUnderTest, unique } from './support/registry.js';

/**
 * The Confluent REST API as clients use it. Runs against this registry (in-process, real Kafka)
 * or, unchanged, against any registry at TEST_SCHEMA_REGISTRY_URL. Every test uses subjects and
 * record names of its own, so runs never need cleaning up.
 */
let registry: RunningRegistry;
let client: SchemaRegistry;
let url: string;

const typeName = () => `User_${randomBytes(4).toString('hex')}`;
const id = { name: 'id', type: 'string' };
const withEmail = { name: 'email', type: 'string', default: '' };
const register = (subject: string, schema: string) =>
  client.register({ type: SchemaType.AVRO, schema }, { subject }).then((answer) => answer.id);

beforeAll(async () => {
  registry = await registryUnderTest();
  url = registry.url;
  client = new SchemaRegistry({ host: url, retry: { retries: 0 } });
});

afterAll(async () => {
  await registry?.stop();
});

describe('registering', () => {
  it('hands out an id, the same one for the same schema, in any spelling, under any subject', async () => {
    const name = typeName();
    const subject = unique('users-value');
    const schema = recordSchema(name, [id]);
    const first = await register(subject, schema);
    expect(first).toBeGreaterThanOrEqual(1);

    const respelled = JSON.stringify(JSON.parse(schema), null, 2);
    expect(await register(subject, respelled)).toBe(first);
    expect((await call(url, 'GET', `/subjects/${subject}/versions`)).body).toEqual([1]);

    expect(await register(unique('other-value'), schema)).toBe(first);
  });

  it('answers in Confluent media type and accepts the JSON media types clients send', async () => {
    const subject = unique('media');
    const schema = recordSchema(typeName(), [id]);
    const vnd = await call(url, 'POST', `/subjects/${subject}/versions`, { schema });
    expect(vnd.status).toBe(200);
    expect(vnd.contentType).toContain('application/vnd.schemaregistry.v1+json');
    for (const type of ['application/json', 'application/vnd.schemaregistry+json']) {
      const again = await call(url, 'POST', `/subjects/${subject}/versions`, { schema }, type);
      expect(again.status).toBe(200);
      expect(again.body.id).toBe(vnd.body.id);
    }
  });

  it('round-trips a message through encode and decode', async () => {
    const subject = unique('roundtrip-value');
    const schemaId = await register(subject, recordSchema(typeName(), [id, { name: 'count', type: 'long' }]));
    const encoded = await client.encode(schemaId, { id: 'u1', count: 42 });
    expect(encoded[0]).toBe(0);
    expect(encoded.readInt32BE(1)).toBe(schemaId);
    const fresh = new SchemaRegistry({ host: url });
    expect(await fresh.decode(encoded)).toEqual({ id: 'u1', count: 42 });
  });

  it('evolves compatibly: a new version and id, found as the latest', async () => {
    const name = typeName();
    const subject = unique('evolve-value');
    const v1 = await register(subject, recordSchema(name, [id]));
    const v2 = await register(subject, recordSchema(name, [id, withEmail]));
    expect(v2).not.toBe(v1);
    expect(await client.getLatestSchemaId(subject)).toBe(v2);
    expect((await call(url, 'GET', `/subjects/${subject}/versions`)).body).toEqual([1, 2]);

    const latest = await call(url, 'GET', `/subjects/${subject}/versions/latest`);
    expect(latest.body).toMatchObject({ subject, version: 2, id: v2 });
    expect(JSON.parse(latest.body.schema).fields).toHaveLength(2);
    const first = await call(url, 'GET', `/subjects/${subject}/versions/1`);
    expect(first.body).toMatchObject({ subject, version: 1, id: v1 });

    const raw = await call(url, 'GET', `/subjects/${subject}/versions/2/schema`);
    expect(raw.status).toBe(200);
    expect(raw.body).toMatchObject({ type: 'record', name });

    const byId = await call(url, 'GET', `/schemas/ids/${v2}`);
    expect(JSON.parse(byId.body.schema)).toEqual(JSON.parse(latest.body.schema));
    expect((await call(url, 'GET', `/schemas/ids/${v2}/versions`)).body).toEqual([{ subject, version: 2 }]);
  });

  it('treats a doc change as a new version', async () => {
    const name = typeName();
    const subject = unique('doc-value');
    const v1 = await register(subject, recordSchema(name, [id]));
    const v2 = await register(subject, recordSchema(name, [{ ...id, doc: 'who it is' }]));
    expect(v2).not.toBe(v1);
  });

  it('refuses an incompatible change with 409', async () => {
    const name = typeName();
    const subject = unique('incompatible-value');
    await register(subject, recordSchema(name, [id]));
    const next = recordSchema(name, [id, { name: 'required', type: 'string' }]);
    const refused = await call(url, 'POST', `/subjects/${subject}/versions`, { schema: next });
    expect(refused.status).toBe(409);
    // 409 until Confluent 8.1; 40901 since (December 2025).
    expect([409, 40901]).toContain(refused.body.error_code);
    expect(typeof refused.body.message).toBe('string');
    await expect(register(subject, next)).rejects.toThrow();
    expect((await call(url, 'GET', `/subjects/${subject}/versions`)).body).toEqual([1]);
  });

  it('rejects a schema that is not valid Avro with 42201', async () => {
    const subject = unique('invalid');
    const invalid = await call(url, 'POST', `/subjects/${subject}/versions`, { schema: '{"type":"nope"}' });
    expect(invalid.status).toBe(422);
    expect(invalid.body.error_code).toBe(42201);
    const unknownType = await call(url, 'POST', `/subjects/${subject}/versions`, {
      schema: '"string"',
      schemaType: 'NOT_A_TYPE',
    });
    expect(unknownType.status).toBe(422);
  });

  it('lists AVRO among the schema types', async () => {
    expect((await call(url, 'GET', '/schemas/types')).body).toContain('AVRO');
  });
});

describe('looking up', () => {
  it('finds a registered schema under its subject', async () => {
    const name = typeName();
    const subject = unique('lookup-value');
    const schema = recordSchema(name, [id]);
    const schemaId = await register(subject, schema);
    const found = await call(url, 'POST', `/subjects/${subject}`, { schema });
    expect(found.status).toBe(200);
    expect(found.body).toMatchObject({ subject, id: schemaId, version: 1 });
    expect(await client.getRegistryIdBySchema(subject, { type: SchemaType.AVRO, schema })).toBe(schemaId);

    const other = await call(url, 'POST', `/subjects/${subject}`, { schema: recordSchema(typeName(), [id]) });
    expect(other.status).toBe(404);
    expect(other.body.error_code).toBe(40403);
    const nowhere = await call(url, 'POST', `/subjects/${unique('nowhere')}`, { schema });
    expect(nowhere.body.error_code).toBe(40401);
  });

  it('answers the 404 codes of Confluent', async () => {
    const subject = unique('missing');
    const cases: [string, number][] = [
      [`/subjects/${subject}/versions`, 40401],
      [`/subjects/${subject}/versions/latest`, 40401],
      ['/schemas/ids/2000000000', 40403],
    ];
    for (const [path, errorCode] of cases) {
      const response = await call(url, 'GET', path);
      expect(response.status, path).toBe(404);
      expect(response.body.error_code, path).toBe(errorCode);
      expect(typeof response.body.message).toBe('string');
    }
    const existing = unique('existing');
    await register(existing, recordSchema(typeName(), [id]));
    const noVersion = await call(url, 'GET', `/subjects/${existing}/versions/99`);
    expect(noVersion.status).toBe(404);
    expect(noVersion.body.error_code).toBe(40402);
    const badVersion = await call(url, 'GET', `/subjects/${existing}/versions/abc`);
    expect(badVersion.status).toBe(422);
    expect(badVersion.body.error_code).toBe(42202);
  });
});

describe('compatibility levels', () => {
  it('reads the global level and accepts setting it', async () => {
    const global = await call(url, 'GET', '/config');
    expect(global.status).toBe(200);
    const level = global.body.compatibilityLevel;
    expect(typeof level).toBe('string');
    // Set it to what it is, so a shared registry is left as it was.
    const set = await call(url, 'PUT', '/config', { compatibility: level });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ compatibility: level });
    const invalid = await call(url, 'PUT', '/config', { compatibility: 'SOMETIMES' });
    expect(invalid.status).toBe(422);
    expect(invalid.body.error_code).toBe(42203);
  });

  it('sets, reads and removes a subject level; an unset one is 40408', async () => {
    const subject = unique('config');
    const unset = await call(url, 'GET', `/config/${subject}`);
    expect(unset.status).toBe(404);
    expect(unset.body.error_code).toBe(40408);
    const global = (await call(url, 'GET', '/config')).body.compatibilityLevel;
    expect((await call(url, 'GET', `/config/${subject}?defaultToGlobal=true`)).body).toMatchObject({
      compatibilityLevel: global,
    });

    const set = await call(url, 'PUT', `/config/${subject}`, { compatibility: 'FULL' });
    expect(set.body).toMatchObject({ compatibility: 'FULL' });
    expect((await call(url, 'GET', `/config/${subject}`)).body).toMatchObject({ compatibilityLevel: 'FULL' });

    const removed = await call(url, 'DELETE', `/config/${subject}`);
    expect(removed.status).toBe(200);
    expect(removed.body).toMatchObject({ compatibilityLevel: 'FULL' });
    expect((await call(url, 'GET', `/config/${subject}`)).status).toBe(404);
  });

  it('applies the subject level to registrations (FORWARD allows a field without default)', async () => {
    const name = typeName();
    const subject = unique('forward');
    await register(subject, recordSchema(name, [id]));
    const next = recordSchema(name, [id, { name: 'required', type: 'string' }]);
    expect((await call(url, 'POST', `/subjects/${subject}/versions`, { schema: next })).status).toBe(409);
    await call(url, 'PUT', `/config/${subject}`, { compatibility: 'FORWARD' });
    const accepted = await call(url, 'POST', `/subjects/${subject}/versions`, { schema: next });
    expect(accepted.status).toBe(200);
  });

  it('makes the client refuse a subject whose level differs from what it asks for', async () => {
    const subject = unique('mismatch');
    await call(url, 'PUT', `/config/${subject}`, { compatibility: 'NONE' });
    await expect(register(subject, recordSchema(typeName(), [id]))).rejects.toThrow(/Compatibility/);
  });

  it('tests compatibility without registering', async () => {
    const name = typeName();
    const subject = unique('test-compat');
    await register(subject, recordSchema(name, [id]));
    const good = recordSchema(name, [id, withEmail]);
    const bad = recordSchema(name, [id, { name: 'required', type: 'string' }]);
    const path = `/compatibility/subjects/${subject}/versions`;

    expect((await call(url, 'POST', `${path}/latest`, { schema: good })).body).toMatchObject({
      is_compatible: true,
    });
    expect((await call(url, 'POST', `${path}/1`, { schema: good })).body).toMatchObject({
      is_compatible: true,
    });
    expect((await call(url, 'POST', path, { schema: good })).body).toMatchObject({ is_compatible: true });
    expect((await call(url, 'POST', `${path}/latest`, { schema: bad })).body).toMatchObject({
      is_compatible: false,
    });
    const verbose = await call(url, 'POST', `${path}/latest?verbose=true`, { schema: bad });
    expect(verbose.body.is_compatible).toBe(false);
    expect(verbose.body.messages.length).toBeGreaterThan(0);
    expect((await call(url, 'GET', `/subjects/${subject}/versions`)).body).toEqual([1]);

    const missing = `/compatibility/subjects/${unique('missing')}/versions`;
    expect((await call(url, 'POST', `${missing}/latest`, { schema: bad })).body).toMatchObject({
      is_compatible: true,
    });
    expect((await call(url, 'POST', `${missing}/3`, { schema: bad })).body.error_code).toBe(40402);
  });
});

describe('deleting', () => {
  it('soft-deletes and then permanently deletes versions', async () => {
    const name = typeName();
    const subject = unique('delete-version');
    await register(subject, recordSchema(name, [id]));
    await register(subject, recordSchema(name, [id, withEmail]));

    const permanentFirst = await call(url, 'DELETE', `/subjects/${subject}/versions/2?permanent=true`);
    expect(permanentFirst.status).toBe(404);
    expect(permanentFirst.body.error_code).toBe(40407);

    expect((await call(url, 'DELETE', `/subjects/${subject}/versions/1`)).body).toBe(1);
    expect((await call(url, 'GET', `/subjects/${subject}/versions`)).body).toEqual([2]);
    expect((await call(url, 'GET', `/subjects/${subject}/versions?deleted=true`)).body).toEqual([1, 2]);
    expect((await call(url, 'GET', `/subjects/${subject}/versions/1`)).body.error_code).toBe(40402);
    expect((await call(url, 'GET', `/subjects/${subject}/versions/1?deleted=true`)).status).toBe(200);

    const again = await call(url, 'DELETE', `/subjects/${subject}/versions/1`);
    expect(again.status).toBe(404);
    expect(again.body.error_code).toBe(40406);

    expect((await call(url, 'DELETE', `/subjects/${subject}/versions/1?permanent=true`)).body).toBe(1);
    expect((await call(url, 'GET', `/subjects/${subject}/versions?deleted=true`)).body).toEqual([2]);
  });

  it('soft-deletes and then permanently deletes a subject', async () => {
    const name = typeName();
    const subject = unique('delete-subject');
    await register(subject, recordSchema(name, [id]));
    await register(subject, recordSchema(name, [id, withEmail]));

    await call(url, 'PUT', `/config/${subject}`, { compatibility: 'FULL' });

    const permanentFirst = await call(url, 'DELETE', `/subjects/${subject}?permanent=true`);
    expect(permanentFirst.status).toBe(404);
    expect(permanentFirst.body.error_code).toBe(40405);

    expect((await call(url, 'DELETE', `/subjects/${subject}`)).body).toEqual([1, 2]);
    expect((await call(url, 'GET', '/subjects')).body).not.toContain(subject);
    expect((await call(url, 'GET', '/subjects?deleted=true')).body).toContain(subject);
    expect((await call(url, 'GET', `/subjects/${subject}/versions`)).body.error_code).toBe(40401);
    const again = await call(url, 'DELETE', `/subjects/${subject}`);
    expect(again.status).toBe(404);
    expect(again.body.error_code).toBe(40404);

    // A soft delete keeps the subject's level; a permanent one removes it.
    expect((await call(url, 'GET', `/config/${subject}`)).body).toMatchObject({ compatibilityLevel: 'FULL' });
    expect((await call(url, 'DELETE', `/subjects/${subject}?permanent=true`)).body).toEqual([1, 2]);
    expect((await call(url, 'GET', '/subjects?deleted=true')).body).not.toContain(subject);
    expect((await call(url, 'GET', `/config/${subject}`)).body.error_code).toBe(40408);
    expect((await call(url, 'DELETE', `/subjects/${subject}`)).body.error_code).toBe(40401);
  });

  it('registers again after a soft delete, with a new version and the same id', async () => {
    const name = typeName();
    const subject = unique('reregister');
    const schema = recordSchema(name, [id]);
    const first = await register(subject, schema);
    await call(url, 'DELETE', `/subjects/${subject}`);
    const again = await call(url, 'POST', `/subjects/${subject}/versions`, { schema });
    expect(again.body.id).toBe(first);
    expect((await call(url, 'GET', `/subjects/${subject}/versions`)).body).toEqual([2]);
    // The soft-deleted version of the same schema gives way to the new one.
    expect((await call(url, 'GET', `/subjects/${subject}/versions?deleted=true`)).body).toEqual([2]);
  });
});

describe('listing', () => {
  it('lists subjects and the subjects of an id', async () => {
    const subject = unique('listed');
    const schemaId = await register(subject, recordSchema(typeName(), [id]));
    expect((await call(url, 'GET', '/subjects')).body).toContain(subject);
    expect((await call(url, 'GET', `/schemas/ids/${schemaId}/subjects`)).body).toEqual([subject]);
  });
});
