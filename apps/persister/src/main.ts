import { createLogger, onShutdown } from '@cellstream/shared';
import { loadPersisterConfig } from './config.js';
import { type RunningPersister, startPersister } from './start.js';

/** The persister process: `node apps/persister/dist/main.js` (the stack CLI sets PERSISTER_PORT). */
const config = loadPersisterConfig();
const logger = createLogger('persister', config.LOG_LEVEL);

let running: RunningPersister;
try {
  running = await startPersister(config, { logger });
} catch (error) {
  logger.fatal({ err: error }, 'the persister could not start');
  process.exit(1);
}
logger.info(
  {
    port: running.ops?.port,
    groups: [...new Set(running.groups.map((group) => group.groupId))],
    input: config.EVENTS_TOPIC,
    dlq: config.EVENTS_DLQ_TOPIC,
  },
  'persister running',
);

// SIGTERM/SIGINT: finish and commit the batches in flight, leave the groups, close the pools.
onShutdown(logger, config.SHUTDOWN_TIMEOUT_MS, () => running.close());
