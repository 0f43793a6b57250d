import type { EndToEndResult } from '../e2e/run.js';
import { type ChartSpec, renderChart } from './svg-chart.js';

export interface Plot {
  /** File name under docs/bench/. */
  file: string;
  title: string;
  svg: string;
}

const palette = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#17becf'];

/** The report's plots of an end-to-end run: latency over time, throughput, lag per group, the ramp. */
export function endToEndPlots(e2e: EndToEndResult): Plot[] {
  const markers = [
    { x: e2e.fixed.windowSeconds[0], label: 'warm-up ends' },
    { x: e2e.fixed.windowSeconds[1], label: 'fixed load ends' },
    ...e2e.series.rampMarks.slice(1).map((mark) => ({ x: mark.t, label: `${mark.rate}/s` })),
  ];
  const latency = e2e.series.latency;
  const throughput = e2e.series.throughput;
  const groups = [...new Set(e2e.series.lag.flatMap((point) => Object.keys(point.lag)))];
  const specs: (ChartSpec & { file: string })[] = [
    {
      file: 'latency.png',
      title: 'Latency over time (per interval)',
      xLabel: 'seconds since sending began',
      yLabel: 'milliseconds (log scale)',
      logY: true,
      markers,
      threshold: { y: 1000, label: 'dashboard target p99 < 1 s' },
      series: [
        {
          label: 'dashboard p50, from the post',
          color: palette[0] as string,
          points: latency.map((p) => ({ x: p.t, y: p.dashboardP50 })),
        },
        {
          label: 'dashboard p99, from the post',
          color: palette[1] as string,
          points: latency.map((p) => ({ x: p.t, y: p.dashboardP99 })),
        },
        {
          label: 'dashboard p99, from eventTime',
          color: palette[4] as string,
          dashed: true,
          points: latency.map((p) => ({ x: p.t, y: p.dashboardFromEventP99 })),
        },
        {
          label: 'PostgreSQL p99, from the post',
          color: palette[2] as string,
          points: latency.map((p) => ({ x: p.t, y: p.pgP99 })),
        },
      ],
    },
    {
      file: 'throughput.png',
      title: 'Throughput',
      xLabel: 'seconds since sending began',
      yLabel: 'per second',
      markers,
      series: [
        {
          label: 'offered (events/s)',
          color: '#555555',
          dashed: true,
          points: throughput.map((p) => ({ x: p.t, y: p.offered })),
        },
        {
          label: 'accepted by ingest',
          color: palette[0] as string,
          points: throughput.map((p) => ({ x: p.t, y: p.accepted })),
        },
        {
          label: 'into Kafka',
          color: palette[1] as string,
          points: throughput.map((p) => ({ x: p.t, y: p.kafka })),
        },
        {
          label: 'PostgreSQL rows',
          color: palette[2] as string,
          points: throughput.map((p) => ({ x: p.t, y: p.pgRows })),
        },
        {
          label: 'dashboard updates',
          color: palette[4] as string,
          points: throughput.map((p) => ({ x: p.t, y: p.dashboardUpdates })),
        },
      ],
    },
    {
      file: 'lag.png',
      title: 'Consumer lag per group (records behind the events topic)',
      xLabel: 'seconds since sending began',
      yLabel: 'records',
      markers,
      series: groups.map((group, index) => ({
        label: group,
        color: palette[index % palette.length] as string,
        points: e2e.series.lag.map((point) => ({ x: point.t, y: point.lag[group] ?? Number.NaN })),
      })),
    },
  ];
  if (e2e.ramp.steps.length > 0) {
    specs.push({
      file: 'ramp.png',
      title: 'Ramp: offered and accepted load per step',
      xLabel: 'step',
      yLabel: 'events per second',
      series: [
        {
          label: 'offered',
          color: '#555555',
          dashed: true,
          points: e2e.ramp.steps.map((s, i) => ({ x: i + 1, y: s.offered })),
        },
        {
          label: 'accepted by ingest',
          color: palette[0] as string,
          points: e2e.ramp.steps.map((s, i) => ({ x: i + 1, y: s.achieved })),
        },
      ],
      ...(e2e.ramp.highestSustained === null
        ? {}
        : {
            threshold: {
              y: e2e.ramp.highestSustained,
              label: `highest sustained ${e2e.ramp.highestSustained}/s`,
            },
          }),
    });
  }
  return specs.map(({ file, ...spec }) => ({ file, title: spec.title, svg: renderChart(spec) }));
}
