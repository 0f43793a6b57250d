import { createLogger, createMetricsRegistry } from '@cellstream/shared';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildRegistryApp } from '../src/app.js';
import { MemoryRegistryStore } from '../src/store.js';

/** The HTTP layer over a store without Kafka (the conformance tests cover the real one). */
let app: FastifyInstance;
let store: MemoryRegistryStore;
const vnd = 'application/vnd.schemaregistry.v1+json';
const schema = JSON.stringify({ type: 'record', name: 'R', fields: [{ name: 'a', type: 'int' }] });

beforeEach(() => {
  store = new MemoryRegistryStore();
  app = buildRegistryApp({
    store,
    logger: createLogger('registry-test', 'silent'),
    metrics: createMetricsRegistry('registry'),
  });
});

afterEach(async () => {
  await app.close();
});

const post = (url: string, payload: string, contentType = vnd) =>
  app.inject({ method: 'POST', url, payload, headers: { 'content-type': contentType } });

describe('HTTP layer', () => {
  it('parses Confluent media types with parameters and answers in its media type', async () => {
    const response = await post('/subjects/s/versions', JSON.stringify({ schema }), `${vnd}; charset=utf-8`);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain(vnd);
    expect(response.json()).toEqual({ id: 1 });
    const octet = await post('/subjects/s/versions', JSON.stringify({ schema }), 'application/octet-stream');
    expect(octet.json()).toEqual({ id: 1 });
  });

  it('answers malformed JSON with 400 and unknown media types with 415, in Confluent error bodies', async () => {
    const malformed = await post('/subjects/s/versions', '{"schema": ');
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json()).toMatchObject({ error_code: 400 });
    expect(malformed.headers['content-type']).toContain(vnd);
    const text = await post('/subjects/s/versions', 'schema', 'text/plain');
    expect(text.statusCode).toBe(415);
    expect(text.json()).toMatchObject({ error_code: 415 });
  });

  it('answers unknown routes with error_code 404', async () => {
    const response = await app.inject({ method: 'GET', url: '/nothing/here' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ error_code: 404 });
  });

  it('decodes subjects with characters that need escaping', async () => {
    const subject = 'a/b c-value';
    await post(`/subjects/${encodeURIComponent(subject)}/versions`, JSON.stringify({ schema }));
    const listed = await app.inject({ method: 'GET', url: '/subjects' });
    expect(listed.json()).toEqual([subject]);
    const raw = await app.inject({
      method: 'GET',
      url: `/subjects/${encodeURIComponent(subject)}/versions/1/schema`,
    });
    expect(JSON.parse(raw.body)).toEqual(JSON.parse(schema));
  });

  it('answers /health, /ready and /metrics', async () => {
    expect((await app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
    const ready = await app.inject({ method: 'GET', url: '/ready' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({ status: 'ready', dependencies: { kafka: { state: 'ready' } } });

    await post('/subjects/s/versions', JSON.stringify({ schema }));
    const metrics = await app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.headers['content-type']).toContain('text/plain');
    expect(metrics.body).toMatch(/registry_schemas\{service="registry"\} 1/);
    expect(metrics.body).toMatch(
      /registry_http_request_duration_seconds_count\{.*route="\/subjects\/:subject\/versions"/,
    );

    await store.close();
    const closed = await app.inject({ method: 'GET', url: '/ready' });
    expect(closed.statusCode).toBe(503);
    expect(closed.json()).toMatchObject({
      status: 'not_ready',
      dependencies: { kafka: { state: 'stopped' } },
    });
  });
});
