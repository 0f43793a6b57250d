import { createLogger, onShutdown } from '@cellstream/shared';
import { startRealtime } from './app.js';
import { loadRealtimeConfig } from './config.js';

/** The realtime process: `node apps/realtime/dist/main.js` (the stack CLI sets REALTIME_PORT). */
const config = loadRealtimeConfig();
const logger = createLogger('realtime', config.LOG_LEVEL);

try {
  const running = await startRealtime(config, { logger });
  logger.info(
    {
      url: running.wsUrl,
      topics: [config.CLASS_AGGREGATES_TOPIC, config.STUDENT_STATUS_TOPIC, config.ALERTS_TOPIC],
      brokers: config.KAFKA_BROKERS,
    },
    'realtime listening; reading the topics',
  );
  // SIGTERM/SIGINT: stop accepting, close every socket with 1001 (clients reconnect elsewhere),
  // disconnect the consumer, exit; past SHUTDOWN_TIMEOUT_MS the process exits anyway.
  onShutdown(logger, config.SHUTDOWN_TIMEOUT_MS, () => running.close());
} catch (error) {
  logger.fatal({ err: error }, 'realtime could not start');
  process.exit(1);
}
