import { AppProcess, eventually, freePort } from '@cellstream/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classroom, expectedCounts } from '../support/events.js';
import { InfluxReader, PgReader } from '../support/readers.js';
import {
  EventProducer,
  ensureTestTopics,
  type TestStores,
  testStores,
  waitUntilDrained,
} from '../support/stack.js';

describe('persister: killed with SIGKILL mid-batch, then restarted', () => {
  let stores: TestStores;
  let pgReader: PgReader;
  let influxReader: InfluxReader;
  let child: AppProcess | undefined;

  beforeAll(async () => {
    stores = await testStores('sigkill', { CONSUMER_MAX_BYTES_PER_PARTITION: '262144' });
    pgReader = new PgReader(stores.database.url);
    influxReader = new InfluxReader(stores.bucket.bucket);
    await ensureTestTopics(stores.config);
  });

  afterAll(async () => {
    await child?.stop('SIGKILL');
    await pgReader?.close();
    await stores?.drop();
  });

  it('leaves exact rows, counters and points', { timeout: 120_000 }, async () => {
    const events = classroom({
      tag: 'kill',
      classIds: ['1', '2', '3', '4', '5', '6'],
      studentsPerClass: 40,
      executionsPerStudent: 25,
    });
    const producer = new EventProducer(stores.config);
    await producer.connect();
    for (let start = 0; start < events.length; start += 2_000)
      await producer.send(events.slice(start, start + 2_000));
    await producer.disconnect();
    const expected = expectedCounts(events);
    const port = await freePort();

    child = await AppProcess.start('persister', stores.env, { port, waitReady: false });
    // Kill while a batch's transaction is open in PostgreSQL, with part of the stream stored.
    await eventually(async () => ((await pgReader.count('cell_executions')) > 0 ? true : undefined), {
      timeoutMs: 60_000,
      intervalMs: 5,
      what: 'the first rows',
    });
    expect(await pgReader.transactionInFlight(stores.database.name, 30_000)).toBe(true);
    expect(await child.stop('SIGKILL')).toBeNull();
    const atKill = await pgReader.count('cell_executions');
    expect(atKill).toBeGreaterThan(0);
    expect(atKill).toBeLessThan(expected.executions);

    child = await AppProcess.start('persister', stores.env, { port });
    await waitUntilDrained(
      stores.config,
      [stores.config.PERSISTER_PG_GROUP_ID, stores.config.PERSISTER_INFLUX_GROUP_ID],
      90_000,
    );

    expect(await pgReader.counts()).toMatchObject({
      students: expected.students,
      cell_executions: expected.executions,
      notebook_accesses: expected.accesses,
      sessions: expected.sessions.size,
    });
    expect(await pgReader.sessions()).toEqual(expected.sessions);
    expect(await influxReader.count()).toBe(events.length);

    // SIGTERM: a clean exit (batches finished and committed, groups left).
    expect(await child.stop('SIGTERM')).toBe(0);
  });
});
