import { createLogger, onShutdown } from '@cellstream/shared';
import { loadAggregatorConfig } from './config.js';
import { type RunningAggregator, startAggregator } from './start.js';

/** The aggregator process: `node apps/aggregator/dist/main.js` (the stack CLI sets AGGREGATOR_PORT). */
const config = loadAggregatorConfig();
const logger = createLogger('aggregator', config.LOG_LEVEL);

let running: RunningAggregator;
try {
  running = await startAggregator(config, { logger });
} catch (error) {
  logger.fatal({ err: error }, 'the aggregator could not start');
  process.exit(1);
}
logger.info(
  {
    port: running.ops?.port,
    group: config.AGGREGATOR_GROUP_ID,
    input: config.EVENTS_TOPIC,
    changelog: config.AGGREGATOR_STATE_TOPIC,
    emitIntervalMs: config.EMIT_INTERVAL_MS,
  },
  'aggregator running',
);

// SIGTERM/SIGINT: commit what is pending, leave the group, close the producers and the ops server.
onShutdown(logger, config.SHUTDOWN_TIMEOUT_MS, () => running.close());
