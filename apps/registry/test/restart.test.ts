import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import {
  call,
  deleteTopic,
  externalRegistryUrl,
  type RunningRegistry,
  recordSchema,
  startRegistry,
  unique,
} from './support/registry.js';

/** Needs this registry's own process (stopping and starting it), so not against another registry. */
describe.skipIf(externalRegistryUrl !== undefined)('a restarted registry', () => {
  const topic = unique('_schemas-test-restart');
  let running: RunningRegistry | undefined;

  afterAll(async () => {
    await running?.stop();
    await deleteTopic(topic);
  });

  it('serves the same ids, versions, levels and deletions from the log', async () => {
    const name = `Restart_${randomBytes(4).toString('hex')}`;
    const field = (fieldName: string) => ({ name: fieldName, type: 'string', default: '' });
    const schemas = [recordSchema(name, [field('a')]), recordSchema(name, [field('a'), field('b')])];
    const other = recordSchema(`${name}_other`, [field('x')]);

    running = await startRegistry(topic);
    const before = running.url;
    const ids: number[] = [];
    for (const schema of schemas) {
      ids.push((await call(before, 'POST', '/subjects/orders-value/versions', { schema })).body.id);
    }
    const otherId = (await call(before, 'POST', '/subjects/other-value/versions', { schema: other })).body.id;
    await call(before, 'PUT', '/config/orders-value', { compatibility: 'FULL' });
    await call(before, 'DELETE', '/subjects/other-value');
    expect(ids).toEqual([1, 2]);
    expect(otherId).toBe(3);
    await running.stop();

    running = await startRegistry(topic);
    const after = running.url;
    for (const [index, schema] of schemas.entries()) {
      expect((await call(after, 'GET', `/schemas/ids/${ids[index]}`)).body.schema).toBe(
        (await call(after, 'POST', '/subjects/orders-value', { schema })).body.schema,
      );
      expect((await call(after, 'POST', '/subjects/orders-value/versions', { schema })).body.id).toBe(
        ids[index],
      );
    }
    expect((await call(after, 'GET', '/subjects/orders-value/versions')).body).toEqual([1, 2]);
    expect((await call(after, 'GET', '/config/orders-value')).body).toEqual({ compatibilityLevel: 'FULL' });
    expect((await call(after, 'GET', '/subjects')).body).toEqual(['orders-value']);
    expect((await call(after, 'GET', `/schemas/ids/${otherId}`)).status).toBe(200);

    // New schemas continue after the highest id; nothing is handed out twice.
    const next = recordSchema(name, [field('a'), field('b'), field('c')]);
    expect((await call(after, 'POST', '/subjects/orders-value/versions', { schema: next })).body.id).toBe(4);
  });
});
