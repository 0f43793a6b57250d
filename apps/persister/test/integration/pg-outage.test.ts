import { sleep } from '@cellstream/shared';
import { eventually, testEnv, testKafka } from '@cellstream/testkit';
import type { Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningPersister, startPersister } from '../../src/start.js';
import { classroom, expectedCounts } from '../support/events.js';
import { PgReader } from '../support/readers.js';
import {
  committedOffsets,
  EventProducer,
  lagOf,
  type TestStores,
  testStores,
  waitUntilDrained,
} from '../support/stack.js';
import { TcpProxy } from '../support/tcp-proxy.js';

/**
 * The issue asks for PostgreSQL stopped for 30 s; the test cuts it for OUTAGE_MS (default 10 s,
 * PERSISTER_TEST_OUTAGE_MS=30000 for the full length). Nothing in the persister depends on the
 * duration: while the database is away every attempt fails the same way and waits at most
 * RETRY_MAX_DELAY_MS before the next.
 */
const OUTAGE_MS = Number(process.env.PERSISTER_TEST_OUTAGE_MS ?? 10_000);

describe('persister: PostgreSQL unavailable mid-stream', () => {
  let stores: TestStores;
  let proxy: TcpProxy;
  let persister: RunningPersister;
  let producer: EventProducer;
  let pgReader: PgReader;
  let admin: Admin;

  beforeAll(async () => {
    const target = new URL(testEnv.DATABASE_URL);
    proxy = await TcpProxy.start({ host: target.hostname, port: Number(target.port || 5432) });
    stores = await testStores('outage', (database) => ({
      PERSISTER_SINKS: 'pg',
      DATABASE_URL: proxy.through(database.url),
      PG_CONNECT_TIMEOUT_MS: '2000',
      PG_QUERY_TIMEOUT_MS: '5000',
    }));
    pgReader = new PgReader(stores.database.url); // direct, not through the proxy
    persister = await startPersister(stores.config);
    producer = new EventProducer(stores.config);
    await producer.connect();
    admin = testKafka().admin();
    await admin.connect();
  }, 60_000);

  afterAll(async () => {
    await admin?.disconnect();
    await producer?.disconnect();
    await persister?.close();
    await proxy?.close();
    await pgReader?.close();
    await stores?.drop();
  });

  it('pauses, commits nothing unsaved, and ends with exact rows and counters', {
    timeout: OUTAGE_MS + 90_000,
  }, async () => {
    const config = stores.config;
    const group = config.PERSISTER_PG_GROUP_ID;
    const events = classroom({
      tag: 'out',
      classIds: ['1', '2', '3'],
      studentsPerClass: 10,
      executionsPerStudent: 10,
    });
    const chunks = Array.from({ length: 12 }, (_, i) => events.filter((_, j) => j % 12 === i));
    const base = `http://127.0.0.1:${persister.ops?.port}`;

    // Before the outage: a third of the stream, stored.
    for (const chunk of chunks.slice(0, 4)) await producer.send(chunk);
    await waitUntilDrained(config, [group]);

    // The outage, while a batch is being written: the stream goes on; nothing can be stored, so
    // nothing may be committed.
    const inFlight = producer.send(chunks[4] ?? []);
    expect(await pgReader.transactionInFlight(stores.database.name, 5_000)).toBe(true);
    await proxy.cut();
    const cutAt = Date.now();
    await inFlight;
    for (const chunk of chunks.slice(5, 8)) await producer.send(chunk);
    const readyState = async () =>
      ((await (await fetch(`${base}/ready`)).json()) as { dependencies: Record<string, string> })
        .dependencies;
    await eventually(async () => ((await readyState()).postgres === 'down' ? true : undefined), {
      what: '/ready to report postgres down',
    });
    await eventually(
      async () =>
        /persister_paused_partitions\{[^}]*\} [1-9]/.test(await persister.metrics.metrics())
          ? true
          : undefined,
      {
        what: 'a paused partition',
      },
    );
    await sleep(1_000); // a batch stored just before the cut may still be committing to Kafka
    const committedEarly = await committedOffsets(admin, config.EVENTS_TOPIC, group);
    await sleep(Math.max(0, OUTAGE_MS - (Date.now() - cutAt)));
    expect(await committedOffsets(admin, config.EVENTS_TOPIC, group)).toEqual(committedEarly);
    expect(await lagOf(admin, config.EVENTS_TOPIC, [group])).toBeGreaterThan(0);
    expect((await fetch(`${base}/ready`)).status).toBe(503);

    // Back: everything is stored once, counters exact, the partitions resumed.
    await proxy.restore();
    for (const chunk of chunks.slice(8)) await producer.send(chunk);
    await waitUntilDrained(config, [group], 60_000);

    const expected = expectedCounts(events);
    expect(await pgReader.counts()).toMatchObject({
      students: expected.students,
      cell_executions: expected.executions,
      notebook_accesses: expected.accesses,
      sessions: expected.sessions.size,
    });
    expect(await pgReader.sessions()).toEqual(expected.sessions);
    const metrics = await persister.metrics.metrics();
    expect(metrics).toMatch(/persister_retries_total\{[^}]*dependency="postgres"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/persister_paused_partitions\{[^}]*\} 0/);
    expect((await fetch(`${base}/ready`)).status).toBe(200);
  });
});
