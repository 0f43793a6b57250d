import { cellstreamProject } from '../../vitest.shared.js';

export default cellstreamProject('simulator', { needsStack: true });
