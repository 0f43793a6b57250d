import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ensureTopics, topics } from '@cellstream/schemas';
import {
  type AppName,
  AppProcess,
  createTestBucket,
  createTestDatabase,
  eventually,
  freePort,
  type TestBucket,
  type TestDatabase,
  testEnv,
  uniqueName,
} from '@cellstream/testkit';
import { Kafka, logLevel } from 'kafkajs';
import { faultSettings } from './settings.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * Apps run from their build (`dist/main.js`, what the stack runs and what `npm test` builds
 * first): a restart takes a second or two instead of tsx compiling the sources again.
 * FAULTS_APPS_FROM_SOURCE=1, or a missing build, runs the sources.
 */
export function fromSource(app: AppName): boolean {
  return faultSettings.FAULTS_APPS_FROM_SOURCE || !existsSync(`${repoRoot}apps/${app}/dist/main.js`);
}

/** The apps of the data path, in the order they are started. */
export const pipelineApps = ['lms-api', 'ingest', 'persister', 'aggregator', 'realtime'] as const;
export type PipelineApp = (typeof pipelineApps)[number];

/**
 * The whole platform of one test file as separate processes: lms-api, ingest, persister,
 * aggregator and realtime against the stack's Kafka, registry, PostgreSQL and InfluxDB, with a
 * database, a bucket, topics (a prefix) and consumer groups of the file's own. Each app keeps
 * its port across restarts, so clients reconnect to the same address.
 */
export class Pipeline {
  readonly apps = new Map<PipelineApp, AppProcess>();
  /** SIGKILLs and restarts done, per app, for the figures. */
  readonly kills = new Map<PipelineApp, number>();

  private constructor(
    readonly label: string,
    readonly database: TestDatabase,
    readonly bucket: TestBucket,
    readonly prefix: string,
    readonly env: Record<string, string>,
    private readonly ports: Map<PipelineApp, number>,
  ) {}

  static async start(
    label: string,
    overrides: Record<string, string> = {},
    only: readonly PipelineApp[] = pipelineApps,
  ): Promise<Pipeline> {
    const [database, bucket] = await Promise.all([createTestDatabase(label), createTestBucket(label)]);
    const prefix = `${uniqueName(label)}.`;
    const ports = new Map<PipelineApp, number>();
    for (const app of pipelineApps) ports.set(app, await freePort());
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries(process.env)) if (value !== undefined) env[key] = value;
    Object.assign(env, {
      NODE_ENV: 'test',
      KAFKA_BROKERS: testEnv.KAFKA_BROKERS.join(','),
      LOG_LEVEL: faultSettings.TEST_LOG_LEVEL,
      DATABASE_URL: database.url,
      INFLUX_BUCKET: bucket.bucket,
      LMS_URL: `http://127.0.0.1:${ports.get('lms-api')}`,
      TOPIC_PREFIX: prefix,
      TOPIC_PARTITIONS: '3',
      EVENTS_TOPIC: `${prefix}${topics.learningEvents.name}`,
      CLASS_AGGREGATES_TOPIC: `${prefix}${topics.classAggregates.name}`,
      STUDENT_STATUS_TOPIC: `${prefix}${topics.studentStatus.name}`,
      ALERTS_TOPIC: `${prefix}${topics.alerts.name}`,
      EVENTS_DLQ_TOPIC: `${prefix}${topics.eventsDlq.name}`,
      PERSISTER_PG_GROUP_ID: uniqueName(`${label}-pg`),
      PERSISTER_INFLUX_GROUP_ID: uniqueName(`${label}-influx`),
      AGGREGATOR_GROUP_ID: uniqueName(`${label}-agg`),
      REALTIME_GROUP_PREFIX: uniqueName(`${label}-rt`),
      // A killed member's partitions move after this long instead of the default 30 s.
      CONSUMER_SESSION_TIMEOUT_MS: '6000',
      CONSUMER_HEARTBEAT_INTERVAL_MS: '500',
      RETRY_INITIAL_DELAY_MS: '100',
      RETRY_MAX_DELAY_MS: '2000',
      // The load and hostile tests post far more than a student would; the limit is not under test.
      RATE_LIMIT_PER_MINUTE: '1000000',
      LOGIN_RATE_LIMIT: '1000',
      ...overrides,
    });
    const pipeline = new Pipeline(label, database, bucket, prefix, env, ports);
    try {
      // Every topic of the prefix exists before any app starts (realtime only reads, never creates).
      // A cluster just started may still answer "not the leader" for a moment: retried.
      const admin = pipeline.kafka().admin();
      await admin.connect();
      await eventually(() => ensureTopics(admin, { topicPrefix: prefix, partitions: 3 }), {
        timeoutMs: 60_000,
        intervalMs: 1_000,
        what: `the topics of ${prefix}`,
      }).finally(() => admin.disconnect());
      // lms-api first: it migrates the database and publishes the keys the others verify with.
      for (const app of only) await pipeline.startApp(app);
    } catch (error) {
      await pipeline.stop();
      throw error;
    }
    return pipeline;
  }

  /** A client of the pipeline's Kafka (the stack's, or a cluster given by KAFKA_BROKERS). */
  kafka(): Kafka {
    return new Kafka({
      brokers: (this.env.KAFKA_BROKERS ?? '').split(','),
      clientId: uniqueName('faults'),
      logLevel: logLevel.NOTHING,
    });
  }

  url(app: PipelineApp): string {
    return `http://127.0.0.1:${this.ports.get(app)}`;
  }

  get realtimeWs(): string {
    return `ws://127.0.0.1:${this.ports.get('realtime')}/ws`;
  }

  topic(name: keyof typeof topics): string {
    return `${this.prefix}${topics[name].name}`;
  }

  app(name: PipelineApp): AppProcess {
    const app = this.apps.get(name);
    if (!app) throw new Error(`${name} is not running`);
    return app;
  }

  async startApp(name: PipelineApp, waitReady = true): Promise<AppProcess> {
    const started = await AppProcess.start(name as AppName, this.env, {
      port: this.ports.get(name) as number,
      waitReady,
      readyTimeoutMs: 120_000,
      fromSource: fromSource(name as AppName),
    });
    this.apps.set(name, started);
    return started;
  }

  /** SIGKILL (no shutdown hook runs), then a fresh process on the same port, waited until ready. */
  async killAndRestart(name: PipelineApp): Promise<{ downMs: number }> {
    const started = Date.now();
    await this.app(name).stop('SIGKILL');
    this.kills.set(name, (this.kills.get(name) ?? 0) + 1);
    await this.startApp(name);
    return { downMs: Date.now() - started };
  }

  /** Stops every app (SIGTERM) and drops the database and bucket. */
  async stop(): Promise<void> {
    for (const app of [...this.apps.values()].reverse()) await app.stop('SIGTERM').catch(() => undefined);
    this.apps.clear();
    // Fewer partitions left behind: a broker restarted after SIGKILL recovers each one.
    const admin = this.kafka().admin();
    await admin.connect();
    const mine = (await admin.listTopics()).filter((topic) => topic.startsWith(this.prefix));
    await admin.deleteTopics({ topics: mine }).catch(() => undefined);
    await admin.disconnect();
    await this.database.drop().catch(() => undefined);
    await this.bucket.drop().catch(() => undefined);
  }
}
