import { cellstreamProject } from '../../vitest.shared.js';

/**
 * One project for the unit tests (src/**\/*.test.ts: pure logic, no DOM) and the browser test
 * (e2e/*.test.ts: the real apps in child processes and headless Chromium): the root config only
 * picks up apps/*\/vitest.config.ts. The browser test needs the stack, hence needsStack.
 */
export default cellstreamProject('dashboard', { needsStack: true });
