import { eventually } from '@cellstream/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningRealtime } from '../src/app.js';
import { TestClient } from './support/client.js';
import { metricValue } from './support/metrics.js';
import { createTestBed, type TestBed } from './support/realtime.js';
import { bigAggregate, status } from './support/records.js';

let bed: TestBed;
let realtime: RunningRealtime;
let token: string;

const SLOW_TIMEOUT_MS = 3_000;

beforeAll(async () => {
  bed = await createTestBed('realtime-slow');
  realtime = await bed.start({
    SLOW_CLIENT_BUFFER_BYTES: String(256 * 1024),
    SLOW_CLIENT_TIMEOUT_MS: String(SLOW_TIMEOUT_MS),
  });
  token = await bed.issuer.sign({ sub: 'root', role: 'admin', classes: [] });
});

afterAll(async () => {
  await bed?.close();
});

const slowEvents = (event: string) =>
  metricValue(realtime.httpUrl, 'realtime_slow_client_events_total', { event });

/**
 * Produces ~40 KB aggregates of the class, ten per transaction, until the server has marked one
 * more client slow (the kernel's socket buffers absorb a few MB first). Returns what was produced.
 */
async function fillUntilSlow(classId: string, enteredBefore: number) {
  const produced: number[] = [];
  for (let round = 0; round < 80 && (await slowEvents('entered')) <= enteredBefore; round++) {
    const batch = Array.from({ length: 10 }, () => {
      produced.push(produced.length + 1);
      return bigAggregate(classId, 40_000, { totalExecutions: produced.length });
    });
    await bed.producer.send(batch);
  }
  expect(await slowEvents('entered')).toBeGreaterThan(enteredBefore);
  return produced;
}

const totals = (client: TestClient, classId: string) =>
  client.ofType('class_aggregate', classId).map((message) => message.totalExecutions as number);

describe('slow clients', () => {
  it('never delay a fast client; one that stays slow is closed with 4008', async () => {
    const fast = await TestClient.authenticated(realtime.wsUrl, token);
    const slow = await TestClient.authenticated(realtime.wsUrl, token);
    await fast.subscribe('busy');
    await slow.subscribe('busy');
    slow.pauseReading();

    const delays: number[] = [];
    fast.ws.on('message', (data) => {
      const message = JSON.parse(data.toString());
      if (message.type === 'class_aggregate') delays.push(Date.now() - message.updatedAt);
    });
    const produced = await fillUntilSlow('busy', await slowEvents('entered'));

    // The fast client got every update, in order, promptly, while the slow one was not reading.
    await eventually(async () => (totals(fast, 'busy').length === produced.length ? true : undefined), {
      timeoutMs: 10_000,
    });
    expect(totals(fast, 'busy')).toEqual(produced);
    delays.sort((a, b) => a - b);
    expect(delays[Math.floor(delays.length * 0.99)]).toBeLessThan(2_000);

    // Still not reading past the limit: closed as too slow.
    await eventually(async () => ((await slowEvents('closed')) >= 1 ? true : undefined), {
      timeoutMs: SLOW_TIMEOUT_MS + 5_000,
    });
    slow.resumeReading();
    expect(await slow.closed).toEqual({ code: 4008, reason: 'too slow' });
    // What it did get came in order.
    const got = totals(slow, 'busy');
    expect(got).toEqual([...got].sort((a, b) => a - b));
    expect(fast.ws.readyState).toBe(fast.ws.OPEN);
    fast.close();
  });

  it('sends a client that catches up in time the latest of each key (coalesced), then live updates again', async () => {
    const slow = await TestClient.authenticated(realtime.wsUrl, token);
    await slow.subscribe('coalesce');
    slow.pauseReading();
    const coalescedBefore = await metricValue(realtime.httpUrl, 'realtime_coalesced_total');
    const produced = await fillUntilSlow('coalesce', await slowEvents('entered'));

    // While it is slow: more versions of the aggregate and of alice's status.
    const more = [
      bigAggregate('coalesce', 1_000, { totalExecutions: produced.length + 1 }),
      status('coalesce', 'alice', { executions: 1 }),
      status('coalesce', 'alice', { executions: 2 }),
      bigAggregate('coalesce', 1_000, { totalExecutions: produced.length + 2 }),
      status('coalesce', 'alice', { executions: 3 }),
    ];
    await bed.producer.send(more);
    await eventually(async () =>
      (await metricValue(realtime.httpUrl, 'realtime_coalesced_total')) >= coalescedBefore + 2
        ? true
        : undefined,
    );

    slow.resumeReading();
    const last = produced.length + 2;
    await slow.waitFor((message) => message.type === 'class_aggregate' && message.totalExecutions === last);
    await slow.waitFor((message) => message.type === 'student_status' && message.executions === 3);
    const got = totals(slow, 'coalesce');
    expect(got).toEqual([...new Set(got)].sort((a, b) => a - b));
    expect(got.length).toBeLessThan(last);
    const alice = slow.ofType('student_status', 'coalesce').map((message) => message.executions);
    expect(alice).toEqual([...alice].sort((a, b) => a - b));
    expect(alice.at(-1)).toBe(3);

    // Caught up: back on the live channel, and not closed.
    await eventually(async () =>
      (await metricValue(realtime.httpUrl, 'realtime_slow_client_events_total', { event: 'recovered' })) >= 1
        ? true
        : undefined,
    );
    await bed.producer.send([status('coalesce', 'alice', { executions: 4 })]);
    await slow.waitFor((message) => message.type === 'student_status' && message.executions === 4);
    expect(slow.ws.readyState).toBe(slow.ws.OPEN);
    slow.close();
  });
});
