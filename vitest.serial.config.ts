import { defineConfig } from 'vitest/config';
import { cellstreamProject } from './vitest.shared.js';

/**
 * The suites that stop brokers, kill apps and break the stack on purpose: `tests/faults` (the
 * reliability suite), `tests/ops` (doctor, lag, DLQ tools) and the JupyterLab extension's
 * end-to-end test (it stops ingest). They cannot share the stack with other tests, so
 * `npm test` runs them after the main run, one file at a time. The root is the repository's,
 * so paths below (and `--serial-only` filters such as `faults`) name files from there.
 */
const serial = cellstreamProject('serial', {
  needsStack: true,
  overrides: {
    test: { fileParallelism: false, testTimeout: 600_000, hookTimeout: 300_000 },
  },
});
// Replaced, not merged: the shared include list would take in every test of the repository.
serial.test = {
  ...serial.test,
  include: ['tests/faults/**/*.test.ts', 'tests/ops/**/*.test.ts', 'extension/ui-tests/**/*.e2e.test.ts'],
};

export default defineConfig({ test: { projects: [serial] } });
