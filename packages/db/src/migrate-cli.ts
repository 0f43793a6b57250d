import { baseConfigSchema, createLogger, loadConfig } from '@cellstream/shared';
import { runMigrations } from './migrate.js';

/** `npm run migrate -w @cellstream/db`: applies pending migrations to DATABASE_URL. */
const config = loadConfig(baseConfigSchema.pick({ DATABASE_URL: true, LOG_LEVEL: true }));
const logger = createLogger('db-migrate', config.LOG_LEVEL);
const target = new URL(config.DATABASE_URL);
try {
  await runMigrations(config.DATABASE_URL);
  logger.info({ database: target.pathname.slice(1), host: target.host }, 'migrations applied');
} catch (error) {
  logger.error({ err: error }, 'migrations failed');
  process.exitCode = 1;
}
