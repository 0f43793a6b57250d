import { createDb, runMigrations } from '@cellstream/db';
import { createLogger, createMetricsRegistry } from '@cellstream/shared';
import { buildApp } from './app.js';
import { ensureAdmin } from './bootstrap.js';
import { loadLmsConfig } from './config.js';
import { createNotificationRelay } from './notifications/create-relay.js';
import { applyRetention } from './queries/privacy.js';
import { seedDemo } from './seed.js';
import { influxFromConfig } from './services/influx.js';

/** Reads config, migrates, ensures the first admin (and the demo when SEED_DEMO), listens; stops on SIGTERM/SIGINT. */
const config = loadLmsConfig();
const logger = createLogger('lms-api', config.LOG_LEVEL);
const RETENTION_INTERVAL_MS = 3_600_000;

async function main(): Promise<void> {
  await runMigrations(config.DATABASE_URL);
  logger.info('migrations applied');
  const { db, close } = createDb(config.DATABASE_URL);
  const admin = await ensureAdmin(db, config.ADMIN_USERNAME, config.ADMIN_PASSWORD);
  if (admin === 'created') logger.info({ username: config.ADMIN_USERNAME }, 'first admin created');
  if (config.SEED_DEMO) {
    const demo = await seedDemo(db);
    logger.info({ classId: demo.classId, students: demo.students.length }, 'demo data seeded');
  }

  // Publishes grades and system messages from the outbox to Kafka; it retries in the background,
  // so lms-api starts (and answers) while Kafka is down.
  const metrics = createMetricsRegistry('lms-api');
  const relay = config.NOTIFICATION_RELAY_ENABLED
    ? createNotificationRelay(config, db, logger, metrics)
    : undefined;
  relay?.start();
  if (!config.SIGNING_KEY_SECRET) {
    logger.warn('SIGNING_KEY_SECRET is not set: private signing keys are stored unsealed in PostgreSQL');
  }
  const influx = influxFromConfig(config);
  const app = await buildApp({ db, config, logger, relay, metrics, influx });
  const retention = setInterval(() => {
    applyRetention(db, influx)
      .then((results) => {
        if (results.length > 0) logger.info({ results }, 'retention applied');
      })
      .catch((error: unknown) => logger.warn({ err: error }, 'retention sweep failed; retrying next hour'));
  }, RETENTION_INTERVAL_MS);
  retention.unref();

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    clearInterval(retention);
    const deadline = setTimeout(() => {
      logger.error({ timeoutMs: config.SHUTDOWN_TIMEOUT_MS }, 'shutdown timed out; exiting');
      process.exit(1);
    }, config.SHUTDOWN_TIMEOUT_MS);
    deadline.unref();
    try {
      await app.close();
      await relay?.close();
      await close();
      logger.info('stopped');
    } catch (error) {
      logger.error({ err: error }, 'error while stopping');
      process.exitCode = 1;
    }
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));

  await app.listen({ port: config.LMS_PORT, host: config.LMS_HOST });
}

main().catch((error: unknown) => {
  logger.fatal({ err: error }, 'lms-api failed to start');
  process.exit(1);
});
