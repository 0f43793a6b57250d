import { cellstreamProject } from '../vitest.shared.js';

// Unit tests of the pure parts (statistics, parsing, report rendering); the benchmark itself is `npm run bench`.
export default cellstreamProject('bench');
