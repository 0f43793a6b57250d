import { cellstreamProject } from '../../vitest.shared.js';

export default cellstreamProject('aggregator', { needsStack: true });
