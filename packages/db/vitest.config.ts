import { cellstreamProject } from '../../vitest.shared.js';

export default cellstreamProject('db', { needsStack: true });
