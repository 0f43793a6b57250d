import { describe, expect, it } from 'vitest';
import { defaultConfig, loadConfig } from './config';

const page = { protocol: 'http:', hostname: 'school.example', href: 'http://school.example:8001/classes/1' };
const answer =
  (status: number, body: unknown): typeof fetch =>
  async () =>
    new Response(typeof body === 'string' ? body : JSON.stringify(body), { status });

describe('dashboard config', () => {
  it('defaults to realtime on the same host, port 8002, ws or wss like the page', () => {
    expect(defaultConfig(page).realtimeUrl).toBe('ws://school.example:8002/ws');
    expect(defaultConfig({ protocol: 'https:', hostname: 'school.example' }).realtimeUrl).toBe(
      'wss://school.example:8002/ws',
    );
    expect(defaultConfig({ protocol: 'http:', hostname: '::1' }).realtimeUrl).toBe('ws://[::1]:8002/ws');
  });

  it('reads /dashboard-config.json when there is one', async () => {
    const config = await loadConfig(page, answer(200, { realtimeUrl: 'ws://127.0.0.1:9999/ws' }));
    expect(config.realtimeUrl).toBe('ws://127.0.0.1:9999/ws');
    const relative = await loadConfig(page, answer(200, { realtimeUrl: '/realtime/ws' }));
    expect(relative.realtimeUrl).toBe('ws://school.example:8001/realtime/ws');
    const https = await loadConfig(page, answer(200, { realtimeUrl: 'https://rt.example/ws' }));
    expect(https.realtimeUrl).toBe('wss://rt.example/ws');
  });

  it('falls back to the default on 404, bad JSON, wrong fields or a wrong scheme', async () => {
    const fallback = 'ws://school.example:8002/ws';
    expect((await loadConfig(page, answer(404, { code: 'LMS_ROUTE_NOT_FOUND' }))).realtimeUrl).toBe(fallback);
    expect((await loadConfig(page, answer(200, '<html>'))).realtimeUrl).toBe(fallback);
    expect((await loadConfig(page, answer(200, { realtimeUrl: 42 }))).realtimeUrl).toBe(fallback);
    expect((await loadConfig(page, answer(200, { realtimeUrl: 'javascript:alert(1)' }))).realtimeUrl).toBe(
      fallback,
    );
    const offline: typeof fetch = async () => {
      throw new TypeError('offline');
    };
    expect((await loadConfig(page, offline)).realtimeUrl).toBe(fallback);
  });
});
