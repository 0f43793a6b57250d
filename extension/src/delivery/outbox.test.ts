import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { Delivery } from './delivery.js';
import { DeliveryError } from './errors.js';
import { IndexedDbOutbox } from './outbox.js';
import { event, scriptedTransport } from './testing.js';

describe('IndexedDbOutbox', () => {
  it('keeps events across a close and reopen (a page reload), oldest first', async () => {
    const indexedDB = new IDBFactory();
    const first = await IndexedDbOutbox.open('student-1', { maxQueued: 100, indexedDB });
    const events = [event(), event(), event()];
    await first.add(events);
    first.close();

    const reopened = await IndexedDbOutbox.open('student-1', { maxQueued: 100, indexedDB });
    const rows = await reopened.peek(10);
    expect(rows.map((row) => row.event)).toEqual(events);
    expect(rows[0]?.seq).toBeLessThan(rows[1]?.seq ?? 0);
    await reopened.remove([rows[0]?.seq ?? -1]);
    expect(await reopened.count()).toBe(2);
    expect((await reopened.peek(1))[0]?.event.eventId).toBe(events[1]?.eventId);
    reopened.close();
  });

  it('keeps one outbox per user', async () => {
    const indexedDB = new IDBFactory();
    const a = await IndexedDbOutbox.open('student-a', { maxQueued: 100, indexedDB });
    const b = await IndexedDbOutbox.open('student-b', { maxQueued: 100, indexedDB });
    await a.add([event({ userId: 'student-a' })]);
    expect(await a.count()).toBe(1);
    expect(await b.count()).toBe(0);
  });

  it('drops the oldest past the bound and says how many', async () => {
    const outbox = await IndexedDbOutbox.open('student-1', { maxQueued: 5, indexedDB: new IDBFactory() });
    const events = Array.from({ length: 8 }, () => event());
    expect(await outbox.add(events.slice(0, 4))).toBe(0);
    expect(await outbox.add(events.slice(4))).toBe(3);
    expect(await outbox.count()).toBe(5);
    expect((await outbox.peek(10)).map((row) => row.event.eventId)).toEqual(
      events.slice(3).map((e) => e.eventId),
    );
  });

  it('peeks at most the limit', async () => {
    const outbox = await IndexedDbOutbox.open('student-1', { maxQueued: 500, indexedDB: new IDBFactory() });
    await outbox.add(Array.from({ length: 250 }, () => event()));
    expect(await outbox.peek(100)).toHaveLength(100);
  });

  it('lets a new page deliver what a failed page left behind, exactly once', async () => {
    const indexedDB = new IDBFactory();
    const events = [event(), event(), event()];
    const offline = () => new DeliveryError('CS_NETWORK', 'offline', { retriable: true });
    const failing = scriptedTransport(Array.from({ length: 10 }, offline));
    const outboxBefore = await IndexedDbOutbox.open('student-1', { maxQueued: 100, indexedDB });
    // Long timers: only flush() sends here, once.
    const before = new Delivery({
      outbox: outboxBefore,
      transport: failing.transport,
      flushIntervalMs: 60_000,
      baseBackoffMs: 60_000,
    });
    for (const item of events) await before.enqueue(item);
    await before.flush();
    expect(failing.calls).toHaveLength(1);
    expect(await outboxBefore.count()).toBe(3);
    before.close();
    outboxBefore.close();

    const working = scriptedTransport();
    const outboxAfter = await IndexedDbOutbox.open('student-1', { maxQueued: 100, indexedDB });
    const after = new Delivery({ outbox: outboxAfter, transport: working.transport });
    await after.start();
    await after.flush();
    expect(working.calls.flatMap((call) => call.events)).toEqual(events);
    expect(await outboxAfter.count()).toBe(0);
    after.close();
  });
});
