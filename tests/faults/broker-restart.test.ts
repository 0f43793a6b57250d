import { sleep } from '@cellstream/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Classroom, provisionClassroom } from './support/classroom.js';
import { EventLoad } from './support/load.js';
import { Pipeline } from './support/pipeline.js';
import { faultProfile } from './support/profile.js';
import { perClassTable, writeResult } from './support/results.js';
import { killBroker, stackUp } from './support/stack-control.js';
import { AggregateReader, byClassObject, rowCountsByClass, waitUntilStored } from './support/verify.js';

/**
 * Item 1: the Kafka broker SIGKILLed under load and brought back with `npm run stack -- up`.
 * While it is down ingest answers 503 with Retry-After; clients retry; at the end every event
 * that got a 202 is in PostgreSQL exactly once and the class totals equal the row counts.
 */
const profile = faultProfile();

describe('item 1: broker SIGKILL and restart under load', () => {
  let pipeline: Pipeline;
  let classroom: Classroom;
  let aggregates: AggregateReader;

  beforeAll(async () => {
    pipeline = await Pipeline.start('broker', {}, ['lms-api', 'ingest', 'persister', 'aggregator']);
    classroom = await provisionClassroom(pipeline.url('lms-api'), pipeline.env, { classes: 2, students: 10 });
    aggregates = new AggregateReader(pipeline);
    await aggregates.start();
  });

  afterAll(async () => {
    // Whatever happened, the broker is back for the next test.
    await stackUp();
    await aggregates?.stop();
    await pipeline?.stop();
  });

  it('answers 503 with Retry-After while the broker is down and loses nothing', async () => {
    const ingest = pipeline.url('ingest');
    const load = new EventLoad(ingest, classroom.students, { rate: profile.loadRate });
    const started = Date.now();
    load.start();
    await sleep(5_000);
    const acknowledgedBefore = load.accepted.size;

    await killBroker();
    const killedAt = Date.now();
    // A probe of our own, besides the load: what a client sees while the broker is gone.
    const student = classroom.students[0];
    const probes: { status: number; retryAfter: string | null }[] = [];
    while (Date.now() - killedAt < profile.brokerDownMs) {
      const response = await fetch(`${ingest}/api/v1/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${student?.tokens.token()}`, 'content-type': 'application/json' },
        body: JSON.stringify([
          {
            eventId: `probe-${Date.now()}-${Math.random()}`,
            eventType: 'notebook_save',
            eventTime: new Date().toISOString(),
            userId: student?.userId,
            classId: student?.classId,
          },
        ]),
      });
      await response.body?.cancel();
      probes.push({ status: response.status, retryAfter: response.headers.get('retry-after') });
      await sleep(500);
    }
    const readyWhileDown = await fetch(`${ingest}/ready`);
    const readyBody = await readyWhileDown.text();

    const restartStarted = Date.now();
    await stackUp();
    const restartMs = Date.now() - restartStarted;
    const downMs = Date.now() - killedAt;
    await sleep(10_000);
    await load.stop();
    const loadMs = Date.now() - started;

    const stored = await waitUntilStored(pipeline, load);
    const rows = await rowCountsByClass(pipeline.database.url);
    const expected = load.expectedByClass();
    const totals = await aggregates.waitForTotals(rows);

    const probe503 = probes.filter((probe) => probe.status === 503);
    const result = {
      item: 1,
      title: 'Broker restart under load',
      method: `${classroom.students.length} students posting ${profile.loadRate} events/s through ingest (retrying on 503 after Retry-After); after 5 s the single broker is SIGKILLed, left down ${profile.brokerDownMs / 1000} s, and restarted with \`npm run stack -- up\`; the load goes on 10 s more. A probe posts one event every 500 ms while the broker is down.`,
      figures: {
        loadSeconds: Math.round(loadMs / 1000),
        brokerDownMs: downMs,
        stackUpMs: restartMs,
        acknowledgedBeforeKill: acknowledgedBefore,
        eventsAcknowledged: stored.acknowledged,
        rowsOfAcknowledgedEvents: stored.stored,
        missing: stored.missing,
        duplicates: stored.duplicates,
        unexpectedRows: stored.unexpected,
        influxPoints: stored.influxPoints,
        activityPoints: stored.activityPoints,
        activityRolledUp: stored.activityRolledUp,
        probesWhileDown: probes.length,
        probes503: probe503.length,
        probes503WithRetryAfter: probe503.filter((probe) => probe.retryAfter !== null).length,
        probeStatuses: [...new Set(probes.map((probe) => probe.status))].join(', '),
        load503: load.unavailable.total,
        load503WithRetryAfter: load.unavailable.withRetryAfter,
        loadRetries: load.retries,
        ingestReadyWhileDown: readyWhileDown.status,
        totalsEqualRowCounts: JSON.stringify(byClassObject(totals)) === JSON.stringify(byClassObject(rows)),
      },
      tables: [perClassTable(expected, rows, totals)],
      passed: false,
    };
    writeResult('01-broker-restart', result);

    expect(probes.length).toBeGreaterThan(0);
    // Every probe answered while the broker was gone is a 503 carrying Retry-After.
    expect(probes.map((probe) => probe.status)).toEqual(probes.map(() => 503));
    expect(probe503.every((probe) => probe.retryAfter !== null)).toBe(true);
    expect(load.unavailable.withRetryAfter).toBe(load.unavailable.total);
    expect(readyWhileDown.status, readyBody).toBe(503);
    expect(stored.missing).toBe(0);
    expect(stored.unexpected).toBe(0);
    expect(stored.duplicates).toBe(0);
    expect(stored.influxPoints).toBe(stored.acknowledged);
    expect(stored.activityPoints).toBe(stored.acknowledged);
    expect(stored.activityRolledUp).toBe(stored.acknowledged);
    expect(byClassObject(rows)).toEqual(byClassObject(expected));
    expect(byClassObject(totals)).toEqual(byClassObject(rows));
    expect(load.refused).toBe(0);
    writeResult('01-broker-restart', { ...result, passed: true });
  });
});
