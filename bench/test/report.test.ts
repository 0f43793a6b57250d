import { describe, expect, it } from 'vitest';
import { checkTargets, renderMarkdown } from '../src/report/markdown.js';
import { endToEndPlots } from '../src/report/plots.js';
import { formatTick, niceTicks, renderChart } from '../src/report/svg-chart.js';
import { endToEnd, results } from './fixtures.js';

describe('the targets', () => {
  it('compares the dashboard and PostgreSQL targets with the latencies from the request to ingest', () => {
    const checks = checkTargets(results());
    expect(checks.map((check) => check.met)).toEqual([true, true, true, true, true, true]);
    expect(checks[0]?.measured).toBe('4,990 events/s accepted');
    expect(checks[1]?.measured).toBe('800 ms (from the request to ingest)');
    expect(checks[2]?.measured).toBe('1,500 ms (from the request to ingest, row visible)');
    expect(checks[5]?.measured).toBe('5,000 events/s = 0.10× of Kafka’s producer');
  });

  it('says not met when a p99 is over, a lag grows, an event failed or nothing was sustained', () => {
    const base = endToEnd();
    const e2e = endToEnd({
      fixed: {
        ...base.fixed,
        latency: {
          ...base.fixed.latency,
          dashboardFromPost: { ...base.fixed.latency.dashboardFromPost, p99: 1_000 },
        },
        lag: { pg: { bounded: false, slope: 300, max: 90_000, last: 90_000 } },
      },
      ramp: { steps: [], highestSustained: null },
      errors: { ...base.errors, failedDuringFixed: 4, appsExited: ['persister'] },
    });
    const checks = checkTargets(results({ e2e }));
    expect(checks.map((check) => check.met)).toEqual([true, false, true, false, false, false]);
    expect(checks[4]?.measured).toContain('apps exited: persister');
  });

  it('does not call a flat lag met when ingest did not take the offered load', () => {
    const base = endToEnd();
    const checks = checkTargets(results({ e2e: endToEnd({ fixed: { ...base.fixed, achieved: 38 } }) }));
    expect(checks[0]).toMatchObject({ measured: '38 events/s accepted', met: false });
    expect(checks[3]?.met).toBe(false);
  });

  it('has nothing to judge without an end-to-end run', () => {
    const checks = checkTargets(results({ e2e: undefined, phases: ['components'] }));
    expect(checks.map((check) => check.met)).toEqual([null, null, null]);
  });
});

describe('the markdown', () => {
  it('describes the machine and puts every figure beside its same-run baseline with the ratio', () => {
    const text = renderMarkdown(results());
    expect(text).toContain('| CPU | AMD EPYC, 2 cores |');
    expect(text).toContain(
      '| load average at start | 0.5, 0.4, 0.3 (1, 5, 15 min); at the end 1.9, 1.5, 1 |',
    );
    expect(text).toContain(
      '| highest sustained end-to-end load | 5,000 events/s | Kafka’s producer, no limit: 50,000 records/s | 0.10× |',
    );
    expect(text).toContain(
      '| dashboard p99, from the request to ingest | 800 ms | Kafka’s producer ack p99 at 5,000 records/s: 20 ms | 40.00× |',
    );
    expect(text).toContain(
      '| request to ingest → dashboard (platform only) | 1,000 | 300 ms | 550 ms | 800 ms | 1,200 ms |',
    );
    expect(text).toContain(
      '| 2 | 1,875 | 1,500 | 0 | 5,000 ms | pg 30,000 | not sustained: ingest accepted 1500/s; lag growing in pg |',
    );
    expect(text).toContain('![Latency over time](bench/latency.png)');
    // Component lines are quoted verbatim; a failed component says so.
    expect(text).toContain('```\ningest / baseline events/s: 72% (target >= 60%)\n```');
    expect(text).toContain('`npm run bench:persister` — **failed** (exit 1), 3 s.');
    expect(text).not.toContain('A quick run');
    expect(renderMarkdown(results({ mode: 'quick' }))).toContain('A quick run');
  });

  it('lists failed phases and still renders without Kafka or end-to-end figures', () => {
    const text = renderMarkdown(
      results({
        kafka: undefined,
        e2e: undefined,
        failures: [{ phase: 'kafka', message: 'mvn failed\nmore' }],
      }),
    );
    expect(text).toContain('- **kafka**: mvn failed');
    expect(text).not.toContain('more');
    expect(text).not.toContain('## End to end');
  });
});

describe('the charts', () => {
  it('picks round ticks', () => {
    expect(niceTicks(0, 9.2)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(niceTicks(0, 4_700)).toEqual([0, 1_000, 2_000, 3_000, 4_000, 5_000]);
    expect(formatTick(25_000)).toBe('25k');
    expect(formatTick(2_500_000)).toBe('2.5M');
    expect(formatTick(0.5)).toBe('0.5');
  });

  it('draws one path per run of finite points, a legend, markers and the threshold, escaping text', () => {
    const svg = renderChart({
      title: 'A <title>',
      xLabel: 'x',
      yLabel: 'y',
      series: [
        {
          label: 'a & b',
          color: '#000',
          points: [
            { x: 0, y: 1 },
            { x: 1, y: 2 },
            { x: 2, y: Number.NaN },
            { x: 3, y: 4 },
            { x: 4, y: 5 },
          ],
        },
      ],
      markers: [{ x: 2, label: 'step' }],
      threshold: { y: 3, label: 'target' },
    });
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('A &lt;title&gt;');
    expect(svg).toContain('a &amp; b');
    expect(svg.match(/<path /g)).toHaveLength(2);
    expect(svg).toContain('>step</text>');
    expect(svg).toContain('>target</text>');
  });

  it('makes the latency, throughput, lag and ramp plots of a run', () => {
    const plots = endToEndPlots(endToEnd());
    expect(plots.map((plot) => plot.file)).toEqual(['latency.png', 'throughput.png', 'lag.png', 'ramp.png']);
    expect(plots[2]?.svg).toContain('>aggregator</text>');
    const noRamp = endToEndPlots(endToEnd({ ramp: { steps: [], highestSustained: null } }));
    expect(noRamp.map((plot) => plot.file)).not.toContain('ramp.png');
  });
});
