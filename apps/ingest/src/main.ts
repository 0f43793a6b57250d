import { createLogger } from '@cellstream/shared';
import { loadIngestConfig } from './config.js';
import { startIngest } from './start.js';

/** The ingest process: `node apps/ingest/dist/main.js` (the stack CLI sets INGEST_PORT). */
const config = loadIngestConfig();
const logger = createLogger('ingest', config.LOG_LEVEL);

let running: Awaited<ReturnType<typeof startIngest>>;
try {
  running = await startIngest(config, { logger });
  await running.app.listen({ host: config.INGEST_HOST, port: config.INGEST_PORT });
} catch (error) {
  logger.fatal({ err: error }, 'ingest could not start');
  process.exit(1);
}
logger.info(
  {
    host: config.INGEST_HOST,
    port: config.INGEST_PORT,
    topic: config.EVENTS_TOPIC,
    brokers: config.KAFKA_BROKERS,
  },
  'ingest listening',
);

let stopping = false;
/**
 * SIGTERM/SIGINT: stop accepting connections, let in-flight batches reach Kafka and be
 * answered, disconnect the producer, exit. Past SHUTDOWN_TIMEOUT_MS the process exits anyway.
 */
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
    await running.close();
    logger.info('stopped');
    process.exit(0);
  } catch (error) {
    logger.error({ err: error }, 'shutdown failed');
    process.exit(1);
  }
}

process.once('SIGTERM', () => void shutdown('SIGTERM'));
process.once('SIGINT', () => void shutdown('SIGINT'));
