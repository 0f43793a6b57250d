import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  type AppName,
  AppProcess,
  createTestBucket,
  createTestDatabase,
  freePort,
  type TestBucket,
  type TestDatabase,
  uniqueName,
} from '@cellstream/testkit';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** An app from its sources, on `port`, with this process's environment under `env`. */
const startApp = (app: AppName, port: number, env: Record<string, string>) =>
  AppProcess.start(app, { ...process.env, ...env }, { port, readyTimeoutMs: 90_000 });

const run = promisify(execFile);
const dashboardRoot = join(repoRoot, 'apps', 'dashboard');

/**
 * The real apps, each a child process from source, on free ports, around a database, an InfluxDB
 * bucket and topics of their own (a prefix, so each test file's stack is isolated):
 *
 *   lms-api (SEED_DEMO, serves the dashboard build)   ingest ──▶ <prefix>learning.events.v1
 *   persister (PostgreSQL + InfluxDB)   aggregator ──▶ <prefix>learning.{class-aggregates,student-status,alerts}.v1
 *   realtime ──▶ ws://127.0.0.1:<port>/ws
 *
 * The dashboard is built by Vite into a temporary folder (DASHBOARD_DIR) with a
 * dashboard-config.json naming this realtime, so the page talks to these apps only.
 */
export interface Stack {
  lms: AppProcess;
  ingest: AppProcess;
  persister: AppProcess;
  aggregator: AppProcess;
  realtime: AppProcess;
  realtimeUrl: string;
  prefix: string;
  /** Stops realtime, runs `whileDown`, and starts it again on the same port. */
  restartRealtime(whileDown: () => Promise<void>): Promise<void>;
  stop(): Promise<void>;
}

export async function buildDashboard(outDir: string): Promise<void> {
  await run(
    process.execPath,
    [
      join(repoRoot, 'node_modules', 'vite', 'bin', 'vite.js'),
      'build',
      '--outDir',
      outDir,
      '--emptyOutDir',
      '--logLevel',
      'warn',
    ],
    {
      cwd: dashboardRoot,
    },
  );
}

export async function startStack(label: string): Promise<Stack> {
  const prefix = `${uniqueName(label)}.`;
  const cleanups: (() => Promise<unknown>)[] = [];
  const started: AppProcess[] = [];
  const cleanup = async () => {
    for (const app of started.reverse()) await app.stop().catch(() => undefined);
    for (const step of cleanups.reverse()) await step().catch(() => undefined);
  };
  try {
    const buildDir = await mkdtemp(join(tmpdir(), 'cellstream-dashboard-e2e-'));
    cleanups.push(() => rm(buildDir, { recursive: true, force: true }));
    const [database, bucket] = await Promise.all([createTestDatabase(label), createTestBucket(label)]);
    cleanups.push(
      () => (database as TestDatabase).drop(),
      () => (bucket as TestBucket).drop(),
    );
    const ports = {
      lms: await freePort(),
      ingest: await freePort(),
      persister: await freePort(),
      aggregator: await freePort(),
      realtime: await freePort(),
    };
    const realtimeUrl = `ws://127.0.0.1:${ports.realtime}/ws`;
    const lmsUrl = `http://127.0.0.1:${ports.lms}`;
    await buildDashboard(buildDir);
    await writeFile(join(buildDir, 'dashboard-config.json'), JSON.stringify({ realtimeUrl }));

    const shared = {
      DATABASE_URL: database.url,
      INFLUX_BUCKET: bucket.bucket,
      TOPIC_PARTITIONS: '3',
      NODE_ENV: 'test',
    };
    const topics = {
      EVENTS_TOPIC: `${prefix}learning.events.v1`,
      CLASS_AGGREGATES_TOPIC: `${prefix}learning.class-aggregates.v1`,
      STUDENT_STATUS_TOPIC: `${prefix}learning.student-status.v1`,
      ALERTS_TOPIC: `${prefix}learning.alerts.v1`,
      NOTIFICATIONS_TOPIC: `${prefix}learning.notifications.v1`,
    };

    const lms = await startApp('lms-api', ports.lms, {
      ...shared,
      LMS_PORT: String(ports.lms),
      LMS_HOST: '127.0.0.1',
      SEED_DEMO: 'true',
      LOGIN_RATE_LIMIT: '1000',
      DASHBOARD_DIR: buildDir,
      NOTIFICATIONS_TOPIC: topics.NOTIFICATIONS_TOPIC,
    });
    started.push(lms);
    const ingest = await startApp('ingest', ports.ingest, {
      ...shared,
      INGEST_PORT: String(ports.ingest),
      EVENTS_TOPIC: topics.EVENTS_TOPIC,
      LMS_URL: lmsUrl,
    });
    started.push(ingest);
    const aggregator = await startApp('aggregator', ports.aggregator, {
      ...shared,
      AGGREGATOR_PORT: String(ports.aggregator),
      TOPIC_PREFIX: prefix,
      AGGREGATOR_GROUP_ID: `${prefix}aggregator`,
    });
    started.push(aggregator);
    const persister = await startApp('persister', ports.persister, {
      ...shared,
      PERSISTER_PORT: String(ports.persister),
      TOPIC_PREFIX: prefix,
      PERSISTER_PG_GROUP_ID: `${prefix}persister-pg`,
      PERSISTER_INFLUX_GROUP_ID: `${prefix}persister-influx`,
    });
    started.push(persister);
    const realtimeEnv = {
      ...shared,
      ...topics,
      REALTIME_PORT: String(ports.realtime),
      LMS_URL: lmsUrl,
      REALTIME_GROUP_PREFIX: `${prefix}realtime`,
    };
    const stack: Stack = {
      lms,
      ingest,
      persister,
      aggregator,
      realtime: await startApp('realtime', ports.realtime, realtimeEnv),
      realtimeUrl,
      prefix,
      async restartRealtime(whileDown) {
        await stack.realtime.stop();
        started.splice(started.indexOf(stack.realtime), 1);
        await whileDown();
        stack.realtime = await startApp('realtime', ports.realtime, realtimeEnv);
        started.push(stack.realtime);
      },
      stop: cleanup,
    };
    started.push(stack.realtime);
    return stack;
  } catch (error) {
    await cleanup();
    throw error;
  }
}

/**
 * lms-api alone (with the demo, serving a dashboard build that points at `realtimeUrl`), for
 * tests that stand in for realtime themselves.
 */
export async function startLms(
  label: string,
  realtimeUrl: string,
): Promise<{ lms: AppProcess; stop(): Promise<void> }> {
  const buildDir = await mkdtemp(join(tmpdir(), 'cellstream-dashboard-e2e-'));
  const database = await createTestDatabase(label);
  const bucket = await createTestBucket(label);
  const cleanup = async () => {
    await rm(buildDir, { recursive: true, force: true });
    await database.drop().catch(() => undefined);
    await bucket.drop().catch(() => undefined);
  };
  try {
    await buildDashboard(buildDir);
    await writeFile(join(buildDir, 'dashboard-config.json'), JSON.stringify({ realtimeUrl }));
    const port = await freePort();
    const lms = await startApp('lms-api', port, {
      DATABASE_URL: database.url,
      INFLUX_BUCKET: bucket.bucket,
      LMS_PORT: String(port),
      LMS_HOST: '127.0.0.1',
      SEED_DEMO: 'true',
      LOGIN_RATE_LIMIT: '1000',
      DASHBOARD_DIR: buildDir,
      // Nothing here grades: no relay, so nothing touches the shared notifications topic.
      NOTIFICATION_RELAY_ENABLED: 'false',
    });
    return {
      lms,
      async stop() {
        await lms.stop();
        await cleanup();
      },
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}
