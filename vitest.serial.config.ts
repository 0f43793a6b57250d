import { defineConfig } from 'vitest/config';
import { cellstreamProject } from './vitest.shared.js';

/**
 * The suites that stop brokers, kill apps and break the stack on purpose: `tests/faults` (the
 * reliability suite) and `tests/ops` (doctor, lag, DLQ tools). They cannot share the stack with
 * other tests, so `npm test` runs them after the main run, one file at a time.
 */
const serial = cellstreamProject('serial', {
  needsStack: true,
  overrides: {
    root: './tests',
    test: { fileParallelism: false, testTimeout: 600_000, hookTimeout: 300_000 },
  },
});
// Replaced, not merged: the shared include list would take in every test under tests/.
serial.test = { ...serial.test, include: ['faults/**/*.test.ts', 'ops/**/*.test.ts'] };

export default defineConfig({ test: { projects: [serial] } });
