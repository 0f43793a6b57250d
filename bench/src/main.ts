/**
 * `npm run bench -- [flags]` (see `--help`): the component benchmarks, Kafka's own producer
 * benchmark, the end-to-end run and its ramp, then docs/benchmarks.md, docs/bench/results.json
 * and the PNG plots. Progress goes to stderr.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureStack, testEnv, testKafka, uniqueName } from '@cellstream/testkit';
import { componentFlags, componentNames, parseComponentOutput } from './components.js';
import { runEndToEnd } from './e2e/run.js';
import { producerPerfClasspath, runProducerPerformance } from './kafka-perf.js';
import { currentLoad, describeMachine, kafkaVersionFromCache } from './machine.js';
import { commandLine, OptionsError, parseBenchOptions, usage } from './options.js';
import { renderMarkdown } from './report/markdown.js';
import { endToEndPlots } from './report/plots.js';
import { renderPngs } from './report/screenshot.js';
import type { BenchResults, Phase } from './results.js';
import { runCommand } from './run-command.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const log = (line: string) => process.stderr.write(`bench: ${line}\n`);
const PARTITIONS = 6;
/** About the size of an Avro-encoded learning event with a short cell of code. */
const RECORD_SIZE = 400;

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  let options: ReturnType<typeof parseBenchOptions>;
  try {
    options = parseBenchOptions(argv);
  } catch (error) {
    if (!(error instanceof OptionsError)) throw error;
    process.stderr.write(`bench: ${error.message}\n\n${usage}\n`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  if (options.render) {
    const outDir = options.outDir ?? join(repoRoot, 'docs');
    const results = JSON.parse(await readFile(join(outDir, 'bench', 'results.json'), 'utf8')) as BenchResults;
    await writeFile(join(outDir, 'benchmarks.md'), renderMarkdown(results));
    log(`rewrote ${join(outDir, 'benchmarks.md')} from bench/results.json of ${results.generatedAt}`);
    return 0;
  }
  const started = performance.now();
  const cacheDir = process.env.CELLSTREAM_CACHE_DIR ?? join(homedir(), '.cache', 'cellstream');
  const kafkaVersion = kafkaVersionFromCache(cacheDir, process.env.KAFKA_VERSION) ?? 'unknown';
  log(`${options.mode} run of ${options.phases.join(', ')}; making sure the stack is up`);
  await ensureStack();
  const results: BenchResults = {
    generatedAt: new Date().toISOString(),
    mode: options.mode,
    command: commandLine(argv),
    phases: options.phases,
    machine: describeMachine(kafkaVersion),
    loadAverageAtEnd: [0, 0, 0],
    totalSeconds: 0,
    failures: [],
    plots: [],
  };
  const attempt = async (phase: Phase, body: () => Promise<void>) => {
    try {
      await body();
    } catch (error) {
      log(`${phase} failed: ${(error as Error).stack ?? error}`);
      results.failures.push({ phase, message: (error as Error).message });
    }
  };

  if (options.phases.includes('components')) {
    results.components = [];
    for (const name of componentNames) {
      const flags = componentFlags[name][options.mode];
      log(`component benchmark: npm run bench:${name} -- ${flags.join(' ')}`);
      const run = await runCommand('npm', ['run', `bench:${name}`, '--', ...flags], {
        cwd: repoRoot,
        timeoutMs: (options.mode === 'quick' ? 10 : 60) * 60_000,
        label: name,
      });
      const parsed = parseComponentOutput(name, run);
      parsed.command = `npm run bench:${name}${flags.length > 0 ? ` -- ${flags.join(' ')}` : ''}`;
      results.components.push(parsed);
      if (run.exitCode !== 0) {
        results.failures.push({
          phase: 'components',
          message: `${name}: ${run.timedOut ? 'timed out' : `exit ${run.exitCode}`}; last output: ${lastLine(run.output)}`,
        });
      }
    }
  }

  if (options.phases.includes('kafka')) {
    await attempt('kafka', async () => {
      const classpath = await producerPerfClasspath(cacheDir, kafkaVersion, repoRoot);
      const admin = testKafka('bench-kafka').admin();
      await admin.connect();
      const topics = [uniqueName('kafka-max', 'bench'), uniqueName('kafka-rate', 'bench')];
      try {
        await admin.createTopics({
          waitForLeaders: true,
          topics: topics.map((topic) => ({ topic, numPartitions: PARTITIONS, replicationFactor: 1 })),
        });
        const common = {
          classpath,
          bootstrap: testEnv.KAFKA_BROKERS.join(','),
          recordSize: RECORD_SIZE,
          repoRoot,
        };
        log(`Kafka's producer benchmark: ${options.kafkaRecords} records, no limit`);
        const max = await runProducerPerformance({
          ...common,
          topic: topics[0] as string,
          records: options.kafkaRecords,
          throughput: -1,
          label: 'kafka max',
        });
        log(`Kafka's producer benchmark at ${options.rate} records/s`);
        const atRate = await runProducerPerformance({
          ...common,
          topic: topics[1] as string,
          records: options.rate * options.kafkaAtRateSeconds,
          throughput: options.rate,
          label: 'kafka at rate',
        });
        results.kafka = { partitions: PARTITIONS, max, atRate };
      } finally {
        if (!options.keep) await admin.deleteTopics({ topics }).catch(() => undefined);
        await admin.disconnect();
      }
    });
  }

  if (options.phases.includes('e2e')) {
    await attempt('e2e', async () => {
      results.e2e = await runEndToEnd(
        {
          rate: options.rate,
          students: options.students,
          classes: options.classes,
          durationSeconds: options.durationSeconds,
          warmupSeconds: options.warmupSeconds,
          flushIntervalMs: options.flushIntervalMs,
          seed: options.seed,
          ramp: options.ramp,
          bucketSeconds: options.mode === 'quick' ? 2 : 5,
          maxInFlight: options.maxInFlight,
          keep: options.keep,
        },
        {
          adminUser: process.env.ADMIN_USERNAME ?? 'admin',
          adminPassword: process.env.ADMIN_PASSWORD ?? 'cellstream-admin',
        },
        (line) => log(`e2e: ${line}`),
      );
    });
  }

  const outDir = options.outDir ?? join(repoRoot, 'docs');
  const benchDir = join(outDir, 'bench');
  await mkdir(benchDir, { recursive: true });
  if (results.e2e) {
    await attempt('e2e', async () => {
      const plots = endToEndPlots(results.e2e as NonNullable<typeof results.e2e>);
      await renderPngs(plots, benchDir, process.env.CHROMIUM_PATH ?? '/usr/bin/chromium');
      results.plots = plots.map((plot) => ({ file: `bench/${plot.file}`, title: plot.title }));
    });
  }
  results.loadAverageAtEnd = currentLoad();
  results.totalSeconds = Math.round((performance.now() - started) / 1000);
  await writeFile(join(benchDir, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(join(outDir, 'benchmarks.md'), renderMarkdown(results));
  log(
    `wrote ${join(outDir, 'benchmarks.md')} and ${benchDir}/ in ${Math.round(results.totalSeconds / 60)} min`,
  );
  return results.failures.length === 0 ? 0 : 1;
}

const lastLine = (output: string) =>
  output
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .at(-1) ?? '';

process.exitCode = await main();
