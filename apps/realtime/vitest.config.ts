import { cellstreamProject } from '../../vitest.shared.js';

export default cellstreamProject('realtime', { needsStack: true });
