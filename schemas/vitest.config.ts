import { cellstreamProject } from '../vitest.shared.js';

// Unit tests need nothing running; the ensureTopics test needs only Kafka (KAFKA_BROKERS): no global setup.
export default cellstreamProject('schemas');
