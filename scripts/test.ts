/**
 * `npm test`: the whole suite, as CI runs it. Builds, typechecks and lints every workspace,
 * runs the schema compatibility gate, makes sure the local stack is up (provisioning it on a
 * fresh machine), runs every workspace's tests in one vitest run, then the suites that break the
 * stack on purpose (reliability, operations) one file at a time, and prints one closing line:
 * `tests: N passed, N failed, N skipped`.
 *
 * `--serial-only <path>` (used by `npm run test:faults`) skips the main run and runs only the
 * serial suites under `<path>`. Any other arguments go to vitest.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const env = { ...process.env, TURBO_TELEMETRY_DISABLED: '1', FORCE_COLOR: process.env.CI ? '0' : '1' };

interface Totals {
  passed: number;
  failed: number;
  skipped: number;
}

function run(title: string, command: string, args: string[]): number {
  process.stderr.write(`\n[test] ${title}\n`);
  const started = Date.now();
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env });
  process.stderr.write(`[test] ${title}: ${result.status === 0 ? 'ok' : 'FAILED'} in ${seconds(started)}\n`);
  return result.status ?? 1;
}

const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

/** One vitest run with a JSON report; a run that leaves no report counts as one failure. */
function vitestRun(title: string, reportName: string, args: string[]): { status: number; totals: Totals } {
  mkdirSync(`${root}test-results`, { recursive: true });
  const reportFile = `test-results/${reportName}.json`;
  rmSync(`${root}${reportFile}`, { force: true });
  const status = run(title, 'npx', [
    'vitest',
    'run',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${reportFile}`,
    ...args,
  ]);
  try {
    const report = JSON.parse(readFileSync(`${root}${reportFile}`, 'utf8')) as Record<string, number>;
    const totals = {
      passed: report.numPassedTests ?? 0,
      failed: report.numFailedTests ?? 0,
      skipped: (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0),
    };
    // A file that fails to load has no failed test but fails the run: still a failure.
    if (status !== 0 && totals.failed === 0) totals.failed = 1;
    return { status, totals };
  } catch {
    return { status: status === 0 ? 1 : status, totals: { passed: 0, failed: 1, skipped: 0 } };
  }
}

function gates(): number {
  const rootScripts = JSON.parse(readFileSync(`${root}package.json`, 'utf8')).scripts as Record<
    string,
    string
  >;
  const steps: [string, string, string[]][] = [
    [
      'build, typecheck, lint',
      'npx',
      ['turbo', 'run', 'build', 'typecheck', 'lint', '--output-logs=errors-only'],
    ],
    ...(rootScripts['schemas:check']
      ? [
          ['schema compatibility gate', 'npm', ['run', '--silent', 'schemas:check']] as [
            string,
            string,
            string[],
          ],
        ]
      : []),
    // The JupyterLab extension is not a workspace (its own lock file), so turbo does not see it.
    [
      'extension: typecheck, lint',
      'sh',
      [
        '-c',
        'npx tsc --noEmit -p extension && npx tsc --noEmit -p extension/ui-tests && npx biome check extension',
      ],
    ],
    ['local stack up', 'npm', ['run', '--silent', 'stack', '--', 'up']],
  ];
  for (const [title, command, args] of steps) {
    const status = run(title, command, args);
    if (status !== 0) return status;
  }
  return 0;
}

function main(): number {
  const started = Date.now();
  const argv = process.argv.slice(2);
  const serialOnlyAt = argv.indexOf('--serial-only');
  const serialOnly = serialOnlyAt >= 0 ? (argv[serialOnlyAt + 1] ?? 'tests') : null;
  const vitestArgs =
    serialOnlyAt >= 0 ? argv.filter((_, i) => i !== serialOnlyAt && i !== serialOnlyAt + 1) : argv;

  const gateStatus = gates();
  if (gateStatus !== 0) return gateStatus;

  const runs =
    serialOnly === null
      ? [
          vitestRun('tests', 'vitest', vitestArgs),
          vitestRun('serial tests (faults, operations)', 'vitest-serial', [
            '--config',
            'vitest.serial.config.ts',
            '--passWithNoTests',
          ]),
        ]
      : [
          vitestRun(`serial tests under ${serialOnly}`, 'vitest-serial', [
            '--config',
            'vitest.serial.config.ts',
            ...(serialOnly === 'tests' ? [] : [serialOnly.replace(/^tests\//, '')]),
            ...vitestArgs,
          ]),
        ];
  const totals = runs.reduce(
    (sum, { totals: t }) => ({
      passed: sum.passed + t.passed,
      failed: sum.failed + t.failed,
      skipped: sum.skipped + t.skipped,
    }),
    { passed: 0, failed: 0, skipped: 0 },
  );
  process.stdout.write(`\n[test] whole suite in ${seconds(started)}\n`);
  process.stdout.write(
    `tests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped\n`,
  );
  return runs.find((r) => r.status !== 0)?.status ?? 0;
}

process.exit(main());
