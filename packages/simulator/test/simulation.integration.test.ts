import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import {
  createTestDatabase,
  eventually,
  type TestDatabase,
  testKafka,
  uniqueName,
} from '@cellstream/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSimulation, type SimulationOptions, startSimulation } from '../src/index.js';
import type { SimulationSummary } from '../src/summary.js';

// The real lms-api and ingest, each a process of its own started from its sources (as the stack
// CLI runs them from their builds), on free ports, with a database and an events topic of this
// file's own; Kafka, PostgreSQL and the registry are the local stack's.
const repo = fileURLToPath(new URL('../../../', import.meta.url));
const ADMIN = { user: 'admin', password: 'simulator-test-admin' };

interface Service {
  url: string;
  child: ChildProcess;
  output: string[];
}

let db: TestDatabase;
let lms: Service;
let ingest: Service;
const topic = `${uniqueName('simulator')}.learning.events.v1`;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function startService(app: string, env: Record<string, string>, probe: string): Promise<Service> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=source', 'src/main.ts'], {
    cwd: `${repo}apps/${app}`,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const url = new URL(probe).origin;
  await eventually(
    async () => {
      if (child.exitCode !== null) throw new Error(`${app} exited ${child.exitCode}: ${output.join('')}`);
      const response = await fetch(probe);
      return response.ok ? true : undefined;
    },
    { timeoutMs: 90_000, intervalMs: 250, what: `${app} ready (output: ${output.join('').slice(-2000)})` },
  );
  return { url, child, output };
}

async function stopService(service: Service | undefined): Promise<void> {
  if (!service || service.child.exitCode !== null) return;
  const exited = new Promise((resolve) => service.child.once('exit', resolve));
  service.child.kill('SIGTERM');
  const timer = setTimeout(() => service.child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

async function topicRecords(): Promise<number> {
  const admin = testKafka().admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((sum, partition) => sum + Number(partition.high), 0);
  } finally {
    await admin.disconnect();
  }
}

beforeAll(async () => {
  db = await createTestDatabase('simulator');
  const [lmsPort, ingestPort] = [await freePort(), await freePort()];
  lms = await startService(
    'lms-api',
    {
      LMS_PORT: String(lmsPort),
      DATABASE_URL: db.url,
      SEED_DEMO: 'true',
      ADMIN_USERNAME: ADMIN.user,
      ADMIN_PASSWORD: ADMIN.password,
      LOGIN_RATE_LIMIT: '1000',
    },
    `http://127.0.0.1:${lmsPort}/health`,
  );
  ingest = await startService(
    'ingest',
    {
      INGEST_PORT: String(ingestPort),
      LMS_URL: lms.url,
      EVENTS_TOPIC: topic,
      TOPIC_PARTITIONS: '3',
    },
    `http://127.0.0.1:${ingestPort}/ready`,
  );
}, 180_000);

afterAll(async () => {
  await stopService(ingest);
  await stopService(lms);
  await db?.drop();
}, 60_000);

const lines: string[] = [];
const base = (): SimulationOptions => ({
  classes: 2,
  students: 6,
  rate: 40,
  durationSeconds: 4,
  lmsUrl: lms.url,
  ingestUrl: ingest.url,
  adminUser: ADMIN.user,
  adminPassword: ADMIN.password,
  classCodePrefix: 'ITEST',
  seed: '1',
  demo: false,
  progressIntervalMs: 1_000,
  log: (line) => lines.push(line),
});

function expectAllAcknowledged(summary: SimulationSummary) {
  expect(summary.failed, JSON.stringify(summary.failedByCode)).toBe(0);
  expect(summary.rejected, JSON.stringify(summary.rejectedByCode)).toBe(0);
  expect(summary.accepted).toBe(summary.generated);
  expect(summary.sent).toBe(summary.generated);
}

describe('the simulator against the real lms-api and ingest', () => {
  const runs: SimulationSummary[] = [];

  it('creates classes and students, and every event it sends lands in the topic', async () => {
    const summary = await runSimulation(base());
    runs.push(summary);
    expect(summary.mode).toBe('created');
    expect(summary.classes.map((row) => row.code)).toEqual(['ITEST-001', 'ITEST-002']);
    expect(summary.instructor).toBe('itest-instructor');
    expect(summary.students).toBe(6);
    expectAllAcknowledged(summary);
    // 4 s at 40/s, give or take the start of the bucket and the closing events.
    expect(summary.generated).toBeGreaterThan(120);
    expect(summary.achievedRate).toBeGreaterThan(30);
    expect(summary.eventsByType.session_start).toBeGreaterThanOrEqual(1);
    expect(summary.eventsByType.session_end).toBe(summary.eventsByType.session_start);
    expect(lines.some((line) => /accepted \d+/.test(line))).toBe(true);
    await eventually(async () => ((await topicRecords()) === summary.accepted ? true : undefined), {
      what: `${summary.accepted} records in ${topic}`,
    });
  }, 60_000);

  it('reuses the classes and students of an earlier run (409 means look it up)', async () => {
    const summary = await runSimulation({ ...base(), durationSeconds: 1 });
    runs.push(summary);
    expect(summary.classes).toEqual(runs[0]?.classes);
    expectAllAcknowledged(summary);
  }, 60_000);

  it('waits for onReady, tells onPost of each request and follows setRate (what the benchmark uses)', async () => {
    let readyAt = 0;
    let firstPostAt = 0;
    let posted = 0;
    const run = startSimulation({
      ...base(),
      durationSeconds: 0,
      rate: 20,
      flushIntervalMs: 200,
      onReady: async (roster) => {
        expect(roster.students).toHaveLength(6);
        await new Promise((resolve) => setTimeout(resolve, 500));
        readyAt = Date.now();
      },
      onPost: (events, atMs) => {
        if (firstPostAt === 0) firstPostAt = atMs;
        posted += events.length;
      },
    });
    await eventually(async () => (run.progress().accepted >= 20 ? true : undefined), {
      what: '20 events accepted',
    });
    const before = run.progress();
    expect(before.rate).toBe(20);
    run.setRate(80);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const after = run.progress();
    expect(after.rate).toBe(80);
    // Three seconds at 80/s is about 240 events; at the old 20/s it would be 60.
    expect(after.generated - before.generated).toBeGreaterThan(150);
    run.stop();
    const summary = await run.done;
    runs.push(summary);
    expect(firstPostAt).toBeGreaterThanOrEqual(readyAt);
    expectAllAcknowledged(summary);
    // Every event sent was told of at least once (retries tell again).
    expect(posted).toBeGreaterThanOrEqual(summary.sent);
  }, 60_000);

  it('drives the demo class: PY101 students logging in with their passwords', async () => {
    const summary = await runSimulation({ ...base(), demo: true, students: 8, rate: 20, durationSeconds: 3 });
    runs.push(summary);
    expect(summary.mode).toBe('demo');
    expect(summary.classes.map((row) => row.code)).toEqual(['PY101']);
    expect(summary.students).toBe(8);
    expectAllAcknowledged(summary);
    const total = runs.reduce((sum, run) => sum + run.accepted, 0);
    await eventually(async () => ((await topicRecords()) === total ? true : undefined), {
      what: `${total} records in ${topic}`,
    });
  }, 60_000);
});
