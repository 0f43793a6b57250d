import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Delivery, type DeliveryStatus } from './delivery.js';
import { DeliveryError } from './errors.js';
import { event, MemoryOutbox, type Reply, scriptedTransport } from './testing.js';

const unavailable = (retryAfterMs?: number) =>
  new DeliveryError('CS_UNAVAILABLE', '503', { status: 503, retriable: true, retryAfterMs });
const networkDown = () => new DeliveryError('CS_NETWORK', 'offline', { retriable: true });

function setup(replies: Reply[] = [], options: { maxQueued?: number; random?: () => number } = {}) {
  const outbox = new MemoryOutbox(options.maxQueued);
  const { transport, calls } = scriptedTransport(replies);
  const statuses: DeliveryStatus[] = [];
  const delivery = new Delivery({
    outbox,
    transport,
    maxBatch: 100,
    flushIntervalMs: 3_000,
    baseBackoffMs: 1_000,
    maxBackoffMs: 60_000,
    random: options.random ?? (() => 1),
    onStatus: (status) => statuses.push(status),
  });
  return { outbox, calls, delivery, statuses };
}

describe('Delivery', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('holds events for the flush interval, then sends them as one batch', async () => {
    const { calls, delivery, outbox } = setup();
    for (let i = 0; i < 5; i++) await delivery.enqueue(event());
    await vi.advanceTimersByTimeAsync(2_999);
    expect(calls).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.events).toHaveLength(5);
    expect(outbox.rows).toHaveLength(0);
    expect(delivery.current).toMatchObject({ state: 'connected', queued: 0 });
  });

  it('sends at once when a full batch (100) is waiting, and never more than 100 per request', async () => {
    const { calls, delivery } = setup();
    for (let i = 0; i < 250; i++) await delivery.enqueue(event());
    await vi.advanceTimersByTimeAsync(0);
    expect(calls.map((call) => call.events.length)).toEqual([100, 100, 50]);
    expect(calls.every((call) => call.at === 1_000_000)).toBe(true);
  });

  it('keeps the order of the outbox across batches', async () => {
    const { calls, delivery } = setup();
    const sent = Array.from({ length: 150 }, () => event());
    for (const item of sent) await delivery.enqueue(item);
    await vi.advanceTimersByTimeAsync(3_000);
    expect(calls.flatMap((call) => call.events.map((e) => e.eventId))).toEqual(sent.map((e) => e.eventId));
  });

  it('retries a failed batch with exponential backoff and keeps it queued meanwhile', async () => {
    const { calls, delivery, outbox } = setup([networkDown(), networkDown(), unavailable(), networkDown()]);
    await delivery.enqueue(event());
    await vi.advanceTimersByTimeAsync(3_000);
    expect(calls).toHaveLength(1);
    expect(outbox.rows).toHaveLength(1);
    expect(delivery.current).toMatchObject({ state: 'retrying', lastError: { code: 'CS_NETWORK' } });
    // random() = 1: delays are exactly 1 s, 2 s, 4 s, 8 s.
    for (const [wait, expected] of [
      [999, 1],
      [1, 2],
      [1_999, 2],
      [1, 3],
      [3_999, 3],
      [1, 4],
      [8_000, 5],
    ] as const) {
      await vi.advanceTimersByTimeAsync(wait);
      expect(calls).toHaveLength(expected);
    }
    expect(outbox.rows).toHaveLength(0);
    expect(delivery.current).toMatchObject({ state: 'connected', queued: 0, lastError: undefined });
    expect(new Set(calls.map((call) => call.events[0]?.eventId)).size).toBe(1);
  });

  it('waits at least Retry-After on 429 and 503', async () => {
    const rateLimited = new DeliveryError('CS_RATE_LIMITED', '429', {
      status: 429,
      retriable: true,
      retryAfterMs: 30_000,
    });
    const { calls, delivery } = setup([rateLimited, unavailable(10_000)]);
    await delivery.enqueue(event());
    await vi.advanceTimersByTimeAsync(3_000);
    expect(delivery.current.nextAttemptAt).toBe(1_000_000 + 3_000 + 30_000);
    await vi.advanceTimersByTimeAsync(29_999);
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(9_999);
    expect(calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toHaveLength(3);
  });

  it('jitters the backoff with the random source', async () => {
    const { calls, delivery } = setup([networkDown(), networkDown()], { random: () => 0.5 });
    await delivery.enqueue(event());
    await vi.advanceTimersByTimeAsync(3_000);
    await vi.advanceTimersByTimeAsync(499);
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1); // 0.5 × 1 s
    expect(calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(999);
    expect(calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1); // 0.5 × 2 s
    expect(calls).toHaveLength(3);
  });

  it('does not send new events early while backing off', async () => {
    const { calls, delivery } = setup([networkDown()]);
    await delivery.enqueue(event());
    await vi.advanceTimersByTimeAsync(3_000);
    for (let i = 0; i < 150; i++) await delivery.enqueue(event());
    await vi.advanceTimersByTimeAsync(999);
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls.map((call) => call.events.length)).toEqual([1, 100, 51]);
  });

  it('drops and counts events ingest rejects, removes the accepted ones', async () => {
    const { calls, delivery, outbox } = setup([
      (events) => ({
        accepted: events.length - 2,
        rejected: [
          { index: 1, eventId: events[1]?.eventId, error: 'userId must equal the token subject' },
          { index: 3, eventId: events[3]?.eventId, error: 'bad cellType' },
        ],
      }),
    ]);
    for (let i = 0; i < 5; i++) await delivery.enqueue(event());
    await vi.advanceTimersByTimeAsync(3_000);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls).toHaveLength(1);
    expect(outbox.rows).toHaveLength(0);
    expect(delivery.current).toMatchObject({ rejected: 2, queued: 0, state: 'connected' });
  });

  it('splits a batch ingest finds too large (413), and drops a single event that is', async () => {
    const tooLarge = () => new DeliveryError('CS_TOO_LARGE', '413', { status: 413 });
    const { calls, delivery, outbox } = setup([tooLarge(), tooLarge(), tooLarge()]);
    for (let i = 0; i < 4; i++) await delivery.enqueue(event());
    await vi.advanceTimersByTimeAsync(3_000);
    // 4 → 413, 2 → 413, 1 → 413 (dropped), then 1, then 2 (the limit grows back).
    expect(calls.map((call) => call.events.length)).toEqual([4, 2, 1, 1, 2]);
    expect(outbox.rows).toHaveLength(0);
    expect(delivery.current.rejected).toBe(1);
  });

  it('keeps events on 401 (a new token will let them go) and sends them on flush()', async () => {
    const unauthorized = new DeliveryError('CS_UNAUTHORIZED', '401', { status: 401, retriable: true });
    const { calls, delivery, outbox } = setup([unauthorized]);
    await delivery.enqueue(event());
    await vi.advanceTimersByTimeAsync(3_000);
    expect(outbox.rows).toHaveLength(1);
    expect(delivery.current.lastError?.code).toBe('CS_UNAUTHORIZED');
    await delivery.flush();
    expect(calls).toHaveLength(2);
    expect(outbox.rows).toHaveLength(0);
  });

  it('bounds the outbox: the oldest are dropped and counted', async () => {
    const { calls, delivery, outbox } = setup([networkDown()], { maxQueued: 10 });
    const sent = Array.from({ length: 15 }, () => event());
    for (const item of sent) await delivery.enqueue(item);
    expect(outbox.rows.map((row) => row.event.eventId)).toEqual(sent.slice(5).map((e) => e.eventId));
    expect(delivery.current).toMatchObject({ dropped: 5, queued: 10 });
    // What goes out on page close follows the outbox: the dropped ones are gone there too.
    delivery.flushOnUnload();
    expect(
      calls.filter((call) => call.keepalive).flatMap((call) => call.events.map((e) => e.eventId)),
    ).toEqual(sent.slice(5).map((e) => e.eventId));
  });

  it('sends what an earlier page left in the outbox on start', async () => {
    const { calls, delivery, outbox } = setup();
    await outbox.add([event(), event()]);
    await delivery.start();
    expect(delivery.current.queued).toBe(2);
    await vi.advanceTimersByTimeAsync(0);
    expect(calls[0]?.events).toHaveLength(2);
  });

  it('flushes unconfirmed events with keepalive on page close, keeping them in the outbox', async () => {
    const { calls, delivery, outbox } = setup([networkDown()]);
    await delivery.enqueue(event());
    await vi.advanceTimersByTimeAsync(3_000);
    await delivery.enqueue(event());
    const goodbye = event({ eventType: 'session_end' });
    delivery.flushOnUnload([goodbye]);
    const keepalive = calls.filter((call) => call.keepalive);
    expect(keepalive).toHaveLength(1);
    expect(keepalive[0]?.events.map((e) => e.eventType)).toEqual([
      'cell_execution_complete',
      'cell_execution_complete',
      'session_end',
    ]);
    expect(outbox.rows).toHaveLength(2);
  });

  it('keeps keepalive requests within the browser budget', async () => {
    const outbox = new MemoryOutbox();
    const { transport, calls } = scriptedTransport([networkDown()]);
    const delivery = new Delivery({ outbox, transport, keepaliveBudgetBytes: 2_000, random: () => 1 });
    const big = Array.from({ length: 40 }, () => event({ code: 'x'.repeat(100) }));
    delivery.flushOnUnload(big);
    const sentBytes = calls.reduce((sum, call) => sum + JSON.stringify(call.events).length, 0);
    expect(calls.length).toBeGreaterThan(0);
    expect(sentBytes).toBeLessThanOrEqual(2_000);
    expect(calls[0]?.events[0]?.eventId).toBe(big[0]?.eventId);
  });
});
