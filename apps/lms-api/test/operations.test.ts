import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers.js';

describe('health, readiness, metrics', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp('lms_operations');
  });

  afterAll(async () => {
    await t.close();
  });

  it('answers /health with the version', async () => {
    const response = await t.as().get('/health');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok', version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
  });

  it('answers /ready 200 while PostgreSQL answers, 503 naming it when it does not', async () => {
    const ready = await t.as().get('/ready');
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ready', dependencies: { postgres: 'up', influxdb: 'up' } });

    const broken = await createTestApp('lms_operations_down');
    try {
      // End its pool: every query now fails, as when PostgreSQL is gone.
      await broken.endPool();
      const response = await broken.as().get('/ready');
      expect(response.statusCode).toBe(503);
      expect(response.json()).toEqual({
        status: 'not_ready',
        dependencies: { postgres: 'down', influxdb: 'up' },
      });
      expect((await broken.as().get('/health')).statusCode).toBe(200);
    } finally {
      await broken.close();
    }
  });

  it('exposes request durations by route template and status at /metrics', async () => {
    await t.as().get('/api/v1/classes/123');
    await t.as().get('/health');
    const response = await t.as().get('/metrics');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('text/plain');
    expect(response.body).toContain('http_request_duration_seconds_bucket');
    expect(response.body).toMatch(/route="\/api\/v1\/classes\/:id",status_code="401"/);
    expect(response.body).toMatch(/route="\/health",status_code="200"/);
    expect(response.body).toContain('service="lms-api"');
  });
});
