import SwaggerParser from '@apidevtools/swagger-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCatalogue } from '../src/errors.js';
import { createTestApp, type TestApp } from './helpers.js';

/**
 * The routes Fastify serves, from `printRoutes()`'s tree (each line a path segment under its
 * parent, methods in parentheses).
 */
function servedRoutes(tree: string): { method: string; path: string }[] {
  const routes: { method: string; path: string }[] = [];
  const stack: string[] = [];
  for (const line of tree.split('\n')) {
    const match = /^([│ ]*)[├└]── (.*?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!match) continue;
    const depth = (match[1] ?? '').length / 4;
    stack.length = depth;
    const path = `${stack.join('')}${match[2]}`;
    stack.push(match[2] ?? '');
    for (const method of (match[3] ?? '').split(', ').filter(Boolean)) routes.push({ method, path });
  }
  return routes;
}

describe('OpenAPI document', () => {
  let t: TestApp;
  let document: { paths: Record<string, Record<string, unknown>>; info: { description: string } };

  beforeAll(async () => {
    t = await createTestApp('lms_openapi');
    const response = await t.as().get('/docs/json');
    expect(response.statusCode).toBe(200);
    document = response.json();
  });

  afterAll(async () => {
    await t.close();
  });

  it('is a valid OpenAPI 3.1 document', async () => {
    await expect(SwaggerParser.validate(structuredClone(document) as never)).resolves.toBeDefined();
  });

  it('documents every route the app serves', () => {
    const served = servedRoutes(t.app.printRoutes({ commonPrefix: false }))
      .filter(({ method }) => method !== 'HEAD' && method !== 'OPTIONS')
      .filter(({ path }) => !path.startsWith('/docs') && path !== '*');
    expect(served.length).toBeGreaterThan(35);
    const documented = new Set(
      Object.entries(document.paths).flatMap(([path, operations]) =>
        Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
      ),
    );
    const missing = served
      .map(({ method, path }) => `${method} ${path.replace(/:(\w+)/g, '{$1}')}`)
      .filter((route) => !documented.has(route));
    expect(missing).toEqual([]);
  });

  it('serves Swagger UI at /docs', async () => {
    const response = await t.as().get('/docs/');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('text/html');
  });

  it('lists every error code of the catalogue', () => {
    for (const code of Object.keys(errorCatalogue))
      expect(document.info.description).toContain(`\`${code}\``);
  });

  it('marks authenticated routes with the bearer scheme', () => {
    expect(document.paths['/api/v1/classes']?.post).toMatchObject({ security: [{ bearerAuth: [] }] });
    expect(document.paths['/api/v1/auth/login']?.post).not.toHaveProperty('security');
  });
});
