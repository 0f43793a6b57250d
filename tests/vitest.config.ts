import { cellstreamProject } from '../vitest.shared.js';

/**
 * Integration tests that share the stack with every other project. The suites that break the
 * stack on purpose (`faults/`, `ops/`) run alone, afterwards: see `vitest.serial.config.ts`.
 */
export default cellstreamProject('integration', {
  needsStack: true,
  overrides: { test: { exclude: ['faults/**', 'ops/**'] } },
});
