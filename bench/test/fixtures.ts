import type { EndToEndResult } from '../src/e2e/run.js';
import type { BenchResults } from '../src/results.js';
import type { Distribution } from '../src/stats.js';

const d = (p50: number, p99: number, count = 1_000): Distribution => ({
  count,
  p50,
  p90: (p50 + p99) / 2,
  p99,
  max: p99 * 1.5,
  mean: p50 * 1.1,
});

export function endToEnd(overrides: Partial<EndToEndResult> = {}): EndToEndResult {
  return {
    options: {
      rate: 5_000,
      students: 10_000,
      classes: 250,
      durationSeconds: 300,
      warmupSeconds: 30,
      flushIntervalMs: 1_000,
      seed: '1',
      ramp: { enabled: true, start: 1_250, factor: 1.5, stepSeconds: 60, maxSteps: 8 },
      bucketSeconds: 5,
      maxInFlight: 256,
      keep: false,
    },
    students: 10_000,
    classes: 250,
    dashboards: 250,
    fixed: {
      offered: 5_000,
      achieved: 4_990,
      windowSeconds: [30, 330],
      latency: {
        dashboardFromEvent: d(900, 1_600),
        dashboardFromPost: d(300, 800),
        pgInsertFromEvent: d(700, 1_400),
        pgVisibleFromEvent: d(1_000, 2_400),
        pgVisibleFromPost: d(450, 1_500),
      },
      lag: {
        pg: { bounded: true, slope: 1.5, max: 4_000, last: 1_000 },
        aggregator: { bounded: true, slope: 0, max: 900, last: 100 },
      },
    },
    ramp: {
      steps: [
        {
          offered: 1_250,
          achieved: 1_249,
          failed: 0,
          lag: {},
          dashboardFromPostP99: 300,
          sustained: true,
          why: 'kept up',
        },
        {
          offered: 1_875,
          achieved: 1_500,
          failed: 0,
          lag: { pg: { bounded: false, slope: 400, max: 30_000, last: 30_000 } },
          dashboardFromPostP99: 5_000,
          sustained: false,
          why: 'ingest accepted 1500/s; lag growing in pg',
        },
      ],
      highestSustained: 5_000,
    },
    errors: {
      failedDuringFixed: 0,
      failedDuringRamp: 0,
      abandonedAtStop: 12,
      simulatorRejected: 0,
      simulatorRetries: 3,
      failedByCode: {},
      rejectedByCode: {},
      retriesByCode: { SIM_INGEST_UNAVAILABLE: 3 },
      dashboardErrors: 0,
      dashboardCloses: 0,
      pgProbeErrors: 0,
      lagSampleErrors: 0,
      appsExited: [],
    },
    counters: {
      generated: 2_000_000,
      accepted: 2_000_000,
      dashboardUpdates: 900_000,
      dashboardMeasured: 800_000,
      dashboardMatched: 799_000,
      pgRows: 1_200_000,
    },
    ingestRequestLatencyMs: { count: 10, p50: 12, p95: 30, p99: 45, max: 80 },
    series: {
      latency: [
        { t: 5, dashboardP50: 300, dashboardP99: 800, dashboardFromEventP99: 1_600, pgP99: Number.NaN },
        { t: 10, dashboardP50: 310, dashboardP99: 820, dashboardFromEventP99: 1_650, pgP99: 1_400 },
      ],
      throughput: [
        { t: 1, offered: 5_000, accepted: 4_900, kafka: 5_000, pgRows: 3_000, dashboardUpdates: 2_000 },
        { t: 2, offered: 5_000, accepted: 5_100, kafka: 5_050, pgRows: 3_100, dashboardUpdates: 2_100 },
      ],
      lag: [
        { t: 2, lag: { pg: 100, aggregator: 10 } },
        { t: 4, lag: { pg: 200, aggregator: 0 } },
      ],
      rampMarks: [
        { t: 0, rate: 5_000 },
        { t: 340, rate: 1_250 },
      ],
    },
    ...overrides,
  };
}

export function results(overrides: Partial<BenchResults> = {}): BenchResults {
  return {
    generatedAt: '2026-11-29T14:00:00.000Z',
    mode: 'full',
    command: 'npm run bench',
    phases: ['components', 'kafka', 'e2e'],
    machine: {
      cpuModel: 'AMD EPYC',
      cores: 2,
      memoryGiB: 23.5,
      os: 'Debian GNU/Linux 12 (bookworm)',
      kernel: '6.1.0',
      node: 'v20.20.2',
      java: 'openjdk version "17.0.15" 2025-04-15',
      kafka: '3.9.1',
      loadAverageAtStart: [0.5, 0.4, 0.3],
    },
    loadAverageAtEnd: [1.9, 1.5, 1],
    totalSeconds: 1_500,
    components: [
      {
        name: 'ingest',
        command: 'npm run bench:ingest',
        exitCode: 0,
        timedOut: false,
        seconds: 60,
        resultLines: ['ingest / baseline events/s: 72% (target >= 60%)'],
        figures: { ratioPercent: 72 },
      },
      {
        name: 'persister',
        command: 'npm run bench:persister',
        exitCode: 1,
        timedOut: false,
        seconds: 3,
        resultLines: [],
        figures: {},
      },
    ],
    kafka: {
      partitions: 6,
      max: {
        records: 2_000_000,
        recordSize: 400,
        throughputLimit: -1,
        recordsPerSecond: 50_000,
        mbPerSecond: 19.07,
        avgLatencyMs: 500,
        maxLatencyMs: 900,
        p50Ms: 480,
        p95Ms: 800,
        p99Ms: 850,
        p999Ms: 890,
        command:
          "java -cp '<kafka libs>/*:<kafka-tools>/*' org.apache.kafka.tools.ProducerPerformance --topic t",
        line: '2000000 records sent, 50000.0 records/sec (19.07 MB/sec), ...',
      },
      atRate: {
        records: 150_000,
        recordSize: 400,
        throughputLimit: 5_000,
        recordsPerSecond: 4_999,
        mbPerSecond: 1.9,
        avgLatencyMs: 4,
        maxLatencyMs: 90,
        p50Ms: 3,
        p95Ms: 8,
        p99Ms: 20,
        p999Ms: 60,
        command: 'java ... --throughput 5000',
        line: '150000 records sent, 4999.0 records/sec (1.90 MB/sec), ...',
      },
    },
    e2e: endToEnd(),
    failures: [],
    plots: [{ file: 'bench/latency.png', title: 'Latency over time' }],
    ...overrides,
  };
}
