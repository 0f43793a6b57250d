import { createKafka, createLogger, createMetricsRegistry, loadConfig } from '@cellstream/shared';
import { buildRegistryApp } from './app.js';
import { registryConfigSchema } from './config.js';
import { KafkaRegistryStore } from './kafka-store.js';

/** The registry process: `node apps/registry/dist/main.js`. */
const config = loadConfig(registryConfigSchema);
const logger = createLogger('registry', config.LOG_LEVEL);
const kafka = createKafka({
  brokers: config.KAFKA_BROKERS,
  clientId: `${config.KAFKA_CLIENT_ID}-registry`,
  logger,
});
const store = new KafkaRegistryStore({
  kafka,
  topic: config.REGISTRY_TOPIC,
  logger,
  writeTimeoutMs: config.REGISTRY_REQUEST_TIMEOUT_MS,
});
const app = buildRegistryApp({
  store,
  logger,
  metrics: createMetricsRegistry('registry'),
  requestTimeoutMs: config.REGISTRY_REQUEST_TIMEOUT_MS,
});

// Listen at once so /health answers; /ready and the API wait until the log is loaded.
void store.start();
await app.listen({ host: config.REGISTRY_HOST, port: config.REGISTRY_PORT });
logger.info({ topic: config.REGISTRY_TOPIC, brokers: config.KAFKA_BROKERS }, 'schema registry listening');

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down');
  const force = setTimeout(() => {
    logger.error({ timeoutMs: config.SHUTDOWN_TIMEOUT_MS }, 'shutdown took too long; exiting');
    process.exit(1);
  }, config.SHUTDOWN_TIMEOUT_MS);
  force.unref();
  try {
    await app.close(); // stops accepting, lets in-flight requests finish
    await store.close();
    logger.info('stopped');
    process.exit(0);
  } catch (error) {
    logger.error({ err: error }, 'shutdown failed');
    process.exit(1);
  }
}

process.once('SIGTERM', () => void shutdown('SIGTERM'));
process.once('SIGINT', () => void shutdown('SIGINT'));
