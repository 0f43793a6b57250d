/**
 * The aggregator's benchmark, against the real local stack (`npm run bench -w @cellstream/aggregator`).
 *
 * 1. Throughput: pre-fills a fresh events topic with N events (default 300,000: 200 classes of 40
 *    students), starts the aggregator as a child process and measures events/s from its first
 *    counted event until every offset is committed (transactions on: outputs, changelog and
 *    offsets in each one). Checks the totals of the final aggregates against the workload.
 * 2. Latency: a fresh aggregator under an offered load of R events/s (default 5,000) for D
 *    seconds; for every cell_execution_complete/error event, the time from just before it is
 *    produced to the moment a read_committed consumer reads an aggregate of its class that
 *    includes it (totalExecutions + totalErrors reached its sequence number). p50/p99 printed.
 *
 * Options: --events N --classes C --students S --rate R --seconds D --emit-interval MS --skip-throughput --skip-latency
 */
import { readdir, readFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { ensureTopics, type LearningEvent, TopicSerde, topicKeys, topics } from '@cellstream/schemas';
import { sleep } from '@cellstream/shared';
import { AppProcess, freePort, testEnv, testKafka, uniqueName } from '@cellstream/testkit';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { type Kafka, Partitioners } from 'kafkajs';
import { loadAggregatorConfig } from '../src/config.js';
import { OutputReader, totals } from '../test/support/stack.js';
import { classroomWorkload, expectedTotals } from '../test/support/workload.js';

/** `CHILD_NODE_ARGS` passes node flags to the aggregator, e.g. `--cpu-prof`. */
const childNodeArgs = process.env.CHILD_NODE_ARGS?.split(' ').filter(Boolean);

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '300000' },
    classes: { type: 'string', default: '200' },
    students: { type: 'string', default: '40' },
    rate: { type: 'string', default: '5000' },
    seconds: { type: 'string', default: '30' },
    'emit-interval': { type: 'string', default: '250' },
    partitions: { type: 'string', default: '6' },
    'skip-throughput': { type: 'boolean', default: false },
    'skip-latency': { type: 'boolean', default: false },
  },
});
const EVENTS = Number(args.events);
const CLASSES = Number(args.classes);
const STUDENTS = Number(args.students);
const RATE = Number(args.rate);
const SECONDS = Number(args.seconds);
const WARMUP_MS = 3_000;

const kafka = testKafka('aggregator-bench');
const admin = kafka.admin();
const registry = new SchemaRegistry({ host: testEnv.SCHEMA_REGISTRY_URL });

function environment(label: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined) env[key] = value;
  return {
    ...env,
    NODE_ENV: 'production',
    TOPIC_PREFIX: `${uniqueName(label, 'bench')}.`,
    AGGREGATOR_GROUP_ID: uniqueName(`${label}-group`, 'bench'),
    TOPIC_PARTITIONS: args.partitions,
    EMIT_INTERVAL_MS: args['emit-interval'],
  };
}

async function createEventsTopic(prefix: string): Promise<void> {
  await ensureTopics(admin, {
    partitions: Number(args.partitions),
    topicPrefix: prefix,
    topics: [topics.learningEvents],
  });
}

async function deleteTopics(prefix: string): Promise<void> {
  const names = (await admin.listTopics()).filter((name) => name.startsWith(prefix));
  if (names.length > 0) await admin.deleteTopics({ topics: names }).catch(() => undefined);
}

async function encodeAll(serde: TopicSerde, events: readonly LearningEvent[]) {
  const messages = [];
  for (const event of events) {
    messages.push({
      key: topicKeys.learningEvent(event),
      value: await serde.encode('learning.events.v1', event),
    });
  }
  return messages;
}

/** aggregator_events_total summed over outcomes, and the process's CPU seconds, from the child's /metrics. */
async function progress(port: number): Promise<{ counted: number; cpu: number }> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  let counted = 0;
  for (const match of text.matchAll(/^aggregator_events_total\{[^}]*\} (\d+)/gm)) counted += Number(match[1]);
  const cpu = Number(/^process_cpu_seconds_total\{[^}]*\} ([\d.]+)/m.exec(text)?.[1] ?? Number.NaN);
  return { counted, cpu };
}

async function committedOffsets(groupId: string, topic: string): Promise<number> {
  const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return (offsets?.partitions ?? []).reduce(
    (sum, partition) => sum + Math.max(0, Number(partition.offset)),
    0,
  );
}

async function throughput(): Promise<void> {
  const env = environment('throughput');
  const config = loadAggregatorConfig(env);
  await createEventsTopic(config.TOPIC_PREFIX);
  const start = Date.now() - (EVENTS / 5_000) * 1_000;
  const workload = classroomWorkload({
    classes: CLASSES,
    studentsPerClass: STUDENTS,
    events: EVENTS,
    startTime: start,
    spacingMs: 1_000 / 5_000,
  });
  const serde = new TopicSerde(registry, { topicPrefix: config.TOPIC_PREFIX });
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const fillStarted = performance.now();
  for (let i = 0; i < workload.events.length; i += 5_000) {
    const messages = await encodeAll(serde, workload.events.slice(i, i + 5_000));
    await producer.send({ topic: config.EVENTS_TOPIC, acks: -1, messages });
  }
  await producer.disconnect();
  console.log(
    `throughput: pre-filled ${EVENTS} events (${CLASSES} classes x ${STUDENTS} students, ${args.partitions} partitions) in ${((performance.now() - fillStarted) / 1_000).toFixed(1)} s`,
  );

  const port = await freePort();
  const launched = performance.now();
  const child = await AppProcess.start('aggregator', env, {
    port,
    readyTimeoutMs: 120_000,
    nodeArgs: childNodeArgs,
  });
  try {
    await measureThroughput(port, config, workload, launched);
  } finally {
    await child.stop('SIGTERM');
    await deleteTopics(config.TOPIC_PREFIX);
  }
}

async function measureThroughput(
  port: number,
  config: ReturnType<typeof loadAggregatorConfig>,
  workload: ReturnType<typeof classroomWorkload>,
  launched: number,
): Promise<void> {
  // Rate over what was observed: from the first sample that saw counted events to the end.
  let first: { at: number; counted: number; cpu: number } | undefined;
  let done: number | undefined;
  let cpuAtDone = Number.NaN;
  for (;;) {
    const { counted, cpu } = await progress(port);
    cpuAtDone = cpu;
    if (counted > 0 && first === undefined) first = { at: performance.now(), counted, cpu };
    if (
      counted >= EVENTS &&
      (await committedOffsets(config.AGGREGATOR_GROUP_ID, config.EVENTS_TOPIC)) >= EVENTS
    ) {
      done = performance.now();
      break;
    }
    if (performance.now() - launched > 600_000)
      throw new Error('the aggregator did not finish within 10 minutes');
    await sleep(100);
  }
  const observed = first ?? { at: launched, counted: 0, cpu: 0 };
  const seconds = (done - observed.at) / 1_000;
  const rate = Math.round((EVENTS - observed.counted) / seconds);
  console.log(
    `throughput: ${(EVENTS - observed.counted).toLocaleString('en')} events processed and committed in ${seconds.toFixed(2)} s = ${rate.toLocaleString('en')} events/s (${((done - launched) / 1_000).toFixed(2)} s for all ${EVENTS.toLocaleString('en')} including process start, join and restore)`,
  );
  const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const commits = /aggregator_transactions_total\{outcome="commit"[^}]*\} (\d+)/.exec(metrics)?.[1];
  const cpuSeconds = cpuAtDone - observed.cpu;
  console.log(
    `throughput: ${commits} transactions committed; the aggregator process used ${cpuSeconds.toFixed(1)} CPU s meanwhile (${Math.round((EVENTS - observed.counted) / cpuSeconds).toLocaleString('en')} events per CPU second); machine load average ${loadavg()[0]?.toFixed(1)} on ${cpus().length} CPUs`,
  );

  const reader = new OutputReader(config);
  await reader.start();
  const expected = expectedTotals(workload.expected);
  const latest = await reader.waitForAggregates((all) => {
    const sum = totals(all);
    return sum.executions === expected.executions && sum.errors === expected.errors;
  }, 120_000);
  console.log(
    `throughput: final aggregates exact (${totals(latest).executions} executions, ${totals(latest).errors} errors over ${latest.size} classes)`,
  );
  await reader.stop();
}

async function latency(): Promise<void> {
  const env = environment('latency');
  const config = loadAggregatorConfig(env);
  await createEventsTopic(config.TOPIC_PREFIX);
  const port = await freePort();
  const child = await AppProcess.start('aggregator', env, {
    port,
    readyTimeoutMs: 120_000,
    nodeArgs: childNodeArgs,
  });
  try {
    await measureLatency(port, config);
  } finally {
    await child.stop('SIGTERM');
    await deleteTopics(config.TOPIC_PREFIX);
  }
}

async function measureLatency(port: number, config: ReturnType<typeof loadAggregatorConfig>): Promise<void> {
  const serde = new TopicSerde(registry, { topicPrefix: config.TOPIC_PREFIX });
  await serde.register('learning.events.v1');

  // Per class: send times of its executions, in order; the aggregate's count says how many it includes.
  const pending = new Map<string, { sentAt: number[]; matched: number }>();
  const samples: number[] = [];
  // The same samples split at the aggregate's updatedAt (the aggregator's clock when it planned
  // the transaction): produced -> planned, and planned -> read (commit, markers, fetch).
  const toPlanned: number[] = [];
  const toRead: number[] = [];
  const wallOffset = Date.now() - performance.now();
  let measuring = false;
  const reader = latencyReader(
    kafka,
    config.CLASS_AGGREGATES_TOPIC,
    config.TOPIC_PREFIX,
    (classId, count, at, updatedAt) => {
      const queue = pending.get(classId);
      if (!queue) return;
      const planned = updatedAt - wallOffset;
      while (queue.matched < count && queue.matched < queue.sentAt.length) {
        const sentAt = queue.sentAt[queue.matched++] as number;
        if (measuring && sentAt >= 0) {
          samples.push(at - sentAt);
          toPlanned.push(planned - sentAt);
          toRead.push(at - planned);
        }
      }
    },
  );
  await reader.start();

  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const total = RATE * SECONDS;
  const workload = classroomWorkload({
    classes: CLASSES,
    studentsPerClass: STUDENTS,
    events: total,
    startTime: Date.now(),
    spacingMs: 1_000 / RATE,
    classPrefix: 'latency',
  });
  const started = performance.now();
  const cpuBefore = await cpuSplit(port);
  let sent = 0;
  const stats = setInterval(() => {
    void fetch(`http://127.0.0.1:${port}/metrics`)
      .then((response) => response.text())
      .then((text) => {
        const sum = (pattern: RegExp) =>
          [...text.matchAll(pattern)].reduce((total, match) => total + Number(match[1]), 0);
        console.log(
          `latency: t=${((performance.now() - started) / 1_000).toFixed(0)} s sent ${sent} counted ${sum(/^aggregator_events_total\{[^}]*\} (\d+)/gm)} lag ${sum(/^aggregator_consumer_lag\{[^}]*\} (\d+)/gm)} commits ${sum(/^aggregator_transactions_total\{outcome="commit"[^}]*\} (\d+)/gm)} (avg ${((1_000 * sum(/^aggregator_transaction_duration_seconds_sum\{[^}]*outcome="commit"[^}]*\} ([\d.e+-]+)/gm)) / sum(/^aggregator_transaction_duration_seconds_count\{[^}]*outcome="commit"[^}]*\} (\d+)/gm)).toFixed(0)} ms) cpu ${sum(/^process_cpu_seconds_total\{[^}]*\} ([\d.]+)/gm).toFixed(1)} s, event loop p99 ${(1_000 * sum(/^nodejs_eventloop_lag_p99_seconds\{[^}]*\} ([\d.e+-]+)/gm)).toFixed(0)} ms max ${(1_000 * sum(/^nodejs_eventloop_lag_max_seconds\{[^}]*\} ([\d.e+-]+)/gm)).toFixed(0)} ms`,
        );
      })
      .catch(() => undefined);
  }, 2_000);
  while (sent < total) {
    // At most 500 events per request: a bench process that fell behind must not send one huge batch.
    const due = Math.min(total, sent + 500, Math.floor(((performance.now() - started) / 1_000) * RATE));
    if (due <= sent) {
      await sleep(2);
      continue;
    }
    const now = Date.now();
    const batch = workload.events
      .slice(sent, due)
      .map((event) => ({ ...event, eventTime: now, receivedAt: now }));
    const messages = await encodeAll(serde, batch);
    measuring = performance.now() - started > WARMUP_MS;
    const sentAt = measuring ? performance.now() : -1;
    for (const event of batch) {
      if (event.eventType !== 'cell_execution_complete' && event.eventType !== 'cell_execution_error')
        continue;
      const classId = event.classId as string;
      let queue = pending.get(classId);
      if (!queue) {
        queue = { sentAt: [], matched: 0 };
        pending.set(classId, queue);
      }
      queue.sentAt.push(sentAt);
    }
    await producer.send({ topic: config.EVENTS_TOPIC, acks: -1, messages });
    sent = due;
  }
  const offeredSeconds = (performance.now() - started) / 1_000;
  const cpuAfter = await cpuSplit(port);
  clearInterval(stats);
  await producer.disconnect();
  const expectedSamples = [...pending.values()].reduce(
    (sum, queue) => sum + queue.sentAt.filter((time) => time >= 0).length,
    0,
  );
  const deadline = performance.now() + 30_000;
  while (samples.length < expectedSamples && performance.now() < deadline) await sleep(100);
  await reader.stop();

  const quantile = (sorted: number[], q: number) =>
    sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]?.toFixed(1);
  samples.sort((a, b) => a - b);
  const at = (q: number) => quantile(samples, q);
  const quantiles = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    return `p50 ${quantile(sorted, 0.5)} ms, p99 ${quantile(sorted, 0.99)} ms`;
  };
  console.log(
    `latency: offered ${total} events in ${offeredSeconds.toFixed(1)} s (${Math.round(total / offeredSeconds)} events/s), ${CLASSES} classes, EMIT_INTERVAL_MS=${args['emit-interval']}`,
  );
  console.log(
    `latency: event produced -> aggregate read (read_committed), ${samples.length} of ${expectedSamples} executions after a ${WARMUP_MS / 1_000} s warm-up: p50 ${at(0.5)} ms, p90 ${at(0.9)} ms, p99 ${at(0.99)} ms, max ${samples.at(-1)?.toFixed(1)} ms`,
  );
  console.log(
    `latency split at the aggregate's updatedAt: produced -> transaction planned ${quantiles(toPlanned)}; planned -> read ${quantiles(toRead)}`,
  );
  const cores = (key: keyof CpuSplit) => ((cpuAfter[key] - cpuBefore[key]) / offeredSeconds).toFixed(2);
  console.log(
    `latency: CPU while offering, in cores (of ${cpus().length}): aggregator ${cores('aggregator')}, Kafka broker ${cores('broker')}, this load generator and reader ${cores('bench')}`,
  );
}

interface CpuSplit {
  aggregator: number;
  broker: number;
  bench: number;
}

/**
 * CPU seconds used so far by the aggregator (its /metrics), the Kafka broker processes (Linux
 * /proc; 0 elsewhere) and this process: on a small machine they share the cores, and the
 * latency's tail follows how busy they are together.
 */
async function cpuSplit(port: number): Promise<CpuSplit> {
  const metrics = await fetch(`http://127.0.0.1:${port}/metrics`).then((response) => response.text());
  const aggregator = Number(/^process_cpu_seconds_total(?:\{[^}]*\})? ([\d.e+-]+)/m.exec(metrics)?.[1] ?? 0);
  const usage = process.cpuUsage();
  return { aggregator, broker: await brokerCpuSeconds(), bench: (usage.user + usage.system) / 1e6 };
}

async function brokerCpuSeconds(): Promise<number> {
  const ticksPerSecond = 100; // USER_HZ on Linux
  let seconds = 0;
  for (const pid of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(pid)) continue;
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (!cmdline.includes('kafka.Kafka')) continue;
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    // Fields after the command's closing parenthesis: utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    seconds += (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
  }
  return seconds;
}

/** A read_committed consumer of the aggregates that reports (classId, totalExecutions + totalErrors, time read). */
function latencyReader(
  client: Kafka,
  topic: string,
  prefix: string,
  onAggregate: (classId: string, count: number, at: number, updatedAt: number) => void,
) {
  const serde = new TopicSerde(registry, { topicPrefix: prefix });
  const consumer = client.consumer({ groupId: uniqueName('latency-reader', 'bench'), maxWaitTimeInMs: 20 });
  return {
    async start() {
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
      await consumer.run({
        eachMessage: async ({ message }) => {
          const at = performance.now();
          if (!message.value) return;
          const aggregate = await serde.decode('learning.class-aggregates.v1', message.value);
          onAggregate(
            aggregate.classId,
            aggregate.totalExecutions + aggregate.totalErrors,
            at,
            Number(aggregate.updatedAt),
          );
        },
      });
      await joined;
    },
    stop: () => consumer.disconnect(),
  };
}

await admin.connect();
try {
  if (!args['skip-throughput']) await throughput();
  if (!args['skip-latency']) await latency();
} finally {
  await admin.disconnect();
}
process.exit(0);
