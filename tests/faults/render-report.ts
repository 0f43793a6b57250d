/**
 * Renders docs/reliability.md from what the fault tests measured (test-results/faults/*.json).
 * Run after `npm run test:faults`: `npx tsx tests/faults/render-report.ts`.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { profiles } from './support/profile.js';
import type { FaultResult } from './support/results.js';

type Stamped = FaultResult & { id: string; profile: string; measuredAt: string };

const root = fileURLToPath(new URL('../../', import.meta.url));
const resultsDir = `${root}test-results/faults/`;
const target = `${root}docs/reliability.md`;

const items: Record<number, string> = {
  1: 'Broker restart under load',
  2: 'A three-broker cluster',
  3: 'Apps killed',
  4: 'Dependencies down',
  5: 'Poison records',
  6: 'Hostile input to ingest',
  7: 'Auth matrix',
  8: 'Soak',
};

function profileTable(): string {
  const seconds = (ms: number) => (ms >= 60_000 ? `${ms / 60_000} min` : `${ms / 1000} s`);
  return table(
    [
      'profile',
      'load (events/s)',
      'kills per app',
      'broker down',
      'PostgreSQL / InfluxDB down',
      'poison records',
      'hostile requests',
      'soak',
    ],
    Object.values(profiles).map((p) => [
      `\`${p.name}\``,
      p.loadRate,
      p.killsPerApp,
      seconds(p.brokerDownMs),
      `${seconds(p.dependencyDownMs)} each`,
      p.poisonRecords,
      p.hostileRequests,
      seconds(p.soakMs),
    ]),
  );
}

const cell = (value: unknown) => String(value).replaceAll('|', '\\|').replaceAll('\n', ' ');

function table(columns: string[], rows: (string | number)[][]): string {
  return [
    `| ${columns.map(cell).join(' | ')} |`,
    `| ${columns.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${row.map(cell).join(' | ')} |`),
  ].join('\n');
}

function section(result: Stamped): string {
  const lines = [
    `## ${result.item}. ${result.title}`,
    '',
    `**${result.passed ? 'Passed' : 'FAILED'}** · profile \`${result.profile}\` · measured ${result.measuredAt} · \`tests/faults/${result.id.replace(/^\d+-/, '')}.test.ts\``,
    '',
    result.method,
    '',
    table(
      ['figure', 'value'],
      Object.entries(result.figures).map(([name, value]) => [name, String(value)]),
    ),
  ];
  for (const extra of result.tables ?? [])
    lines.push('', `**${extra.title}**`, '', table(extra.columns, extra.rows));
  return lines.join('\n');
}

const results: Stamped[] = existsSync(resultsDir)
  ? readdirSync(resultsDir)
      .filter((name) => name.endsWith('.json'))
      .map((name) => JSON.parse(readFileSync(`${resultsDir}${name}`, 'utf8')) as Stamped)
      .sort((a, b) => a.item - b.item)
  : [];
const measured = new Set(results.map((result) => result.item));

const doc = `# Reliability and security

What Cellstream promises a school's IT department, each promise a test under \`tests/faults/\`
that measures it. This page is generated from the last run's figures
(\`test-results/faults/*.json\`) by \`npx tsx tests/faults/render-report.ts\`; do not edit it by hand.

## How to run

\`\`\`sh
npm run test:faults                      # the CI form (short outages, fewer kills and requests)
FAULTS_PROFILE=full npm run test:faults  # the full form: the durations and counts of issue #12
npx tsx tests/faults/render-report.ts    # rewrite this page from the figures
\`\`\`

The tests kill brokers and apps and stop databases: run them only against a stack of your own
(\`npm test\` runs them last, one file at a time). Each test runs lms-api, ingest, the persister, the
aggregator and realtime as separate processes with a database, a bucket, topics and groups of its
own, drives them with real students' tokens, and leaves the stack healthy when it ends. Timings
come from a shared two-core machine and are noisy; counts are exact.

${profileTable()}

## Summary

${table(
  ['#', 'promise', 'result'],
  Object.entries(items).map(([item, title]) => {
    const result = results.find((r) => r.item === Number(item));
    return [
      item,
      title,
      result ? `${result.passed ? 'passed' : '**failed**'} (${result.profile})` : 'not measured in this run',
    ];
  }),
)}

${results.map(section).join('\n\n')}
${
  [...Object.keys(items)].filter((item) => !measured.has(Number(item))).length > 0
    ? `\n## Not measured in this run\n\n${Object.entries(items)
        .filter(([item]) => !measured.has(Number(item)))
        .map(([item, title]) => `- ${item}. ${title}`)
        .join('\n')}\n`
    : ''
}`;

writeFileSync(target, doc);
process.stdout.write(`wrote ${target} from ${results.length} results\n`);
