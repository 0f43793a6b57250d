import type { CommandResult } from './run-command.js';

/** The component benchmarks of the other issues, run as they are, through their npm scripts. */
export const componentNames = ['ingest', 'persister', 'aggregator', 'realtime'] as const;
export type ComponentName = (typeof componentNames)[number];

/** Flags of each component's script in the short (`--quick`) and the full run. */
export const componentFlags: Record<ComponentName, { quick: string[]; full: string[] }> = {
  ingest: {
    quick: ['--duration', '5', '--warmup', '1', '--rate', '1000', '--clients', '8', '--rounds', '1'],
    full: [],
  },
  persister: { quick: ['--events', '20000'], full: [] },
  aggregator: {
    quick: ['--events', '20000', '--classes', '50', '--students', '20', '--rate', '500', '--seconds', '10'],
    full: [],
  },
  realtime: {
    quick: [
      '--clients',
      '250',
      '--classes',
      '25',
      '--rate',
      '200',
      '--duration',
      '5',
      '--warmup',
      '2',
      '--workers',
      '1',
    ],
    full: [],
  },
};

export interface ComponentResult {
  name: ComponentName;
  command: string;
  exitCode: number | null;
  timedOut: boolean;
  seconds: number;
  /** The script's result lines, verbatim: what the report quotes. */
  resultLines: string[];
  /** Headline numbers parsed where a line is machine-readable. */
  figures: Record<string, number>;
  /** Ingest's `JSON [...]` rows, when printed. */
  rows?: unknown[];
}

/** Lines that carry results, per component (each script prints progress too). */
const resultPatterns: Record<ComponentName, RegExp[]> = {
  ingest: [/^ingest \/ baseline/, /^p99 ack at/, /^ingest peak RSS/],
  persister: [/^store\s+consumer group/, /^(PostgreSQL|InfluxDB)\s{2,}/],
  aggregator: [/^throughput: /, /^latency: /],
  realtime: [
    /^(realtime|baseline)\b.*(p50|p99|delivered)/i,
    /^realtime record → publish/,
    /^kafka floor/,
    /^ratio realtime\/baseline/,
    /^targets /,
  ],
};

/** Strips ANSI colours and the labels npm and tsx may add. */
const ansi = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');
const clean = (line: string) => line.replace(ansi, '').trimEnd();

export function parseComponentOutput(name: ComponentName, result: CommandResult): ComponentResult {
  const lines = result.output.split('\n').map(clean);
  const resultLines = lines.filter((line) =>
    resultPatterns[name].some((pattern) => pattern.test(line.trim())),
  );
  const parsed: ComponentResult = {
    name,
    command: result.command,
    exitCode: result.exitCode,
    timedOut: result.timedOut,
    seconds: Math.round(result.seconds),
    resultLines: resultLines.map((line) => line.trim()),
    figures: {},
  };
  const json = lines.find((line) => line.startsWith('JSON '));
  if (json) {
    try {
      const rows = JSON.parse(json.slice(5)) as unknown;
      if (Array.isArray(rows)) parsed.rows = rows;
    } catch {
      // A truncated line: the verbatim lines still stand.
    }
  }
  parsed.figures = headlineFigures(name, parsed.resultLines);
  return parsed;
}

const number = (text: string | undefined) =>
  text === undefined ? undefined : Number(text.replaceAll(',', ''));

/** The few numbers the summary table shows; whatever a line does not say stays absent. */
export function headlineFigures(name: ComponentName, lines: readonly string[]): Record<string, number> {
  const figures: Record<string, number> = {};
  const set = (key: string, value: number | undefined) => {
    if (value !== undefined && Number.isFinite(value)) figures[key] = value;
  };
  const find = (pattern: RegExp) => {
    for (const line of lines) {
      const match = pattern.exec(line);
      if (match) return match;
    }
    return undefined;
  };
  switch (name) {
    case 'ingest':
      set('ratioPercent', number(find(/ingest \/ baseline events\/s: (\d+)%/)?.[1]));
      set('p99AckMs', number(find(/p99 ack at .*?: ([\d.]+) ms/)?.[1]));
      set('baselineP99AckMs', number(find(/bare producer at the same rate: ([\d.]+) ms/)?.[1]));
      set('peakRssMb', number(find(/peak RSS: (\d+) MB/)?.[1]));
      break;
    case 'persister':
      for (const line of lines) {
        const store = /^(PostgreSQL|InfluxDB)\b/.exec(line)?.[1];
        if (!store) continue;
        const rates = [...line.matchAll(/([\d,]+) events\/s/g)].map((m) => number(m[1]));
        const key = store === 'PostgreSQL' ? 'pg' : 'influx';
        set(`${key}EventsPerSecond`, rates[0]);
        set(`${key}BaselineEventsPerSecond`, rates[1]);
        set(`${key}RatioPercent`, number(/(\d+)\s*%/.exec(line.split(/\s{2,}/)[3] ?? '')?.[1]));
      }
      break;
    case 'aggregator':
      set('eventsPerSecond', number(find(/= ([\d,]+) events\/s/)?.[1]));
      set('p50Ms', number(find(/aggregate read .*p50 ([\d.]+) ms/)?.[1]));
      set('p99Ms', number(find(/aggregate read .*p99 ([\d.]+) ms/)?.[1]));
      break;
    case 'realtime': {
      set('p99Ms', number(find(/^realtime\s+clients.*?p99 ([\d.]+) ms/)?.[1]));
      set('baselineP99Ms', number(find(/^baseline\s+clients.*?p99 ([\d.]+) ms/)?.[1]));
      const ratio = find(/ratio realtime\/baseline: p50 ([\d.]+)\s+p99 ([\d.]+)\s+delivered ([\d.]+)/);
      set('p50Ratio', number(ratio?.[1]));
      set('p99Ratio', number(ratio?.[2]));
      set('deliveredRatio', number(ratio?.[3]));
      break;
    }
  }
  return figures;
}

/** One row of the report's component table: a figure, its baseline from the same script, the ratio. */
export interface ComponentRow {
  component: ComponentName;
  figure: string;
  value: string;
  baseline: string;
  ratio: string;
}

const fmt = (value: number | undefined, unit: string) =>
  value === undefined
    ? 'n/a'
    : `${Math.round(value * 10) / 10 >= 1000 ? Math.round(value).toLocaleString('en-US') : Math.round(value * 10) / 10} ${unit}`.trim();
const ratioOf = (a: number | undefined, b: number | undefined) =>
  a === undefined || b === undefined || b === 0 ? 'n/a' : `${(a / b).toFixed(2)}×`;

/** The headline figures of each component beside the baseline its own script measured. */
export function componentRows(components: readonly ComponentResult[]): ComponentRow[] {
  const rows: ComponentRow[] = [];
  for (const c of components) {
    const f = c.figures;
    const row = (
      figure: string,
      value: number | undefined,
      baseline: string,
      base: number | undefined,
      unit: string,
    ) =>
      rows.push({
        component: c.name,
        figure,
        value: fmt(value, unit),
        baseline: `${baseline}: ${fmt(base, unit)}`,
        ratio: ratioOf(value, base),
      });
    switch (c.name) {
      case 'ingest': {
        const rate = (phase: string) => {
          const found = c.rows?.find((r) => (r as Record<string, unknown>).phase === phase) as
            | Record<string, unknown>
            | undefined;
          return typeof found?.['events/s'] === 'number' ? (found['events/s'] as number) : undefined;
        };
        row(
          'events/s, closed loop',
          rate('ingest, closed loop'),
          'bare kafkajs producer',
          rate('baseline: bare kafkajs producer'),
          'events/s',
        );
        row('p99 ack at the offered rate', f.p99AckMs, 'bare producer, same rate', f.baselineP99AckMs, 'ms');
        break;
      }
      case 'persister':
        row(
          'PostgreSQL group',
          f.pgEventsPerSecond,
          'bare multi-row INSERT',
          f.pgBaselineEventsPerSecond,
          'events/s',
        );
        row(
          'InfluxDB group',
          f.influxEventsPerSecond,
          'bare line-protocol writes',
          f.influxBaselineEventsPerSecond,
          'events/s',
        );
        break;
      case 'aggregator':
        row('throughput, transactions on', f.eventsPerSecond, 'none printed', undefined, 'events/s');
        row('event → aggregate p99', f.p99Ms, 'none printed', undefined, 'ms');
        break;
      case 'realtime':
        row('record → dashboard p99', f.p99Ms, 'bare uWS fan-out', f.baselineP99Ms, 'ms');
        break;
    }
  }
  return rows;
}
