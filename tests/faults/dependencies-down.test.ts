import { sleep } from '@cellstream/shared';
import { eventually } from '@cellstream/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Classroom, provisionClassroom } from './support/classroom.js';
import { groupLag } from './support/kafka.js';
import { EventLoad } from './support/load.js';
import { Pipeline, type PipelineApp } from './support/pipeline.js';
import { faultProfile } from './support/profile.js';
import { writeResult } from './support/results.js';
import { startServer, stopServer } from './support/stack-control.js';
import { AggregateReader, byClassObject, rowCountsByClass, waitUntilStored } from './support/verify.js';

/**
 * Item 4: PostgreSQL, then InfluxDB, stopped under load and started again. Readiness reports
 * each outage, the consumer group of the stopped store pauses (its lag grows) and resumes, and
 * nothing is lost.
 */
const profile = faultProfile();

interface Outage {
  server: 'postgres' | 'influxdb';
  downMs: number;
  /** /ready answers seen while it was down, per app: status → count. */
  readiness: Record<string, Record<string, number>>;
  /** A /ready body seen during the outage, per app. */
  sample: Record<string, string>;
  lagAtRestart: number;
  drainMs: number;
}

describe('item 4: PostgreSQL and InfluxDB stopped under load', () => {
  let pipeline: Pipeline;
  let classroom: Classroom;
  let aggregates: AggregateReader;

  beforeAll(async () => {
    pipeline = await Pipeline.start('deps', {}, ['lms-api', 'ingest', 'persister', 'aggregator']);
    classroom = await provisionClassroom(pipeline.url('lms-api'), pipeline.env, { classes: 2, students: 10 });
    aggregates = new AggregateReader(pipeline);
    await aggregates.start();
  });

  afterAll(async () => {
    await startServer('postgres');
    await startServer('influxdb');
    await aggregates?.stop();
    await pipeline?.stop();
  });

  it('reports each outage in readiness, pauses, resumes and loses nothing', async () => {
    const load = new EventLoad(pipeline.url('ingest'), classroom.students, { rate: profile.loadRate });
    const started = Date.now();
    load.start();
    const outages: Outage[] = [];

    const outage = async (server: Outage['server'], watched: PipelineApp[], group: string) => {
      await sleep(5_000);
      await stopServer(server);
      const stoppedAt = Date.now();
      const readiness: Outage['readiness'] = {};
      const sample: Outage['sample'] = {};
      while (Date.now() - stoppedAt < profile.dependencyDownMs) {
        for (const app of watched) {
          const response = await fetch(`${pipeline.url(app)}/ready`, {
            signal: AbortSignal.timeout(5_000),
          }).catch(() => undefined);
          const status = String(response?.status ?? 'no answer');
          const body = (await response?.text()) ?? '';
          readiness[app] ??= {};
          (readiness[app] as Record<string, number>)[status] =
            ((readiness[app] as Record<string, number>)[status] ?? 0) + 1;
          if (status === '503') sample[app] = body;
        }
        await sleep(1_000);
      }
      const lagAtRestart =
        Object.values(await groupLag(pipeline.kafka(), pipeline.topic('learningEvents'), [group]))[0] ?? 0;
      await startServer(server);
      const restartedAt = Date.now();
      await eventually(
        async () =>
          (Object.values(await groupLag(pipeline.kafka(), pipeline.topic('learningEvents'), [group]))[0] ??
            1) < 50
            ? true
            : undefined,
        { timeoutMs: 120_000, intervalMs: 500, what: `${group} catching up` },
      );
      outages.push({
        server,
        downMs: restartedAt - stoppedAt,
        readiness,
        sample,
        lagAtRestart,
        drainMs: Date.now() - restartedAt,
      });
    };

    await outage(
      'postgres',
      ['persister', 'lms-api', 'ingest'],
      pipeline.env.PERSISTER_PG_GROUP_ID as string,
    );
    await outage('influxdb', ['persister', 'ingest'], pipeline.env.PERSISTER_INFLUX_GROUP_ID as string);
    await sleep(5_000);
    await load.stop();
    const loadMs = Date.now() - started;

    const stored = await waitUntilStored(pipeline, load);
    const rows = await rowCountsByClass(pipeline.database.url);
    const expected = load.expectedByClass();
    const totals = await aggregates.waitForTotals(rows);

    const result = {
      item: 4,
      title: 'Dependencies down',
      method: `${classroom.students.length} students posting ${profile.loadRate} events/s; PostgreSQL stopped (pg_ctl stop -m fast, as \`npm run stack -- down\` does) for ${profile.dependencyDownMs / 1000} s, started again; then InfluxDB the same. /ready of the apps polled every second during each outage; the lag of the consumer group of the stopped store measured at restart.`,
      figures: {
        loadSeconds: Math.round(loadMs / 1000),
        eventsAcknowledged: stored.acknowledged,
        rowsOfAcknowledgedEvents: stored.stored,
        missing: stored.missing,
        duplicates: stored.duplicates,
        unexpectedRows: stored.unexpected,
        influxPoints: stored.influxPoints,
        activityPoints: stored.activityPoints,
        activityRolledUp: stored.activityRolledUp,
        ingestNon202: [...load.answers].filter(([status]) => status !== '202').reduce((n, [, c]) => n + c, 0),
        totalsEqualRowCounts: JSON.stringify(byClassObject(totals)) === JSON.stringify(byClassObject(rows)),
      },
      tables: [
        {
          title: 'Outages',
          columns: [
            'stopped',
            'down (s)',
            '/ready while down',
            'group lag at restart',
            'caught up after (s)',
          ],
          rows: outages.map((o) => [
            o.server,
            (o.downMs / 1000).toFixed(1),
            Object.entries(o.readiness)
              .map(
                ([app, counts]) =>
                  `${app}: ${Object.entries(counts)
                    .map(([s, n]) => `${s} × ${n}`)
                    .join(', ')}`,
              )
              .join('; '),
            o.lagAtRestart,
            (o.drainMs / 1000).toFixed(1),
          ]),
        },
        {
          title: 'A /ready answer during each outage',
          columns: ['stopped', 'app', 'body'],
          rows: outages.flatMap((o) =>
            Object.entries(o.sample).map(([app, body]) => [o.server, app, `\`${body}\``]),
          ),
        },
      ],
      passed: false,
    };
    writeResult('04-dependencies-down', result);

    const pgOutage = outages[0] as Outage;
    const influxOutage = outages[1] as Outage;
    // Readiness names the outage: the persister for both stores, lms-api for PostgreSQL.
    expect(pgOutage.readiness.persister?.['503']).toBeGreaterThan(0);
    expect(pgOutage.readiness['lms-api']?.['503']).toBeGreaterThan(0);
    expect(influxOutage.readiness.persister?.['503']).toBeGreaterThan(0);
    expect(pgOutage.sample.persister).toMatch(/down/);
    // Ingest does not depend on either store: it keeps taking events.
    expect(pgOutage.readiness.ingest?.['503'] ?? 0).toBe(0);
    // The stopped store's group paused (records waited) and resumed.
    expect(pgOutage.lagAtRestart).toBeGreaterThan(0);
    expect(influxOutage.lagAtRestart).toBeGreaterThan(0);
    expect(stored.missing).toBe(0);
    expect(stored.unexpected).toBe(0);
    expect(stored.duplicates).toBe(0);
    expect(stored.influxPoints).toBe(stored.acknowledged);
    expect(stored.activityPoints).toBe(stored.acknowledged);
    expect(stored.activityRolledUp).toBe(stored.acknowledged);
    expect(byClassObject(rows)).toEqual(byClassObject(expected));
    expect(byClassObject(totals)).toEqual(byClassObject(rows));
    expect(load.refused).toBe(0);
    writeResult('04-dependencies-down', { ...result, passed: true });
  });
});
