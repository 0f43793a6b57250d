import { cellstreamProject } from '../../vitest.shared.js';

export default cellstreamProject('lms-api', { needsStack: true });
