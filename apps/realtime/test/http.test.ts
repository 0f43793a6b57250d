import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningRealtime } from '../src/app.js';
import { TestClient } from './support/client.js';
import { metricValue } from './support/metrics.js';
import { createTestBed, type TestBed } from './support/realtime.js';
import { aggregate, status } from './support/records.js';

let bed: TestBed;
let realtime: RunningRealtime;

beforeAll(async () => {
  bed = await createTestBed('realtime-http');
  await bed.producer.send([aggregate('c-1'), status('c-1', 'alice')]);
  realtime = await bed.start();
});

afterAll(async () => {
  await bed?.close();
});

describe('operations routes', () => {
  it('answers /health with the version', async () => {
    const response = await fetch(`${realtime.httpUrl}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok', version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
  });

  it('answers /ready 200 once caught up with Kafka and the registry answering', async () => {
    const response = await fetch(`${realtime.httpUrl}/ready`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      status: 'ready',
      ready: true,
      dependencies: { kafka: 'up', registry: 'up' },
    });
  });

  it('answers /ready 503 naming each dependency while the registry is unreachable (and the topics cannot be decoded)', async () => {
    const blind = await bed.start(
      { SCHEMA_REGISTRY_URL: 'http://127.0.0.1:9' },
      { waitUntilCaughtUp: false },
    );
    const client = await TestClient.authenticated(
      blind.wsUrl,
      await bed.issuer.sign({ sub: 'root', role: 'admin' }),
    );
    client.send({ type: 'subscribe', classId: 'c-1' });
    // Long past the idle time of the catch-up (1 s here) and a few kafkajs retries: records it
    // cannot decode do not make it pass for caught up.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const response = await fetch(`${blind.httpUrl}/ready`);
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({
      status: 'not_ready',
      ready: false,
      dependencies: { kafka: 'catching_up', registry: 'down' },
    });
    expect(client.ofType('snapshot')).toEqual([]);
    // Still alive, though.
    expect((await fetch(`${blind.httpUrl}/health`)).status).toBe(200);
    await blind.close();
    expect((await client.closed).code).toBe(1001);
  });

  it('serves Prometheus metrics: connections, subscriptions per class, messages out, buffered bytes', async () => {
    const token = await bed.issuer.sign({ sub: 'root', role: 'admin' });
    const client = await TestClient.authenticated(realtime.wsUrl, token);
    await client.subscribe('c-1');
    await bed.producer.send([status('c-1', 'alice', { executions: 9 })]);
    await client.waitFor((message) => message.type === 'student_status');

    const response = await fetch(`${realtime.httpUrl}/metrics`);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    for (const name of [
      'realtime_buffered_bytes',
      'realtime_slow_clients',
      'realtime_coalesced_total',
      'realtime_slow_client_events_total',
      'realtime_publish_delay_seconds_bucket',
      'process_resident_memory_bytes',
    ]) {
      expect(text).toContain(name);
    }
    expect(await metricValue(realtime.httpUrl, 'realtime_connections')).toBe(1);
    expect(await metricValue(realtime.httpUrl, 'realtime_subscriptions', { class_id: 'c-1' })).toBe(1);
    expect(await metricValue(realtime.httpUrl, 'realtime_messages_sent_total', { type: 'snapshot' })).toBe(1);
    expect(
      await metricValue(realtime.httpUrl, 'realtime_messages_sent_total', { type: 'student_status' }),
    ).toBe(1);
    expect(
      await metricValue(realtime.httpUrl, 'realtime_records_total', {
        topic: 'studentStatus',
        outcome: 'applied',
      }),
    ).toBe(2);
    client.close();
  });

  it('answers 404 elsewhere', async () => {
    const response = await fetch(`${realtime.httpUrl}/nope`);
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ code: 'NOT_FOUND' });
  });
});
