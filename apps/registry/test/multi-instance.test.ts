import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  deleteTopic,
  externalRegistryUrl,
  type RunningRegistry,
  recordSchema,
  startRegistry,
  unique,
} from './support/registry.js';

/**
 * Two instances of this registry on one topic, written to at the same time: ids never collide,
 * the same schema gets one id, and each instance serves what the other registered. Needs two
 * processes of our own, so not against another registry.
 */
describe.skipIf(externalRegistryUrl !== undefined)('two registry instances on one topic', () => {
  const topic = unique('_schemas-test-multi');
  let a: RunningRegistry;
  let b: RunningRegistry;

  beforeAll(async () => {
    [a, b] = await Promise.all([startRegistry(topic), startRegistry(topic)]);
  });

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await deleteTopic(topic);
  });

  const field = (name: string) => ({ name, type: 'string', default: '' });
  const post = async (url: string, subject: string, schema: string): Promise<number> => {
    const response = await call(url, 'POST', `/subjects/${subject}/versions`, { schema });
    expect(response.status, response.text).toBe(200);
    return response.body.id;
  };

  it('hands out distinct ids for distinct schemas and one id per schema', async () => {
    const tag = randomBytes(4).toString('hex');
    const distinct = Array.from({ length: 8 }, (_, i) => recordSchema(`Distinct_${tag}_${i}`, [field('f')]));
    const shared = Array.from({ length: 4 }, (_, i) => recordSchema(`Shared_${tag}_${i}`, [field('f')]));

    const [distinctIds, sharedOnA, sharedOnB] = await Promise.all([
      Promise.all(distinct.map((schema, i) => post(i % 2 ? a.url : b.url, `distinct-${tag}-${i}`, schema))),
      Promise.all(shared.map((schema, i) => post(a.url, `shared-a-${tag}-${i}`, schema))),
      Promise.all(shared.map((schema, i) => post(b.url, `shared-b-${tag}-${i}`, schema))),
    ]);

    expect(sharedOnB).toEqual(sharedOnA);
    const all = [...distinctIds, ...sharedOnA];
    expect(new Set(all).size).toBe(distinct.length + shared.length);

    for (const registry of [a, b]) {
      for (const [index, schema] of [...distinct, ...shared].entries()) {
        const response = await call(registry.url, 'GET', `/schemas/ids/${all[index]}`);
        expect(response.status).toBe(200);
        expect(JSON.parse(response.body.schema).name).toBe(JSON.parse(schema).name);
      }
    }
  });

  it('numbers concurrent versions of one subject without gaps or duplicates', async () => {
    const tag = randomBytes(4).toString('hex');
    const subject = `evolving-${tag}`;
    const name = `Evolving_${tag}`;
    await post(a.url, subject, recordSchema(name, [field('base')]));
    const extraFields = Array.from({ length: 6 }, (_, i) =>
      recordSchema(name, [field('base'), field(`extra${i}`)]),
    );
    const ids = await Promise.all(
      extraFields.map((schema, i) => post(i % 2 ? a.url : b.url, subject, schema)),
    );
    expect(new Set(ids).size).toBe(ids.length);

    for (const registry of [a, b]) {
      await registry.store?.sync(5_000);
      expect((await call(registry.url, 'GET', `/subjects/${subject}/versions`)).body).toEqual([
        1, 2, 3, 4, 5, 6, 7,
      ]);
    }
    const versionIds = await Promise.all(
      [2, 3, 4, 5, 6, 7].map(
        async (v) => (await call(b.url, 'GET', `/subjects/${subject}/versions/${v}`)).body.id,
      ),
    );
    expect(versionIds.sort()).toEqual([...ids].sort());
  });
});
