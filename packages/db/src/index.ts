export { type CreateDbOptions, createDb, type Database, type DbHandle } from './client.js';
export { migrationsFolder, runMigrations } from './migrate.js';
export * from './schema.js';
export * as schema from './schema.js';
