/**
 * Realtime benchmark: `npm run bench -w @cellstream/realtime -- [flags]` against the running stack.
 *
 *   1. realtime: one instance (a child process, sources through tsx) on topics of its own, seeded
 *      with an aggregate and `--students` statuses per class. `--clients` WebSocket clients, spread
 *      over `--workers` child processes, each subscribe to one of `--classes` classes. A
 *      transactional producer (as the aggregator) writes `--rate` updates/s (1 in 5 an aggregate,
 *      the rest statuses) in one transaction every `--tick` ms, each record's timestamp and
 *      `updatedAt` the time it is created. Each client measures record timestamp → receipt.
 *   2. baseline: the same clients and fan-out against a bare uWS server publishing updates of the
 *      same shapes at the same rate and ticks (no Kafka, no Avro, no state), stamped at publish,
 *      while the producer keeps writing to Kafka, so that both phases share the same background.
 *
 * Reported: p50/p90/p99/max delay, updates delivered per second, the server's CPU (% of one core)
 * and RSS, the machine's CPU, and the ratios realtime / baseline.
 *
 * Flags: --clients 5000 --classes 250 --students 20 --rate 1000 --tick 20 --duration 20
 *        --warmup 5 --workers 4 --skip-baseline
 *        --plain (an idempotent producer without transactions: what the commit costs)
 *        --profile <dir> (write a V8 CPU profile of the realtime server there)
 */
import { type ChildProcess, execSync, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { baseConfigSchema, loadConfig, sleep } from '@cellstream/shared';
import { startTokenIssuer } from '../test/support/token-issuer.js';
import { BenchKafka } from './bench-kafka.js';
import {
  bucketPercentile,
  ClientFleet,
  freePort,
  nextMessage,
  percentile,
  Sampler,
  scrapeServer,
  tsxArgs,
  waitReady,
} from './bench-measure.js';

const { values: flags } = parseArgs({
  options: {
    clients: { type: 'string', default: '5000' },
    classes: { type: 'string', default: '250' },
    students: { type: 'string', default: '20' },
    rate: { type: 'string', default: '1000' },
    tick: { type: 'string', default: '20' },
    duration: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '5' },
    workers: { type: 'string', default: '4' },
    'skip-baseline': { type: 'boolean', default: false },
    plain: { type: 'boolean', default: false },
    profile: { type: 'string' },
  },
});
const clients = Number(flags.clients);
const classes = Number(flags.classes);
const students = Number(flags.students);
const rate = Number(flags.rate);
const tickMs = Number(flags.tick);
const durationMs = Number(flags.duration) * 1000;
const warmupMs = Number(flags.warmup) * 1000;
const workerCount = Number(flags.workers);

const env = loadConfig(baseConfigSchema, process.env);
const appDir = fileURLToPath(new URL('..', import.meta.url));
const prefix = `realtime-bench-${Date.now().toString(36)}.`;
const kafka = new BenchKafka({
  brokers: env.KAFKA_BROKERS,
  registryUrl: env.SCHEMA_REGISTRY_URL,
  prefix,
  classes,
  students,
  rate,
  tickMs,
  plain: flags.plain ?? false,
});

interface RunResult {
  name: string;
  connected: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  deliveredPerSecond: number;
  expectedPerSecond: number;
  cpuPercent: number;
  maxRssMb: number;
  machineBusyPercent: number;
  closedUnexpectedly: number;
}

async function measure(
  name: string,
  fleet: ClientFleet,
  serverPid: number,
  connected: number,
  load: { start(): void; stop(): Promise<void> },
  onMeasuring?: () => void,
): Promise<RunResult> {
  load.start();
  await sleep(warmupMs);
  const sampler = new Sampler(serverPid);
  fleet.startMeasuring();
  onMeasuring?.();
  const startedAt = Date.now();
  await sleep(durationMs);
  const stats = await fleet.stopMeasuring();
  const elapsedS = (Date.now() - startedAt) / 1000;
  const usage = sampler.stop();
  await load.stop();
  const delays = stats.delays.sort((a, b) => a - b);
  return {
    name,
    connected,
    p50: percentile(delays, 50),
    p90: percentile(delays, 90),
    p99: percentile(delays, 99),
    max: delays.at(-1) ?? Number.NaN,
    deliveredPerSecond: stats.received / elapsedS,
    expectedPerSecond: (rate * connected) / classes,
    ...usage,
    closedUnexpectedly: stats.closedUnexpectedly,
  };
}

// --- the run ---------------------------------------------------------------------------------

function report(result: RunResult): void {
  console.log(
    `${result.name.padEnd(9)} clients ${result.connected}  delay p50 ${result.p50} ms  p90 ${result.p90} ms  p99 ${result.p99} ms  max ${result.max} ms  ` +
      `delivered ${Math.round(result.deliveredPerSecond)}/s (expected ${Math.round(result.expectedPerSecond)}/s)  ` +
      `server CPU ${result.cpuPercent.toFixed(0)}% of a core  RSS ${result.maxRssMb.toFixed(0)} MB  ` +
      `machine CPU ${result.machineBusyPercent.toFixed(0)}%  unexpected closes ${result.closedUnexpectedly}`,
  );
}

async function main(): Promise<void> {
  const fdLimit = Number(execSync('ulimit -n', { shell: '/bin/sh' }).toString().trim());
  if (fdLimit < clients + 1_000) {
    console.warn(`ulimit -n is ${fdLimit}: raise it (ulimit -n ${clients * 2}) for ${clients} clients`);
  }
  console.log(
    `realtime bench: ${clients} clients over ${classes} classes (${students} students each), ${rate} updates/s ` +
      `${flags.plain ? 'without transactions, a batch' : 'in one transaction'} per ${tickMs} ms, ${workerCount} client processes, warmup ${warmupMs / 1000} s, measured ${durationMs / 1000} s`,
  );

  await kafka.createTopics();
  await kafka.connect();
  const issuer = await startTokenIssuer();
  const fleet = await ClientFleet.start(workerCount);
  const results: RunResult[] = [];
  const children: ChildProcess[] = [];

  try {
    await kafka.seed();
    const token = await issuer.sign(
      { sub: 'bench', role: 'admin', classes: [] },
      { expiresInSeconds: 3_600 },
    );
    const port = await freePort();
    const server = fork(fileURLToPath(new URL('../src/main.ts', import.meta.url)), [], {
      execArgv: flags.profile ? [...tsxArgs, '--cpu-prof', `--cpu-prof-dir=${flags.profile}`] : tsxArgs,
      cwd: appDir,
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      env: {
        ...process.env,
        LOG_LEVEL: 'warn',
        REALTIME_PORT: String(port),
        JWKS_URL: issuer.jwksUrl,
        CLASS_AGGREGATES_TOPIC: kafka.topicNames.classAggregates,
        STUDENT_STATUS_TOPIC: kafka.topicNames.studentStatus,
        ALERTS_TOPIC: kafka.topicNames.alerts,
        NOTIFICATIONS_TOPIC: kafka.topicNames.notifications,
        REALTIME_GROUP_PREFIX: `${prefix}realtime`,
      },
    });
    children.push(server);
    await waitReady(`http://127.0.0.1:${port}`, server);
    const connected = await fleet.connect(`ws://127.0.0.1:${port}/ws`, token, clients, classes);
    console.log(`realtime: ${connected.ok} clients subscribed (${connected.failed} failed)`);
    const floor = await kafka.floor();
    const httpUrl = `http://127.0.0.1:${port}`;
    let before = {
      publishDelay: new Map<number, number>(),
      receiveDelay: new Map<number, number>(),
      processDelay: new Map<number, number>(),
    };
    const startFloor = () => {
      floor.start();
      void scrapeServer(httpUrl).then((scrape) => {
        before = scrape;
      });
    };
    results.push(await measure('realtime', fleet, server.pid ?? 0, connected.ok, kafka.load(), startFloor));
    report(results[0] as RunResult);
    const after = await scrapeServer(httpUrl);
    console.log(
      `realtime record → publish (server side, histogram bucket bounds): p50 ≤ ${bucketPercentile(before.publishDelay, after.publishDelay, 50)} ms  ` +
        `p99 ≤ ${bucketPercentile(before.publishDelay, after.publishDelay, 99)} ms, of which record → fetched p50 ≤ ${bucketPercentile(before.receiveDelay, after.receiveDelay, 50)} ms  ` +
        `p99 ≤ ${bucketPercentile(before.receiveDelay, after.receiveDelay, 99)} ms and fetched → publish p50 ≤ ${bucketPercentile(before.processDelay, after.processDelay, 50)} ms  ` +
        `p99 ≤ ${bucketPercentile(before.processDelay, after.processDelay, 99)} ms; server event-loop delay p50 ${after.loopP50} ms  p99 ${after.loopP99} ms`,
    );
    const floorDelays = await floor.stop();
    console.log(
      `kafka floor (bare read_committed consumer, ${floorDelays.length} records): p50 ${percentile(floorDelays, 50)} ms  ` +
        `p90 ${percentile(floorDelays, 90)} ms  p99 ${percentile(floorDelays, 99)} ms  max ${floorDelays.at(-1)} ms`,
    );
    await fleet.disconnect();
    server.kill('SIGTERM');

    if (!flags['skip-baseline']) {
      const basePort = await freePort();
      const baseline = fork(
        fileURLToPath(new URL('./bench-baseline.ts', import.meta.url)),
        [basePort, rate, tickMs, classes, students].map(String),
        { execArgv: tsxArgs, cwd: appDir },
      );
      children.push(baseline);
      await nextMessage(baseline, 'listening');
      const baseConnected = await fleet.connect(`ws://127.0.0.1:${basePort}/ws`, token, clients, classes);
      // The baseline publishes on its own from its start. The producer keeps writing to Kafka
      // meanwhile (nobody reads it), so the machine carries the same broker and producer load
      // in both phases and the ratio is realtime's own cost.
      results.push(await measure('baseline', fleet, baseline.pid ?? 0, baseConnected.ok, kafka.load()));
      report(results[1] as RunResult);
      await fleet.disconnect();
    }

    const [realtime, baseline] = results;
    if (realtime && baseline) {
      console.log(
        `ratio realtime/baseline: p50 ${(realtime.p50 / Math.max(1, baseline.p50)).toFixed(2)}  p99 ${(realtime.p99 / Math.max(1, baseline.p99)).toFixed(2)}  ` +
          `delivered ${(realtime.deliveredPerSecond / baseline.deliveredPerSecond).toFixed(2)}  CPU ${(realtime.cpuPercent / baseline.cpuPercent).toFixed(2)}  ` +
          `RSS ${(realtime.maxRssMb / baseline.maxRssMb).toFixed(2)}`,
      );
    }
    if (realtime) {
      const pass = realtime.p99 < 100 && realtime.maxRssMb < 500 && realtime.connected === clients;
      console.log(
        `targets (p99 < 100 ms, RSS < 500 MB, every client connected): ${pass ? 'met' : 'NOT met'}`,
      );
    }
  } finally {
    fleet.kill();
    for (const child of children) child.kill();
    await kafka.disconnect();
    await issuer.close();
    await kafka.deleteTopics();
  }
}

await main();
