import { fileURLToPath } from 'node:url';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';

/**
 * The generated SQL migrations and their journal. `../drizzle` from this file is the package's
 * `drizzle/` folder both from `src/` (tests, tsx) and from `dist/` (the built apps).
 */
export const migrationsFolder = fileURLToPath(new URL('../drizzle', import.meta.url));

/**
 * Any fixed number works as long as every Cellstream app uses the same one: instances of
 * lms-api and the persister starting together take turns instead of racing on CREATE TABLE.
 */
const MIGRATION_LOCK_ID = 727_245_001;

/**
 * Applies the migrations not yet applied, on one dedicated connection (never the app's pool),
 * under a session advisory lock. Idempotent: drizzle records applied migrations in
 * `drizzle.__drizzle_migrations`.
 */
export async function runMigrations(databaseUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('SET client_min_messages TO warning');
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
    try {
      await migrate(drizzle({ client }), { migrationsFolder });
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]);
    }
  } finally {
    await client.end();
  }
}
