/**
 * The persister's benchmark (`npm run bench -w @cellstream/persister -- --events 1000000`):
 * fills a topic of its own with N events; then, per store, writes the same rows (PostgreSQL:
 * multi-row INSERT through pg) or points (InfluxDB: line protocol POSTed with fetch) with a bare
 * baseline, drains the topic with that store's consumer group alone (the code main.ts runs, in
 * this process), and runs the baseline again; prints the group's rate, the baselines' and the
 * ratio. Everything it creates (topics, databases, buckets) is its own and is dropped at the end
 * unless --keep.
 *
 * Flags: --events N (1,000,000) --partitions P (6) --sinks pg,influx --chunk 5000 (baseline
 * events per statement batch / request) --keep
 */
import { parseArgs } from 'node:util';
import { runMigrations } from '@cellstream/db';
import { TopicSerde } from '@cellstream/schemas';
import { createLogger, retry } from '@cellstream/shared';
import { createTestBucket, createTestDatabase, testEnv, testKafka, uniqueName } from '@cellstream/testkit';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { loadPersisterConfig } from '../src/config.js';
import { ensurePersisterTopics } from '../src/kafka/topics.js';
import { influxBaseline } from './bench/baseline-influx.js';
import { pgBaseline } from './bench/baseline-pg.js';
import { type DrainResult, drainWithGroup } from './bench/drain.js';
import { fillTopic } from './bench/fill-topic.js';

const { values: flags } = parseArgs({
  options: {
    events: { type: 'string', default: '1000000' },
    partitions: { type: 'string', default: '6' },
    sinks: { type: 'string', default: 'pg,influx' },
    chunk: { type: 'string', default: '5000' },
    keep: { type: 'boolean', default: false },
  },
});
const count = Number(flags.events);
const partitions = Number(flags.partitions);
const chunk = Number(flags.chunk);
const sinks = new Set(flags.sinks.split(','));
const say = (message: string) => process.stdout.write(`${message}\n`);
const rate = (value: number) => `${Math.round(value).toLocaleString('en-US')} events/s`;

const describe = (group: DrainResult) =>
  `${group.seconds.toFixed(1)} s (${group.totalSeconds.toFixed(1)} s with start-up): ${group.batches} batches of ` +
  `${Math.round(group.meanBatchRecords)} records on average, ${group.meanBatchSeconds.toFixed(2)} s each`;

const prefix = `${uniqueName('bench')}.`;
const env: Record<string, string> = {};
for (const [key, value] of Object.entries(process.env)) if (value !== undefined) env[key] = value;
Object.assign(env, {
  LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  TOPIC_PREFIX: prefix,
  TOPIC_PARTITIONS: String(partitions),
  PERSISTER_RUN_MIGRATIONS: 'false',
  PERSISTER_ENSURE_TOPICS: 'false',
  PERSISTER_PG_GROUP_ID: `${prefix}persister-pg`,
  PERSISTER_INFLUX_GROUP_ID: `${prefix}persister-influx`,
});
const config = loadPersisterConfig(env);
const kafka = testKafka('persister-bench');
const admin = kafka.admin();
const cleanups: (() => Promise<unknown>)[] = [];

try {
  await admin.connect();
  await retry(() => ensurePersisterTopics(kafka, config, createLogger('bench', 'warn')), { attempts: 5 });
  cleanups.push(() => admin.deleteTopics({ topics: [config.EVENTS_TOPIC, config.EVENTS_DLQ_TOPIC] }));
  say(
    `persister benchmark: ${count.toLocaleString('en-US')} events, ${partitions} partitions, topic ${config.EVENTS_TOPIC}`,
  );

  const serde = new TopicSerde(new SchemaRegistry({ host: config.SCHEMA_REGISTRY_URL }), {
    topicPrefix: prefix,
  });
  const started = performance.now();
  await fillTopic({ kafka, serde, topic: config.EVENTS_TOPIC, count });
  say(`filled the topic in ${((performance.now() - started) / 1_000).toFixed(1)} s`);

  const rows: string[][] = [];
  // The machine may be shared: each baseline runs before and after its group, and the group is
  // compared with their mean, so that a load change during the run biases neither way.
  const compare = async (
    store: string,
    target: string,
    baseline: () => Promise<{ seconds: number }>,
    group: () => Promise<DrainResult>,
  ) => {
    const before = await baseline();
    say(`${store} baseline (before) in ${before.seconds.toFixed(1)} s`);
    const drained = await group();
    say(`${store} group drained in ${describe(drained)}`);
    const after = await baseline();
    say(`${store} baseline (after) in ${after.seconds.toFixed(1)} s`);
    const baseRate = (2 * count) / (before.seconds + after.seconds);
    rows.push([
      store,
      rate(drained.eventsPerSecond),
      `${rate(baseRate)} (${rate(count / before.seconds)} / ${rate(count / after.seconds)})`,
      `${((100 * drained.eventsPerSecond) / baseRate).toFixed(0)}%`,
      target,
    ]);
  };
  const progress = (group: string) => (done: number, seconds: number) =>
    say(`  ${group}: ${done.toLocaleString('en-US')} committed after ${seconds.toFixed(0)} s`);

  if (sinks.has('pg')) {
    const freshDatabase = async (label: string) => {
      const database = await createTestDatabase(label);
      cleanups.push(database.drop);
      await runMigrations(database.url);
      return database;
    };
    await compare(
      'PostgreSQL',
      '>= 20,000 events/s and >= 50%',
      async () =>
        pgBaseline({
          url: (await freshDatabase('bench_pg_base')).url,
          count,
          chunk,
          concurrency: partitions,
        }),
      async () =>
        drainWithGroup({
          env: { ...env, PERSISTER_SINKS: 'pg', DATABASE_URL: (await freshDatabase('bench_pg')).url },
          admin,
          topic: config.EVENTS_TOPIC,
          groupId: config.PERSISTER_PG_GROUP_ID,
          count,
          onProgress: progress('persister-pg'),
        }),
    );
  }
  if (sinks.has('influx')) {
    const freshBucket = async (label: string) => {
      const bucket = await createTestBucket(label);
      cleanups.push(bucket.drop);
      return bucket.bucket;
    };
    await compare(
      'InfluxDB',
      '>= 50%',
      async () =>
        influxBaseline({
          url: testEnv.INFLUX_URL,
          token: testEnv.INFLUX_TOKEN,
          org: testEnv.INFLUX_ORG,
          bucket: await freshBucket('bench_influx_base'),
          count,
          chunk,
          concurrency: partitions,
        }),
      async () =>
        drainWithGroup({
          env: { ...env, PERSISTER_SINKS: 'influx', INFLUX_BUCKET: await freshBucket('bench_influx') },
          admin,
          topic: config.EVENTS_TOPIC,
          groupId: config.PERSISTER_INFLUX_GROUP_ID,
          count,
          onProgress: progress('persister-influx'),
        }),
    );
  }

  const table = [
    ['store', 'consumer group', 'bare baseline: mean (before / after)', 'group / baseline', 'target'],
    ...rows,
  ];
  const widths =
    table[0]?.map((_, column) => Math.max(...table.map((row) => row[column]?.length ?? 0))) ?? [];
  say('');
  for (const row of table) say(row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  '));
} finally {
  if (!flags.keep) for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  await admin.disconnect();
}
