import { sleep } from '@cellstream/shared';
import { eventually } from '@cellstream/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Classroom, provisionClassroom } from './support/classroom.js';
import { Dashboard } from './support/dashboard.js';
import { EventLoad } from './support/load.js';
import { Pipeline, type PipelineApp } from './support/pipeline.js';
import { faultProfile } from './support/profile.js';
import { perClassTable, writeResult } from './support/results.js';
import { AggregateReader, byClassObject, rowCountsByClass, waitUntilStored } from './support/verify.js';

/**
 * Item 3: the persister, the aggregator and realtime each SIGKILLed at random moments under
 * load and restarted. At the end PostgreSQL holds every acknowledged event once, the class
 * totals equal the row counts, and the dashboards have reconnected and show those totals.
 */
const profile = faultProfile();
const victims: PipelineApp[] = ['persister', 'aggregator', 'realtime'];

describe('item 3: apps killed under load', () => {
  let pipeline: Pipeline;
  let classroom: Classroom;
  let aggregates: AggregateReader;
  const dashboards: Dashboard[] = [];

  beforeAll(async () => {
    pipeline = await Pipeline.start('killed');
    classroom = await provisionClassroom(pipeline.url('lms-api'), pipeline.env, { classes: 3, students: 15 });
    aggregates = new AggregateReader(pipeline);
    await aggregates.start();
  });

  afterAll(async () => {
    for (const dashboard of dashboards) dashboard.stop();
    await aggregates?.stop();
    await pipeline?.stop();
  });

  it('keeps exact counts and totals through SIGKILLs, and dashboards reconnect', async () => {
    for (const { id } of classroom.classes)
      dashboards.push(new Dashboard(pipeline.realtimeWs, classroom.instructorToken, id).start());
    const load = new EventLoad(pipeline.url('ingest'), classroom.students, { rate: profile.loadRate });
    const started = Date.now();
    load.start();

    const kills: { app: PipelineApp; atMs: number; restartMs: number }[] = [];
    const schedule = Array.from({ length: profile.killsPerApp }, () => [...victims])
      .flat()
      .sort(() => Math.random() - 0.5);
    for (const app of schedule) {
      // A random moment: somewhere between 1 and 6 s after the previous restart.
      await sleep(1_000 + Math.random() * 5_000);
      const atMs = Date.now() - started;
      const { downMs } = await pipeline.killAndRestart(app);
      kills.push({ app, atMs, restartMs: downMs });
    }
    await sleep(3_000);
    await load.stop();
    const loadMs = Date.now() - started;

    const stored = await waitUntilStored(pipeline, load);
    const rows = await rowCountsByClass(pipeline.database.url);
    const expected = load.expectedByClass();
    const totals = await aggregates.waitForTotals(rows);
    // Every dashboard connected again after the last realtime kill and shows the final totals.
    const dashboardsOk = await eventually(
      async () =>
        dashboards.every(
          (d) =>
            d.connected &&
            d.totals?.executions === rows.get(d.classId)?.executions &&
            d.totals?.errors === rows.get(d.classId)?.errors,
        )
          ? true
          : undefined,
      { timeoutMs: 60_000, intervalMs: 500, what: 'dashboards showing the final totals' },
    ).catch(() => false);

    const realtimeKills = kills.filter((kill) => kill.app === 'realtime').length;
    const result = {
      item: 3,
      title: 'Apps killed',
      method: `${classroom.students.length} students in ${classroom.classes.length} classes posting ${profile.loadRate} events/s through ingest; the persister, the aggregator and realtime each SIGKILLed ${profile.killsPerApp} times in a random order, 1–6 s apart, and restarted at once; ${dashboards.length} dashboards (WebSocket clients, one per class) reconnecting on their own.`,
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
        sigkills: kills.length,
        meanRestartMs: Math.round(
          kills.reduce((sum, kill) => sum + kill.restartMs, 0) / Math.max(1, kills.length),
        ),
        ingestRetries: load.retries,
        dashboardConnections: dashboards.reduce((sum, d) => sum + d.connections, 0),
        dashboardsShowingFinalTotals: dashboardsOk,
        totalsEqualRowCounts: JSON.stringify(byClassObject(totals)) === JSON.stringify(byClassObject(rows)),
      },
      tables: [
        {
          title: 'Kills (time since the load started, time until ready again)',
          columns: ['app', 'killed at (s)', 'ready again after (ms)'],
          rows: kills.map((kill) => [kill.app, (kill.atMs / 1000).toFixed(1), kill.restartMs]),
        },
        perClassTable(expected, rows, totals),
      ],
      passed: false,
    };
    writeResult('03-apps-killed', result);

    expect(stored.missing).toBe(0);
    expect(stored.unexpected).toBe(0);
    expect(stored.duplicates).toBe(0);
    expect(stored.influxPoints).toBe(stored.acknowledged);
    expect(stored.activityPoints).toBe(stored.acknowledged);
    expect(stored.activityRolledUp).toBe(stored.acknowledged);
    expect(byClassObject(rows)).toEqual(byClassObject(expected));
    expect(byClassObject(totals)).toEqual(byClassObject(rows));
    expect(dashboards.every((d) => d.connections >= realtimeKills + 1)).toBe(true);
    expect(dashboardsOk).toBe(true);
    expect(load.refused).toBe(0);
    writeResult('03-apps-killed', { ...result, passed: true });
  });
});
