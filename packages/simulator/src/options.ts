import { randomInt } from 'node:crypto';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { SimulatorError } from './errors.js';
import type { SimulationOptions } from './simulator.js';

export const usage = `Usage: npm run simulate -- [flags]

Creates classes and students through lms-api, then simulates the students working through a
notebook, posting their events to ingest as the JupyterLab extension does.

  --classes C             classes to create (default 1)
  --students S            students in all, spread over the classes (default 20; --demo: at most 8)
  --rate R                events per second, all students together (default 20)
  --duration D            seconds; 0 runs until Ctrl-C (default 60)
  --lms URL               lms-api (default http://127.0.0.1:8001)
  --ingest URL            ingest (default http://127.0.0.1:8000)
  --admin-user NAME       admin who creates the classes (default $ADMIN_USERNAME, else admin)
  --admin-password PW     (default $ADMIN_PASSWORD, else cellstream-admin)
  --class-code-prefix P   class codes P-001..., userIds p-001-0001... (default SIM)
  --seed N                seed of the students' behaviour (default: random, printed)
  --demo                  use lms-api's demo class PY101 and demo-student-01..08 (SEED_DEMO=true)
  --stuck-share X         share of students who get stuck on a hard cell (default 0.1)
  --error-rate X          chance an ordinary cell fails (default 0.08)
  --max-in-flight N       requests to ingest in flight at once (default 64)
  --flush-interval MS     a student's buffer is posted once its oldest event is this old (default 1000)
  --json                  print the summary as JSON on stdout
  --help                  this text

Ctrl-C ends every session cleanly and sends what is left; a second Ctrl-C stops at once.`;

const finite = (what: string) => z.coerce.number({ error: `${what} must be a number` }).finite();

const schema = z.object({
  classes: finite('--classes').int().min(1).max(100_000).default(1),
  students: finite('--students').int().min(1).max(1_000_000).optional(),
  rate: finite('--rate').positive().max(1_000_000).default(20),
  duration: finite('--duration').min(0).default(60),
  lms: z.url().default('http://127.0.0.1:8001'),
  ingest: z.url().default('http://127.0.0.1:8000'),
  'admin-user': z.string().min(1).optional(),
  'admin-password': z.string().min(1).optional(),
  'class-code-prefix': z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,40}$/, '--class-code-prefix: letters, digits, _ . - (at most 41)')
    .default('SIM'),
  seed: z.string().min(1).optional(),
  demo: z.boolean().default(false),
  'stuck-share': finite('--stuck-share').min(0).max(1).optional(),
  'error-rate': finite('--error-rate').min(0).max(1).optional(),
  'max-in-flight': finite('--max-in-flight').int().min(1).max(10_000).optional(),
  'flush-interval': finite('--flush-interval').int().min(0).max(600_000).optional(),
  json: z.boolean().default(false),
  help: z.boolean().default(false),
});

export interface CliOptions {
  simulation: SimulationOptions;
  json: boolean;
  help: boolean;
}

/** Parses the command line; admin credentials default from ADMIN_USERNAME / ADMIN_PASSWORD. */
export function parseCliOptions(
  argv: readonly string[],
  env: Record<string, string | undefined>,
): CliOptions {
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        classes: { type: 'string' },
        students: { type: 'string' },
        rate: { type: 'string' },
        duration: { type: 'string' },
        lms: { type: 'string' },
        ingest: { type: 'string' },
        'admin-user': { type: 'string' },
        'admin-password': { type: 'string' },
        'class-code-prefix': { type: 'string' },
        seed: { type: 'string' },
        demo: { type: 'boolean' },
        'stuck-share': { type: 'string' },
        'error-rate': { type: 'string' },
        'max-in-flight': { type: 'string' },
        'flush-interval': { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new SimulatorError('SIM_OPTIONS_INVALID', (error as Error).message, { cause: error });
  }
  const parsed = schema.safeParse(values);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `--${issue.path.join('.')}: ${issue.message}`);
    throw new SimulatorError('SIM_OPTIONS_INVALID', problems.join('; '));
  }
  const flags = parsed.data;
  const behaviour = {
    ...(flags['stuck-share'] === undefined ? {} : { stuckShare: flags['stuck-share'] }),
    ...(flags['error-rate'] === undefined ? {} : { errorRate: flags['error-rate'] }),
  };
  return {
    json: flags.json,
    help: flags.help,
    simulation: {
      classes: flags.demo ? 1 : flags.classes,
      students: flags.students ?? (flags.demo ? 8 : 20),
      rate: flags.rate,
      durationSeconds: flags.duration,
      lmsUrl: flags.lms,
      ingestUrl: flags.ingest,
      adminUser: flags['admin-user'] ?? env.ADMIN_USERNAME ?? 'admin',
      adminPassword: flags['admin-password'] ?? env.ADMIN_PASSWORD ?? 'cellstream-admin',
      classCodePrefix: flags['class-code-prefix'],
      seed: flags.seed ?? String(randomInt(1, 2 ** 31)),
      demo: flags.demo,
      behaviour,
      ...(flags['max-in-flight'] === undefined ? {} : { maxInFlight: flags['max-in-flight'] }),
      ...(flags['flush-interval'] === undefined ? {} : { flushIntervalMs: flags['flush-interval'] }),
    },
  };
}
