import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { dashboardDir, dashboardRoutes, defaultDashboardDir } from '../src/dashboard.js';
import { codeOf, createTestApp, type TestApp } from './helpers.js';

// lms-api serves the dashboard's build at `/` (src/dashboard.ts), from DASHBOARD_DIR.
const INDEX = '<!doctype html><title>dashboard</title><div id="app"></div>';

async function fakeBuild(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cellstream-dashboard-'));
  await mkdir(join(dir, 'assets'));
  await writeFile(join(dir, 'index.html'), INDEX);
  await writeFile(join(dir, 'assets', 'index-abc123.js'), 'console.log("dashboard")');
  await writeFile(join(dir, 'dashboard-config.json'), '{"realtimeUrl":"ws://127.0.0.1:9/ws"}');
  await writeFile(join(dir, '.secret'), 'hidden');
  return dir;
}

describe('the dashboard, served by lms-api', () => {
  let t: TestApp;
  let dir: string;

  beforeAll(async () => {
    dir = await fakeBuild();
    vi.stubEnv('DASHBOARD_DIR', dir);
    try {
      t = await createTestApp('lms_dashboard');
    } finally {
      vi.unstubAllEnvs();
    }
  });

  afterAll(async () => {
    await t?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('answers index.html at /, never cached, with a content security policy', async () => {
    const response = await t.as().get('/');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('text/html');
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.headers['content-security-policy']).toContain("script-src 'self'");
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.body).toBe(INDEX);
  });

  it("answers index.html for the dashboard's own paths (SPA fallback)", async () => {
    for (const path of ['/classes/12', '/classes/12?student=demo-student-01', '/classes/', '/index.html']) {
      const response = await t.as().get(path);
      expect(response.statusCode, path).toBe(200);
      expect(response.body, path).toBe(INDEX);
      expect(response.headers['cache-control'], path).toBe('no-store');
    }
  });

  it('serves the files of the build, hashed assets cached for a year', async () => {
    const script = await t.as().get('/assets/index-abc123.js');
    expect(script.statusCode).toBe(200);
    expect(script.headers['content-type']).toContain('javascript');
    expect(script.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const config = await t.as().get('/dashboard-config.json');
    expect(config.statusCode).toBe(200);
    expect(config.json()).toEqual({ realtimeUrl: 'ws://127.0.0.1:9/ws' });
    expect(config.headers['cache-control']).toBe('no-cache');
  });

  it('answers a JSON 404 for missing files and API paths, never index.html', async () => {
    for (const path of ['/assets/gone.js', '/favicon.ico', '/api/v1/nothing', '/api', '/.secret']) {
      const response = await t.as().get(path);
      expect(response.statusCode, path).toBe(404);
      expect(codeOf(response), path).toBe('LMS_ROUTE_NOT_FOUND');
    }
  });

  it('serves nothing outside its folder, however the path is spelled', async () => {
    // Encoded slashes survive URL parsing, so these reach the server as written.
    for (const path of [
      '/..%2f..%2fpackage.json',
      '/%2e%2e%2f%2e%2e%2fpackage.json',
      '/assets/..%2f..%2f..%2fpackage.json',
      '/assets/..%2findex.html',
      '/assets/..%5c..%5cpackage.json',
    ]) {
      const response = await t.as().get(path);
      expect([403, 404], path).toContain(response.statusCode);
      expect(response.body, path).not.toContain('"name"');
    }
  });

  it('leaves the API, the operations routes and the docs alone', async () => {
    expect((await t.as().get('/health')).json()).toMatchObject({ status: 'ok' });
    expect((await t.as().get('/docs/json')).statusCode).toBe(200);
    expect((await t.as().get('/.well-known/jwks.json')).statusCode).toBe(200);
    expect((await t.as().post('/')).statusCode).toBe(404);
    expect((await t.as().get('/api/v1/classes')).statusCode).toBe(401);
  });
});

describe('lms-api without a dashboard build', () => {
  it('starts, warns, and answers / with a JSON 404 saying how to build it', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'cellstream-no-dashboard-'));
    vi.stubEnv('DASHBOARD_DIR', join(empty, 'dist'));
    let t: TestApp | undefined;
    try {
      t = await createTestApp('lms_no_dashboard');
      for (const path of ['/', '/classes/1']) {
        const response = await t.as().get(path);
        expect(response.statusCode, path).toBe(404);
        expect(response.json(), path).toMatchObject({
          code: 'LMS_ROUTE_NOT_FOUND',
          message: expect.stringContaining('npm run build -w @cellstream/dashboard'),
        });
      }
      expect((await t.as().get('/health')).statusCode).toBe(200);
    } finally {
      vi.unstubAllEnvs();
      await t?.close();
      await rm(empty, { recursive: true, force: true });
    }
  });

  it('logs a warning naming the folder it looked in', async () => {
    const lines: string[] = [];
    const app = Fastify({ logger: { level: 'warn', stream: { write: (line: string) => lines.push(line) } } });
    await app.register(dashboardRoutes, { dir: '/nonexistent/dashboard/dist' });
    await app.ready();
    await app.close();
    const warning = lines.map((line) => JSON.parse(line) as { level: number; msg: string; dir?: string });
    expect(warning).toContainEqual(
      expect.objectContaining({
        level: 40,
        dir: '/nonexistent/dashboard/dist',
        msg: expect.stringContaining('not built'),
      }),
    );
  });

  it('looks in DASHBOARD_DIR, else in apps/dashboard/dist', () => {
    expect(dashboardDir({ DASHBOARD_DIR: '/srv/dashboard' })).toBe('/srv/dashboard');
    expect(dashboardDir({})).toBe(defaultDashboardDir);
    expect(defaultDashboardDir.replaceAll('\\', '/')).toMatch(/apps\/dashboard\/dist$/);
  });
});
