/**
 * Ingest benchmark: `npm run bench -w @cellstream/ingest -- [flags]` against the running stack.
 *
 * Starts ingest as a child process (dist/main.js when built, else the sources through tsx) on a
 * free port with a topic of its own, and a stub lms-api serving the token key. Then, each for
 * `--duration` seconds after `--warmup`:
 *
 *   1. closed loop: `--clients` HTTP clients, each posting gzip batches of `--batch` events and
 *      sending the next as soon as the 202 arrives: events/s accepted, ack latency p50/p99, and
 *      the ingest process's CPU and RSS;
 *   2. baseline, right after 1: the same Avro records, pre-encoded, sent straight to Kafka by a
 *      bare kafkajs producer (idempotent, acks=all, one request in flight, `--clients` concurrent
 *      senders of `--batch` records each), and the ratio ingest / baseline;
 *   3. offered load (`--rate`, events/s): batches sent on a fixed schedule whatever the answers,
 *      latency counted from the scheduled time (no coordinated omission); then the bare producer
 *      on the same schedule, to tell ingest's share of the tail from Kafka's.
 *
 * Flags: --duration 15 --warmup 3 --clients 32 --batch 100 --rate 5000 --partitions 6
 *        --rounds 3 (alternate ingest and baseline phases this many times; figures are summed:
 *                    on a shared machine, other load then weighs on both alike; single rounds
 *                    on this 2-core machine gave ratios from 57% to 76%)
 *        --skip-closed --skip-rate --skip-baseline --source (run src/main.ts through tsx)
 *        --keep-topics (the run's two topics are deleted at the end unless this is given)
 *        --profile <dir> (write a V8 CPU profile of ingest there, for chrome://inspect or speedscope)
 *        --node-args="<flags>" (more node flags for the ingest process, e.g. --node-args=--trace-gc)
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { baseConfigSchema, loadConfig, sleep } from '@cellstream/shared';
import { Kafka, logLevel, type Message } from 'kafkajs';
import { startLmsStub } from '../test/support/lms-stub.js';
import { bareProducer, prepareBaseline, sendBatch } from './bench/baseline.js';
import { CLASS_IDS, closeAgent, makeBatches, postBatch } from './bench/http.js';
import {
  closedLoop,
  histogramQuantiles,
  measured,
  merge,
  openLoop,
  type PhaseResult,
  p99,
  summary,
} from './bench/measure.js';

const { values: flags } = parseArgs({
  options: {
    duration: { type: 'string', default: '15' },
    warmup: { type: 'string', default: '3' },
    clients: { type: 'string', default: '32' },
    batch: { type: 'string', default: '100' },
    rate: { type: 'string', default: '5000' },
    partitions: { type: 'string', default: '6' },
    rounds: { type: 'string', default: '3' },
    'skip-closed': { type: 'boolean', default: false },
    'skip-rate': { type: 'boolean', default: false },
    'skip-baseline': { type: 'boolean', default: false },
    source: { type: 'boolean', default: false },
    'keep-topics': { type: 'boolean', default: false },
    profile: { type: 'string' },
    'node-args': { type: 'string', default: '' },
  },
});
const timing = { durationMs: Number(flags.duration) * 1000, warmupMs: Number(flags.warmup) * 1000 };
const clients = Number(flags.clients);
const batchSize = Number(flags.batch);
const offeredRate = Number(flags.rate);
const partitions = Number(flags.partitions);
const rounds = Number(flags.rounds);

const env = loadConfig(baseConfigSchema, process.env);
const appDir = fileURLToPath(new URL('..', import.meta.url));
const runId = randomUUID().slice(0, 8);

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

async function startIngestProcess(
  lmsUrl: string,
  topic: string,
): Promise<{ child: ChildProcess; port: number }> {
  const port = await freePort();
  const built = existsSync(`${appDir}/dist/main.js`) && !flags.source;
  const args = [
    ...(flags.profile ? ['--cpu-prof', `--cpu-prof-dir=${flags.profile}`] : []),
    ...(flags['node-args'] ? flags['node-args'].split(' ') : []),
    ...(built ? ['dist/main.js'] : ['--import', 'tsx', '--conditions=source', 'src/main.ts']),
  ];
  const child = spawn(process.execPath, args, {
    cwd: appDir,
    env: {
      ...process.env,
      INGEST_PORT: String(port),
      EVENTS_TOPIC: topic,
      LMS_URL: lmsUrl,
      TOPIC_PARTITIONS: String(partitions),
      LOG_LEVEL: 'warn',
      // One bench client posts far more than a student: the per-user limit would cap the run.
      RATE_LIMIT_PER_MINUTE: '100000000',
      NODE_ENV: 'production',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  console.log(`ingest: node ${args.join(' ')} on port ${port}, topic ${topic}`);
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/ready`)).status === 200) return { child, port };
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null) throw new Error(`ingest exited with ${child.exitCode}`);
    await sleep(100);
  }
  throw new Error('ingest did not become ready in 30 s');
}

/** Deletes the topics this run created (the ones named with its prefix). */
async function deleteTopics(kafka: Kafka, prefix: string): Promise<void> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(prefix));
    if (topics.length > 0) await admin.deleteTopics({ topics });
  } catch (error) {
    console.warn(`could not delete the topics ${prefix}*: ${(error as Error).message}`);
  } finally {
    await admin.disconnect();
  }
}

async function main() {
  const lms = await startLmsStub();
  // Not `bench-…`: other benchmarks of the repository clean up topics of that prefix.
  const prefix = `ingest-bench-${runId}.`;
  const { child, port } = await startIngestProcess(lms.url, `${prefix}learning.events.v1`);
  const pid = child.pid as number;
  const kafka = new Kafka({
    brokers: env.KAFKA_BROKERS,
    clientId: `bench-${runId}`,
    logLevel: logLevel.ERROR,
  });
  const results: PhaseResult[] = [];
  const show = (result: PhaseResult) => {
    results.push(result);
    console.table([summary(result)]);
  };

  const users = await Promise.all(
    Array.from({ length: clients }, async (_, n) => {
      const userId = `bench-student-${n}`;
      const batches = makeBatches(userId, 4, batchSize);
      return {
        batches,
        token: await lms.sign({ sub: userId, classes: CLASS_IDS }),
        bodies: batches.map((batch) => gzipSync(JSON.stringify(batch))),
      };
    }),
  );
  const sample = users[0] as (typeof users)[number];
  console.log(
    `${clients} clients, batches of ${batchSize} events (${Math.round(JSON.stringify(sample.batches[0]).length / 1024)} KiB JSON, ` +
      `${Math.round((sample.bodies[0]?.length ?? 0) / 1024)} KiB gzip), ${flags.duration} s per phase after ` +
      `${flags.warmup} s warm-up, ${rounds} round(s)`,
  );
  const postFor = (user: number, n: number) => {
    const { token, bodies } = users[user % users.length] as (typeof users)[number];
    return postBatch(port, token, bodies[n % bodies.length] as Buffer);
  };

  try {
    const base = flags['skip-baseline']
      ? undefined
      : await prepareBaseline(kafka, {
          prefix,
          partitions,
          registryUrl: env.SCHEMA_REGISTRY_URL,
          batches: users.flatMap((user) => user.batches),
        });
    const producer = base ? await bareProducer(kafka) : undefined;
    const baseSend =
      base && producer
        ? (n: number) => sendBatch(producer, base.topic, base.batches[n % base.batches.length] as Message[])
        : undefined;

    for (let round = 0; round < rounds; round++) {
      if (!flags['skip-closed']) {
        show(
          await measured('ingest, closed loop', pid, timing, (until, record) =>
            closedLoop(clients, until, record, (worker, n) => postFor(worker, n)),
          ),
        );
      }
      if (baseSend) {
        show(
          await measured('baseline: bare kafkajs producer', undefined, timing, (until, record) =>
            closedLoop(clients, until, record, (worker, n) => baseSend(worker + n * clients)),
          ),
        );
      }
    }
    if (!flags['skip-rate']) {
      const perSecond = offeredRate / batchSize;
      show(
        await measured(`ingest, ${offeredRate} events/s offered`, pid, timing, (until, record) =>
          openLoop(perSecond, until, record, (n) => postFor(n, Math.floor(n / clients))),
        ),
      );
      if (baseSend) {
        show(
          await measured(`baseline, ${offeredRate} events/s offered`, undefined, timing, (until, record) =>
            openLoop(perSecond, until, record, baseSend),
          ),
        );
      }
    }
    await producer?.disconnect();
    // Cumulative over the ingest phases: where the time goes inside ingest.
    for (const [name, filter] of [
      ['ingest_http_request_duration_seconds', 'route="/api/v1/events"'],
      ['ingest_produce_duration_seconds', ''],
      ['ingest_kafka_send_duration_seconds', ''],
    ] as const) {
      console.log(await histogramQuantiles(port, name, filter));
    }
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    await lms.close();
    closeAgent();
    if (!flags['keep-topics']) await deleteTopics(kafka, prefix);
  }

  const merged = merge(results);
  const rows = merged.map(summary);
  console.log('\nResults');
  console.table(rows);
  const find = (name: string) => merged.find((result) => result.name === name);
  const closed = find('ingest, closed loop');
  const baseline = find('baseline: bare kafkajs producer');
  if (closed && baseline) {
    const ratio = closed.events / closed.seconds / (baseline.events / baseline.seconds);
    console.log(`ingest / baseline events/s: ${(ratio * 100).toFixed(0)}% (target >= 60%)`);
  }
  const ingestP99 = p99(find(`ingest, ${offeredRate} events/s offered`));
  const kafkaP99 = p99(find(`baseline, ${offeredRate} events/s offered`));
  if (ingestP99 !== undefined) {
    console.log(
      `p99 ack at ${offeredRate} events/s offered: ${ingestP99.toFixed(1)} ms (target < 50 ms)` +
        (kafkaP99 === undefined ? '' : `; the bare producer at the same rate: ${kafkaP99.toFixed(1)} ms`),
    );
  }
  const peakRss = Math.max(...merged.map((result) => result.peakRssMb ?? 0));
  console.log(`ingest peak RSS: ${peakRss.toFixed(0)} MB (target < 300 MB)`);
  console.log(`JSON ${JSON.stringify(rows)}`);
}

await main();
