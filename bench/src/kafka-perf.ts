import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { runCommand } from './run-command.js';

/**
 * Kafka's own producer benchmark (what `kafka-producer-perf-test.sh` runs), from the same Maven
 * jars as the broker. The broker's classpath has no kafka-tools jar, so it is fetched beside it
 * once (`mvn dependency:copy`, without dependencies: the broker's libs already hold them).
 */
export interface ProducerPerfResult {
  records: number;
  recordSize: number;
  /** -1: as fast as it goes. */
  throughputLimit: number;
  recordsPerSecond: number;
  mbPerSecond: number;
  avgLatencyMs: number;
  maxLatencyMs: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  p999Ms: number;
  command: string;
  /** The tool's final line, verbatim. */
  line: string;
}

/** Parses the tool's last summary line, e.g. `100000 records sent, 52910.1 records/sec (20.18 MB/sec), 512.3 ms avg latency, 901.0 ms max latency, 480 ms 50th, 850 ms 95th, 890 ms 99th, 899 ms 99.9th.` */
export function parseProducerPerformance(
  output: string,
): Omit<ProducerPerfResult, 'records' | 'recordSize' | 'throughputLimit' | 'command'> | undefined {
  const pattern =
    /(\d+) records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\), ([\d.]+) ms avg latency, ([\d.]+) ms max latency, (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th, (\d+) ms 99\.9th/;
  const lines = output.split('\n').filter((line) => pattern.test(line));
  const line = lines.at(-1);
  const match = line ? pattern.exec(line) : null;
  if (!line || !match) return undefined;
  const n = (index: number) => Number(match[index]);
  return {
    recordsPerSecond: n(2),
    mbPerSecond: n(3),
    avgLatencyMs: n(4),
    maxLatencyMs: n(5),
    p50Ms: n(6),
    p95Ms: n(7),
    p99Ms: n(8),
    p999Ms: n(9),
    line: line.trim(),
  };
}

/** The classpath of the tool: the broker's libs plus kafka-tools, fetched once into the cache. */
export async function producerPerfClasspath(
  cacheDir: string,
  version: string,
  repoRoot: string,
): Promise<string> {
  const libs = join(cacheDir, `kafka-${version}`, 'libs');
  if (!existsSync(libs))
    throw new Error(`no Kafka jars at kafka-${version}/libs in the cache: run npm run stack -- up first`);
  const tools = join(cacheDir, `kafka-${version}`, 'tools');
  const jar = `kafka-tools-${version}.jar`;
  if (!existsSync(join(tools, jar))) {
    const staging = `${tools}.partial`;
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging, { recursive: true });
    {
      const artifact = `org.apache.kafka:kafka-tools:${version}`;
      const fetched = await runCommand(
        'mvn',
        [
          '-q',
          '-B',
          'dependency:copy',
          `-Dartifact=${artifact}`,
          '-Dtransitive=false',
          `-DoutputDirectory=${staging}`,
        ],
        { cwd: repoRoot, timeoutMs: 300_000, label: 'mvn' },
      );
      if (fetched.exitCode !== 0)
        throw new Error(`mvn could not fetch ${artifact}:\n${fetched.output.slice(-2_000)}`);
    }
    rmSync(tools, { recursive: true, force: true });
    renameSync(staging, tools);
  }
  return `${libs}/*:${tools}/*`;
}

export async function runProducerPerformance(options: {
  classpath: string;
  bootstrap: string;
  topic: string;
  records: number;
  recordSize: number;
  /** Records per second, -1 for no limit. */
  throughput: number;
  repoRoot: string;
  label: string;
}): Promise<ProducerPerfResult> {
  const args = [
    '-Xmx512m',
    '-cp',
    options.classpath,
    'org.apache.kafka.tools.ProducerPerformance',
    '--topic',
    options.topic,
    '--num-records',
    String(options.records),
    '--record-size',
    String(options.recordSize),
    '--throughput',
    String(options.throughput),
    '--producer-props',
    `bootstrap.servers=${options.bootstrap}`,
    'acks=all',
  ];
  const run = await runCommand('java', args, {
    cwd: options.repoRoot,
    timeoutMs: Math.max(120_000, options.records / 5),
    label: options.label,
  });
  const parsed = parseProducerPerformance(run.output);
  if (run.exitCode !== 0 || !parsed) {
    throw new Error(`ProducerPerformance failed (exit ${run.exitCode}):\n${run.output.slice(-2_000)}`);
  }
  return {
    records: options.records,
    recordSize: options.recordSize,
    throughputLimit: options.throughput,
    ...parsed,
    // The classpath names the cache on this machine; the report shows the rest.
    command: `java -cp '<kafka libs>/*:<kafka-tools>/*' ${args.slice(3).join(' ')}`,
  };
}
