import { cellstreamProject } from '../vitest.shared.js';

/**
 * Unit tests of the extension's logic (src/**\/*.test.ts: delivery, outbox, events, config;
 * no JupyterLab, no browser). The end-to-end test against a real JupyterLab (ui-tests/) stops
 * ingest, so it runs in the serial phase: see the root vitest.serial.config.ts.
 */
const project = cellstreamProject('extension');
// Replaced, not merged: the shared include list would take in ui-tests/ too.
project.test = { ...project.test, include: ['src/**/*.test.ts'] };

export default project;
