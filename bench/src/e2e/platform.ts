import { topics } from '@cellstream/schemas';
import {
  AppProcess,
  createTestBucket,
  createTestDatabase,
  freePort,
  type TestBucket,
  type TestDatabase,
  uniqueName,
} from '@cellstream/testkit';
import type { Admin } from 'kafkajs';

/** The apps of the data path, in start order: lms-api first (it migrates and publishes the keys). */
export const platformApps = ['lms-api', 'ingest', 'aggregator', 'persister', 'realtime'] as const;
export type PlatformApp = (typeof platformApps)[number];

/**
 * The platform as production runs it (each app's built `dist/main.js`, NODE_ENV=production, the
 * apps' own defaults), against the stack's Kafka, registry, PostgreSQL and InfluxDB, with a
 * topic prefix, consumer groups, a database and a bucket of the run's own, so the shared stack
 * and its other users are untouched.
 */
export class Platform {
  readonly apps = new Map<PlatformApp, AppProcess>();

  private constructor(
    readonly prefix: string,
    readonly database: TestDatabase,
    readonly bucket: TestBucket,
    readonly env: Record<string, string>,
    readonly groups: { pg: string; influx: string; aggregator: string },
    private readonly ports: Map<PlatformApp, number>,
  ) {}

  static async start(log: (line: string) => void): Promise<Platform> {
    const [database, bucket] = await Promise.all([
      createTestDatabase('bench_e2e'),
      createTestBucket('bench_e2e'),
    ]);
    const prefix = `${uniqueName('e2e', 'bench')}.`;
    const ports = new Map<PlatformApp, number>();
    for (const app of platformApps) ports.set(app, await freePort());
    const groups = {
      pg: `${prefix}persister-pg`,
      influx: `${prefix}persister-influx`,
      aggregator: `${prefix}aggregator`,
    };
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries(process.env)) if (value !== undefined) env[key] = value;
    Object.assign(env, {
      NODE_ENV: 'production',
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
      DATABASE_URL: database.url,
      INFLUX_BUCKET: bucket.bucket,
      LMS_URL: `http://127.0.0.1:${ports.get('lms-api')}`,
      TOPIC_PREFIX: prefix,
      EVENTS_TOPIC: `${prefix}${topics.learningEvents.name}`,
      EVENTS_DLQ_TOPIC: `${prefix}${topics.eventsDlq.name}`,
      CLASS_AGGREGATES_TOPIC: `${prefix}${topics.classAggregates.name}`,
      STUDENT_STATUS_TOPIC: `${prefix}${topics.studentStatus.name}`,
      ALERTS_TOPIC: `${prefix}${topics.alerts.name}`,
      NOTIFICATIONS_TOPIC: `${prefix}${topics.notifications.name}`,
      PERSISTER_PG_GROUP_ID: groups.pg,
      PERSISTER_INFLUX_GROUP_ID: groups.influx,
      AGGREGATOR_GROUP_ID: groups.aggregator,
      REALTIME_GROUP_PREFIX: `${prefix}realtime`,
    });
    const platform = new Platform(prefix, database, bucket, env, groups, ports);
    try {
      for (const app of platformApps) {
        const started = performance.now();
        const process_ = await AppProcess.start(app, env, {
          port: ports.get(app) as number,
          fromSource: false,
          readyTimeoutMs: 120_000,
        });
        platform.apps.set(app, process_);
        log(`${app} ready on ${process_.url} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
      }
    } catch (error) {
      await platform.stop(false);
      throw error;
    }
    return platform;
  }

  url(app: PlatformApp): string {
    return `http://127.0.0.1:${this.ports.get(app)}`;
  }

  get realtimeWs(): string {
    return `ws://127.0.0.1:${this.ports.get('realtime')}/ws`;
  }

  get eventsTopic(): string {
    return `${this.prefix}${topics.learningEvents.name}`;
  }

  /** Apps that exited during the run (a crash is an error of the run). */
  exited(): PlatformApp[] {
    return [...this.apps.entries()].filter(([, app]) => !app.alive).map(([name]) => name);
  }

  /**
   * Stops the apps (SIGTERM, reverse order); unless `keep`, drops the run's database and bucket
   * and deletes its topics (only those behind the run's own prefix).
   */
  async stop(keep: boolean, admin?: Admin): Promise<void> {
    for (const app of [...this.apps.values()].reverse()) await app.stop('SIGTERM').catch(() => undefined);
    this.apps.clear();
    if (keep) return;
    await this.database.drop().catch(() => undefined);
    await this.bucket.drop().catch(() => undefined);
    if (admin) {
      const mine = (await admin.listTopics().catch(() => [] as string[])).filter((topic) =>
        topic.startsWith(this.prefix),
      );
      if (mine.length > 0) await admin.deleteTopics({ topics: mine }).catch(() => undefined);
    }
  }
}
