import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { faultProfile } from './profile.js';

/** Where each fault test leaves what it measured; `render-report.ts` turns them into docs/reliability.md. */
export const resultsDir = fileURLToPath(new URL('../../../test-results/faults/', import.meta.url));

export interface ResultTable {
  title: string;
  columns: string[];
  rows: (string | number)[][];
}

export interface FaultResult {
  /** Item number of issue #12 (1..8). */
  item: number;
  title: string;
  /** What was done, in one or two sentences. */
  method: string;
  /** Every figure measured, by name: counts, milliseconds, bytes. */
  figures: Record<string, number | string | boolean>;
  tables?: ResultTable[];
  /** Whether every assertion of the test held (written last, after the assertions). */
  passed: boolean;
}

/** Writes one test's result as JSON, stamped with the profile and the time. */
export function writeResult(id: string, result: FaultResult): void {
  mkdirSync(resultsDir, { recursive: true });
  const stamped = { id, profile: faultProfile().name, measuredAt: new Date().toISOString(), ...result };
  writeFileSync(`${resultsDir}${id}.json`, `${JSON.stringify(stamped, null, 2)}\n`);
}

type ClassCounts = Map<string, { executions: number; errors: number }>;

/** The table every exactly-once test shows: per class, what got a 202, the rows and the aggregate's totals. */
export function perClassTable(
  acknowledged: ClassCounts,
  rows: ClassCounts,
  totals: ClassCounts,
): ResultTable {
  const pair = (counts: { executions: number; errors: number } | undefined) =>
    `${counts?.executions} / ${counts?.errors}`;
  return {
    title: 'Per class: acknowledged, rows in PostgreSQL, aggregate totals',
    columns: ['class', 'acknowledged (exec / err)', 'rows (exec / err)', 'aggregate (exec / err)'],
    rows: [...acknowledged].map(([classId, counts]) => [
      classId,
      pair(counts),
      pair(rows.get(classId)),
      pair(totals.get(classId)),
    ]),
  };
}
