import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { startOpsServer } from '../src/index.js';

describe('ops server', () => {
  it('answers /health, /ready (503 naming the dependency that is down) and /metrics', async () => {
    let postgres = 'down';
    const server = await startOpsServer({
      port: 0,
      version: '1.2.3',
      metrics: new Registry(),
      dependencies: () => ({ kafka: 'up', postgres }),
    });
    const base = `http://127.0.0.1:${server.port}`;
    try {
      expect(await (await fetch(`${base}/health`)).json()).toEqual({ status: 'ok', version: '1.2.3' });
      const notReady = await fetch(`${base}/ready`);
      expect(notReady.status).toBe(503);
      expect(await notReady.json()).toEqual({
        status: 'not_ready',
        dependencies: { kafka: 'up', postgres: 'down' },
      });
      postgres = 'up';
      expect((await fetch(`${base}/ready`)).status).toBe(200);
      const metrics = await fetch(`${base}/metrics`);
      expect(metrics.status).toBe(200);
      expect(metrics.headers.get('content-type')).toContain('text/plain');
    } finally {
      await server.close();
    }
  });
});
