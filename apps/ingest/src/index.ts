export { buildIngestApp, type IngestAppDeps } from './app.js';
export { createAuthenticator } from './auth/authenticate.js';
export { type IngestConfig, ingestConfigSchema, loadIngestConfig } from './config.js';
export { errorCatalogue, IngestError, type IngestErrorCode } from './errors.js';
export { type DependencyState, type EventPublisher, KafkaEventPublisher } from './kafka/publisher.js';
export { type RunningIngest, startIngest } from './start.js';
