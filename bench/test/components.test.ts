import { describe, expect, it } from 'vitest';
import { componentRows, parseComponentOutput } from '../src/components.js';
import { parseProducerPerformance } from '../src/kafka-perf.js';
import type { CommandResult } from '../src/run-command.js';

const result = (output: string): CommandResult => ({
  command: 'npm run bench:x',
  exitCode: 0,
  output,
  seconds: 12.4,
  timedOut: false,
});

describe('component output', () => {
  it('quotes ingest’s result lines verbatim and reads its JSON rows and figures', () => {
    const output = [
      '> bench:ingest',
      'ingest: node dist/main.js on port 1234, topic t',
      'ingest / baseline events/s: 23% (target >= 60%)',
      'p99 ack at 1000 events/s offered: 20.5 ms (target < 50 ms); the bare producer at the same rate: 25.8 ms',
      'ingest peak RSS: 136 MB (target < 300 MB)',
      'JSON [{"phase":"ingest, closed loop","events/s":717}]',
    ].join('\n');
    const parsed = parseComponentOutput('ingest', result(output));
    expect(parsed.resultLines).toEqual([
      'ingest / baseline events/s: 23% (target >= 60%)',
      'p99 ack at 1000 events/s offered: 20.5 ms (target < 50 ms); the bare producer at the same rate: 25.8 ms',
      'ingest peak RSS: 136 MB (target < 300 MB)',
    ]);
    expect(parsed.rows).toEqual([{ phase: 'ingest, closed loop', 'events/s': 717 }]);
    expect(parsed.figures).toEqual({
      ratioPercent: 23,
      p99AckMs: 20.5,
      baselineP99AckMs: 25.8,
      peakRssMb: 136,
    });
    expect(parsed.seconds).toBe(12);
  });

  it('reads the persister’s table and strips colours', () => {
    const output = [
      '\u001b[32mstore       consumer group  bare baseline: mean (before / after)              group / baseline  target\u001b[39m',
      'PostgreSQL  3,427 events/s  3,352 events/s (2,618 events/s / 4,659 events/s)  102%              >= 20,000 events/s and >= 50%',
      'InfluxDB    5,299 events/s  8,382 events/s (8,767 events/s / 8,029 events/s)  63%               >= 50%',
    ].join('\n');
    const parsed = parseComponentOutput('persister', result(output));
    expect(parsed.resultLines).toHaveLength(3);
    expect(parsed.resultLines[0]?.startsWith('store')).toBe(true);
    expect(parsed.figures).toEqual({
      pgEventsPerSecond: 3427,
      pgBaselineEventsPerSecond: 3352,
      pgRatioPercent: 102,
      influxEventsPerSecond: 5299,
      influxBaselineEventsPerSecond: 8382,
      influxRatioPercent: 63,
    });
  });

  it('reads the aggregator’s and realtime’s lines, and leaves out what is not printed', () => {
    const aggregator = parseComponentOutput(
      'aggregator',
      result(
        'throughput: 19,192 events processed and committed in 7.79 s = 2,463 events/s (21.96 s for all)\n' +
          'latency: event produced -> aggregate read (read_committed), 10 of 10 executions after a 3 s warm-up: p50 120.5 ms, p90 200.1 ms, p99 310.0 ms, max 400.0 ms',
      ),
    );
    expect(aggregator.figures).toEqual({ eventsPerSecond: 2463, p50Ms: 120.5, p99Ms: 310 });
    const realtime = parseComponentOutput(
      'realtime',
      result(
        'realtime bench: 250 clients over 25 classes\n' +
          'realtime  clients 250  delay p50 261 ms  p90 492 ms  p99 597 ms  max 691 ms  delivered 1901/s\n' +
          'ratio realtime/baseline: p50 26.10  p99 5.28  delivered 0.95  CPU 3.22  RSS 1.97\n' +
          'targets (p99 < 100 ms, RSS < 500 MB, every client connected): NOT met',
      ),
    );
    expect(realtime.resultLines).toHaveLength(3);
    expect(realtime.figures).toEqual({ p99Ms: 597, p50Ratio: 26.1, p99Ratio: 5.28, deliveredRatio: 0.95 });
    expect(parseComponentOutput('aggregator', result('it crashed')).figures).toEqual({});
  });
});

describe('the component table', () => {
  it('puts each headline figure beside its script’s own baseline, with the ratio', () => {
    const ingest = parseComponentOutput(
      'ingest',
      result(
        'p99 ack at 5000 events/s offered: 30.0 ms (target < 50 ms); the bare producer at the same rate: 12.0 ms\n' +
          'JSON [{"phase":"ingest, closed loop","events/s":6000},{"phase":"baseline: bare kafkajs producer","events/s":8000}]',
      ),
    );
    const realtime = parseComponentOutput(
      'realtime',
      result(
        'realtime  clients 5000  delay p50 20 ms  p99 90 ms\nbaseline  clients 5000  delay p50 5 ms  p99 30 ms',
      ),
    );
    expect(componentRows([ingest, realtime])).toEqual([
      {
        component: 'ingest',
        figure: 'events/s, closed loop',
        value: '6,000 events/s',
        baseline: 'bare kafkajs producer: 8,000 events/s',
        ratio: '0.75×',
      },
      {
        component: 'ingest',
        figure: 'p99 ack at the offered rate',
        value: '30 ms',
        baseline: 'bare producer, same rate: 12 ms',
        ratio: '2.50×',
      },
      {
        component: 'realtime',
        figure: 'record → dashboard p99',
        value: '90 ms',
        baseline: 'bare uWS fan-out: 30 ms',
        ratio: '3.00×',
      },
    ]);
  });
});

describe('Kafka’s ProducerPerformance output', () => {
  it('reads the final summary line, not the progress lines', () => {
    const output = [
      'log4j:WARN No appenders could be found',
      '245921 records sent, 49174.4 records/sec (18.76 MB/sec), 612.4 ms avg latency, 1201.0 ms max latency.',
      '1000000 records sent, 52910.1 records/sec (20.18 MB/sec), 512.3 ms avg latency, 1901.0 ms max latency, 480 ms 50th, 850 ms 95th, 890 ms 99th, 1899 ms 99.9th.',
    ].join('\n');
    expect(parseProducerPerformance(output)).toEqual({
      recordsPerSecond: 52910.1,
      mbPerSecond: 20.18,
      avgLatencyMs: 512.3,
      maxLatencyMs: 1901,
      p50Ms: 480,
      p95Ms: 850,
      p99Ms: 890,
      p999Ms: 1899,
      line: '1000000 records sent, 52910.1 records/sec (20.18 MB/sec), 512.3 ms avg latency, 1901.0 ms max latency, 480 ms 50th, 850 ms 95th, 890 ms 99th, 1899 ms 99.9th.',
    });
    expect(parseProducerPerformance('Exception in thread "main"')).toBeUndefined();
  });
});
