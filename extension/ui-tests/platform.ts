import {
  AppProcess,
  createTestBucket,
  createTestDatabase,
  freePort,
  type TestBucket,
  type TestDatabase,
  uniqueName,
} from '@cellstream/testkit';

/**
 * The platform the extension talks to, each app a child process (from source) on a free port,
 * around a database, an InfluxDB bucket and topics of their own (a unique prefix):
 *
 *   lms-api (demo class)   ingest ──▶ <prefix>learning.events.v1 ──▶ persister, aggregator
 *   aggregator ──▶ <prefix>learning.{class-aggregates,student-status,alerts}.v1 ──▶ realtime
 *   lms-api (grades, messages) ──▶ <prefix>learning.notifications.v1 ──▶ realtime
 *
 * `allowedOrigin` is JupyterLab's origin: the extension calls ingest and lms-api from there.
 */
export interface Platform {
  lms: AppProcess;
  ingest: AppProcess;
  realtimeUrl: string;
  database: TestDatabase;
  stopIngest(): Promise<void>;
  startIngest(): Promise<void>;
  stop(): Promise<void>;
}

export async function startPlatform(label: string, allowedOrigin: string): Promise<Platform> {
  const prefix = `${uniqueName(label)}.`;
  const started: AppProcess[] = [];
  const cleanups: (() => Promise<unknown>)[] = [];
  const stop = async () => {
    for (const app of started.reverse()) await app.stop().catch(() => undefined);
    for (const step of cleanups.reverse()) await step().catch(() => undefined);
  };
  try {
    const [database, bucket] = await Promise.all([createTestDatabase(label), createTestBucket(label)]);
    cleanups.push(
      () => (database as TestDatabase).drop(),
      () => (bucket as TestBucket).drop(),
    );
    const lmsPort = await freePort();
    const lmsUrl = `http://127.0.0.1:${lmsPort}`;
    const shared = {
      ...process.env,
      DATABASE_URL: database.url,
      INFLUX_BUCKET: bucket.bucket,
      TOPIC_PARTITIONS: '3',
      NODE_ENV: 'test',
      LMS_URL: lmsUrl,
    };
    const topics = {
      EVENTS_TOPIC: `${prefix}learning.events.v1`,
      CLASS_AGGREGATES_TOPIC: `${prefix}learning.class-aggregates.v1`,
      STUDENT_STATUS_TOPIC: `${prefix}learning.student-status.v1`,
      ALERTS_TOPIC: `${prefix}learning.alerts.v1`,
      NOTIFICATIONS_TOPIC: `${prefix}learning.notifications.v1`,
    };
    const start = async (
      app: Parameters<typeof AppProcess.start>[0],
      env: Record<string, string>,
      port?: number,
    ) => {
      const child = await AppProcess.start(app, { ...shared, ...env }, { port, readyTimeoutMs: 120_000 });
      started.push(child);
      return child;
    };

    const lms = await start(
      'lms-api',
      {
        LMS_HOST: '127.0.0.1',
        SEED_DEMO: 'true',
        LOGIN_RATE_LIMIT: '1000',
        CORS_ORIGINS: allowedOrigin,
        NOTIFICATIONS_TOPIC: topics.NOTIFICATIONS_TOPIC,
      },
      lmsPort,
    );
    const ingestEnv = { EVENTS_TOPIC: topics.EVENTS_TOPIC, INGEST_CORS_ORIGINS: allowedOrigin };
    // Independent of each other (they meet in Kafka): started together to save time.
    let [ingest, , , realtime] = await Promise.all([
      start('ingest', ingestEnv),
      start('aggregator', { TOPIC_PREFIX: prefix, AGGREGATOR_GROUP_ID: `${prefix}aggregator` }),
      start('persister', {
        TOPIC_PREFIX: prefix,
        PERSISTER_PG_GROUP_ID: `${prefix}persister-pg`,
        PERSISTER_INFLUX_GROUP_ID: `${prefix}persister-influx`,
      }),
      start('realtime', { ...topics, REALTIME_GROUP_PREFIX: `${prefix}realtime` }),
    ]);

    const platform: Platform = {
      lms,
      get ingest() {
        return ingest;
      },
      realtimeUrl: `ws://127.0.0.1:${realtime.port}/ws`,
      database,
      async stopIngest() {
        await ingest.stop();
        started.splice(started.indexOf(ingest), 1);
      },
      async startIngest() {
        // The same port: the extension's settings name it.
        ingest = await start('ingest', ingestEnv, ingest.port);
      },
      stop,
    };
    return platform;
  } catch (error) {
    await stop();
    throw error;
  }
}

export async function login(lmsUrl: string, username: string, password = username): Promise<string> {
  const response = await fetch(`${lmsUrl}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (!response.ok) throw new Error(`login ${username}: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { token: string }).token;
}

export async function getJson<T>(url: string, token: string): Promise<T> {
  return sendJson<T>('GET', url, token);
}

export async function sendJson<T>(method: string, url: string, token: string, body?: unknown): Promise<T> {
  const response = await fetch(url, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${url}: ${response.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}
