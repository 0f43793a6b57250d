/**
 * `npm test`: the whole suite, as CI runs it. Builds, typechecks and lints every workspace,
 * runs the schema compatibility gate, makes sure the local stack is up (provisioning it on a
 * fresh machine), then runs every workspace's tests in one vitest run and prints one closing
 * line: `tests: N passed, N failed, N skipped`.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const reportFile = 'test-results/vitest.json';
const env = { ...process.env, TURBO_TELEMETRY_DISABLED: '1', FORCE_COLOR: process.env.CI ? '0' : '1' };

function run(title: string, command: string, args: string[]): number {
  process.stderr.write(`\n[test] ${title}\n`);
  const started = Date.now();
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env });
  process.stderr.write(`[test] ${title}: ${result.status === 0 ? 'ok' : 'FAILED'} in ${seconds(started)}\n`);
  return result.status ?? 1;
}

const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

function main(): number {
  const started = Date.now();
  const rootScripts = JSON.parse(readFileSync(`${root}package.json`, 'utf8')).scripts as Record<
    string,
    string
  >;
  const gates: [string, string, string[]][] = [
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
    ['local stack up', 'npm', ['run', '--silent', 'stack', '--', 'up']],
  ];
  for (const [title, command, args] of gates) {
    const status = run(title, command, args);
    if (status !== 0) return status;
  }

  mkdirSync(`${root}test-results`, { recursive: true });
  const status = run('tests', 'npx', [
    'vitest',
    'run',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${reportFile}`,
    ...process.argv.slice(2),
  ]);
  try {
    const report = JSON.parse(readFileSync(`${root}${reportFile}`, 'utf8')) as Record<string, number>;
    const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
    process.stdout.write(`\n[test] whole suite in ${seconds(started)}\n`);
    process.stdout.write(
      `tests: ${report.numPassedTests} passed, ${report.numFailedTests} failed, ${skipped} skipped\n`,
    );
  } catch {
    process.stdout.write('tests: 0 passed, 1 failed\n');
    return status === 0 ? 1 : status;
  }
  return status;
}

process.exit(main());
