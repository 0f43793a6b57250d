import { parseArgs } from 'node:util';
import { type Phase, phases } from './results.js';

export const usage = `Usage: npm run bench -- [flags]

Runs the component benchmarks, Kafka's own producer benchmark and the end-to-end run with its
ramp against the local stack (npm run stack -- up first), then writes docs/benchmarks.md,
docs/bench/results.json and the PNG plots. Run the full default on a quiet machine.

  --quick                 a short form of everything (about 5-10 minutes), for checking
  --only LIST             phases to run, comma list of components, kafka, e2e (default all)
  --rate R                offered events/s at the fixed load (default 5000; quick 300)
  --students S            simulated students (default 10000; quick 600)
  --classes C             classes, one dashboard each (default 250; quick 15)
  --duration D            seconds measured at the fixed load (default 300; quick 20)
  --warmup W              seconds before measuring (default 30; quick 5)
  --flush-interval MS     the simulated extension's flush interval (default 1000)
  --max-in-flight N       requests to ingest open at once, all simulated browsers together (default 256)
  --ramp-start R          first step of the ramp, events/s (default rate/4; quick rate)
  --ramp-factor F         each step multiplies the rate by F (default 1.5; quick 2)
  --ramp-step S           seconds per step (default 60; quick 15)
  --ramp-steps N          at most N steps (default 8; quick 3)
  --no-ramp               skip the ramp
  --kafka-records N       records of Kafka's producer benchmark at full speed (default 2000000; quick 100000)
  --seed N                the simulated classroom's seed (default 1)
  --out DIR               where benchmarks.md and bench/ go (default the repository's docs/)
  --keep                  keep the run's database, bucket and topics
  --render                only rewrite benchmarks.md from the last run's bench/results.json
  --help                  this text`;

export interface BenchOptions {
  mode: 'quick' | 'full';
  phases: Phase[];
  rate: number;
  students: number;
  classes: number;
  durationSeconds: number;
  warmupSeconds: number;
  flushIntervalMs: number;
  maxInFlight: number;
  ramp: { enabled: boolean; start: number; factor: number; stepSeconds: number; maxSteps: number };
  kafkaRecords: number;
  /** Records of the producer benchmark at the fixed rate: about this many seconds of it. */
  kafkaAtRateSeconds: number;
  seed: string;
  outDir: string | undefined;
  keep: boolean;
  /** Only re-render benchmarks.md from the last results.json (after a change to the report). */
  render: boolean;
  help: boolean;
}

export class OptionsError extends Error {
  readonly code = 'BENCH_OPTIONS_INVALID';
}

function positive(flag: string, raw: string | undefined, fallback: number, integer = true): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new OptionsError(`--${flag} must be a positive ${integer ? 'integer' : 'number'}, got "${raw}"`);
  }
  return value;
}

export function parseBenchOptions(argv: readonly string[]): BenchOptions {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        quick: { type: 'boolean' },
        only: { type: 'string' },
        rate: { type: 'string' },
        students: { type: 'string' },
        classes: { type: 'string' },
        duration: { type: 'string' },
        warmup: { type: 'string' },
        'flush-interval': { type: 'string' },
        'max-in-flight': { type: 'string' },
        'ramp-start': { type: 'string' },
        'ramp-factor': { type: 'string' },
        'ramp-step': { type: 'string' },
        'ramp-steps': { type: 'string' },
        'no-ramp': { type: 'boolean' },
        'kafka-records': { type: 'string' },
        seed: { type: 'string' },
        out: { type: 'string' },
        keep: { type: 'boolean' },
        render: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new OptionsError((error as Error).message);
  }
  const quick = values.quick === true;
  const str = (name: string) => values[name] as string | undefined;
  const only = str('only');
  const selected =
    only === undefined
      ? [...phases]
      : only
          .split(',')
          .map((item) => item.trim())
          .filter(Boolean);
  const unknown = selected.filter((item) => !(phases as readonly string[]).includes(item));
  if (unknown.length > 0 || selected.length === 0) {
    throw new OptionsError(`--only takes a comma list of ${phases.join(', ')}; got "${only}"`);
  }
  const rate = positive('rate', str('rate'), quick ? 300 : 5_000);
  const students = positive('students', str('students'), quick ? 600 : 10_000);
  const classes = positive('classes', str('classes'), quick ? 15 : 250);
  if (classes > students) throw new OptionsError('--classes must not exceed --students');
  const flush = str('flush-interval');
  const flushIntervalMs = flush === undefined ? 1_000 : Number(flush);
  if (!Number.isInteger(flushIntervalMs) || flushIntervalMs < 0) {
    throw new OptionsError(`--flush-interval must be a whole number of milliseconds, got "${flush}"`);
  }
  const factor = positive('ramp-factor', str('ramp-factor'), quick ? 2 : 1.5, false);
  if (factor <= 1) throw new OptionsError('--ramp-factor must be above 1');
  return {
    mode: quick ? 'quick' : 'full',
    // Always in this order: the component benchmarks and Kafka's first, the long end-to-end run last.
    phases: phases.filter((phase) => selected.includes(phase)),
    rate,
    students,
    classes,
    durationSeconds: positive('duration', str('duration'), quick ? 20 : 300),
    warmupSeconds: positive('warmup', str('warmup'), quick ? 5 : 30),
    flushIntervalMs,
    maxInFlight: positive('max-in-flight', str('max-in-flight'), 256),
    ramp: {
      enabled: values['no-ramp'] !== true,
      start: positive('ramp-start', str('ramp-start'), quick ? rate : Math.max(1, Math.round(rate / 4))),
      factor,
      stepSeconds: positive('ramp-step', str('ramp-step'), quick ? 15 : 60),
      maxSteps: positive('ramp-steps', str('ramp-steps'), quick ? 3 : 8),
    },
    kafkaRecords: positive('kafka-records', str('kafka-records'), quick ? 100_000 : 2_000_000),
    kafkaAtRateSeconds: quick ? 10 : 30,
    seed: str('seed') ?? '1',
    outDir: str('out'),
    keep: values.keep === true,
    render: values.render === true,
    help: values.help === true,
  };
}

/** The command as a reader would retype it: `--out` (a path on this machine) left out. */
export function commandLine(argv: readonly string[]): string {
  const kept: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--out') i++;
    else if (!arg.startsWith('--out=')) kept.push(arg);
  }
  return ['npm run bench', ...(kept.length > 0 ? ['--', ...kept] : [])].join(' ');
}
