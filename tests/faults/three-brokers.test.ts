import { sleep } from '@cellstream/shared';
import { eventually } from '@cellstream/testkit';
import { ConfigResourceTypes } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Classroom, provisionClassroom } from './support/classroom.js';
import { ThreeBrokerCluster } from './support/cluster.js';
import { EventLoad } from './support/load.js';
import { Pipeline } from './support/pipeline.js';
import { faultProfile } from './support/profile.js';
import { perClassTable, writeResult } from './support/results.js';
import { AggregateReader, byClassObject, rowCountsByClass, waitUntilStored } from './support/verify.js';

/**
 * Item 2: a three-broker KRaft cluster started by the stack CLI (`up kafka --brokers 3`,
 * replication factor 3, min.insync.replicas 2); the leader of an events partition SIGKILLed
 * under load. No acknowledged event is lost, producers and consumers carry on.
 */
const profile = faultProfile();

describe('item 2: three-broker cluster, one broker killed', () => {
  const cluster = new ThreeBrokerCluster();
  let pipeline: Pipeline;
  let classroom: Classroom;
  let aggregates: AggregateReader;

  beforeAll(async () => {
    await cluster.up();
    pipeline = await Pipeline.start('cluster', { KAFKA_BROKERS: cluster.brokers.join(',') }, [
      'lms-api',
      'ingest',
      'persister',
      'aggregator',
    ]);
    classroom = await provisionClassroom(pipeline.url('lms-api'), pipeline.env, { classes: 2, students: 10 });
    aggregates = new AggregateReader(pipeline);
    await aggregates.start();
  });

  afterAll(async () => {
    await aggregates?.stop();
    await pipeline?.stop();
    await cluster.destroy();
  });

  it('loses no acknowledged event when a broker dies', async () => {
    const admin = pipeline.kafka().admin();
    await admin.connect();
    const eventsTopic = pipeline.topic('learningEvents');
    const [metadata] = (await admin.fetchTopicMetadata({ topics: [eventsTopic] })).topics;
    const configs = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [
        { type: ConfigResourceTypes.TOPIC, name: eventsTopic, configNames: ['min.insync.replicas'] },
      ],
    });
    const minInsync = configs.resources[0]?.configEntries[0]?.configValue;
    const replicas = Math.min(...(metadata?.partitions.map((p) => p.replicas.length) ?? [0]));
    const victim = metadata?.partitions.find((p) => p.partitionId === 0)?.leader ?? 2;
    await admin.disconnect();

    const load = new EventLoad(pipeline.url('ingest'), classroom.students, { rate: profile.loadRate });
    const started = Date.now();
    load.start();
    await sleep(5_000);
    await cluster.kill(victim);
    const killedAt = Date.now();
    const acknowledgedAtKill = load.accepted.size;
    // Failover: the controller notices the dead broker (broker.session.timeout.ms, 9 s by
    // default) and moves its partitions' leadership; producers then carry on.
    const failoverMs = await eventually(
      async () =>
        load.accepted.size > acknowledgedAtKill + profile.loadRate ? Date.now() - killedAt : undefined,
      { timeoutMs: 120_000, intervalMs: 250, what: 'events acknowledged with a broker down' },
    ).catch(() => -1);
    await sleep(Math.max(0, killedAt + failoverMs + profile.brokerDownMs - Date.now()));
    const acknowledgedWhileDown = load.accepted.size - acknowledgedAtKill;
    const unavailableWhileDown = load.unavailable.total;
    await cluster.up();
    const downMs = Date.now() - killedAt;
    await sleep(10_000);
    await load.stop();

    const stored = await waitUntilStored(pipeline, load);
    const rows = await rowCountsByClass(pipeline.database.url);
    const expected = load.expectedByClass();
    const totals = await aggregates.waitForTotals(rows);

    const result = {
      item: 2,
      title: 'A three-broker cluster',
      method: `A KRaft cluster of three brokers started with \`npm run stack -- up kafka --brokers 3\` beside the stack; ${classroom.students.length} students posting ${profile.loadRate} events/s; after 5 s the leader of partition 0 of the events topic (broker ${victim}) is SIGKILLed, left down until ${profile.brokerDownMs / 1000} s after the failover while the load goes on, then started again by the same command.`,
      figures: {
        replicationFactor: replicas,
        minInsyncReplicas: String(minInsync),
        killedBroker: victim,
        failoverMs,
        brokerDownMs: downMs,
        loadSeconds: Math.round((Date.now() - started) / 1000),
        acknowledgedWhileBrokerDown: acknowledgedWhileDown,
        answers503WhileDown: unavailableWhileDown,
        eventsAcknowledged: stored.acknowledged,
        rowsOfAcknowledgedEvents: stored.stored,
        missing: stored.missing,
        duplicates: stored.duplicates,
        unexpectedRows: stored.unexpected,
        influxPoints: stored.influxPoints,
        activityPoints: stored.activityPoints,
        activityRolledUp: stored.activityRolledUp,
        loadRetries: load.retries,
        totalsEqualRowCounts: JSON.stringify(byClassObject(totals)) === JSON.stringify(byClassObject(rows)),
      },
      tables: [perClassTable(expected, rows, totals)],
      passed: false,
    };
    writeResult('02-three-brokers', result);

    expect(replicas).toBe(3);
    expect(minInsync).toBe('2');
    // Producers carried on: events were acknowledged while the broker was down.
    expect(failoverMs).toBeGreaterThan(0);
    expect(acknowledgedWhileDown).toBeGreaterThan(0);
    expect(stored.missing).toBe(0);
    expect(stored.unexpected).toBe(0);
    expect(stored.duplicates).toBe(0);
    expect(stored.influxPoints).toBe(stored.acknowledged);
    expect(stored.activityPoints).toBe(stored.acknowledged);
    expect(stored.activityRolledUp).toBe(stored.acknowledged);
    expect(byClassObject(rows)).toEqual(byClassObject(expected));
    expect(byClassObject(totals)).toEqual(byClassObject(rows));
    expect(load.refused).toBe(0);
    writeResult('02-three-brokers', { ...result, passed: true });
  });
});
