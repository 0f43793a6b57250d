import { cellstreamProject } from '../../vitest.shared.js';

export default cellstreamProject('ingest', { needsStack: true });
