import { cellstreamProject } from '../../vitest.shared.js';

// The conformance tests need only Kafka (KAFKA_BROKERS), not the whole stack: no global setup.
export default cellstreamProject('registry');
