import { cellstreamProject } from '../../vitest.shared.js';

export default cellstreamProject('persister', { needsStack: true });
