import { setTimeout as delay } from 'node:timers/promises';
import pg from 'pg';
import { testEnv } from './env.js';
import { uniqueIdentifier } from './names.js';

/** SQLSTATE of a DROP ... WITH (FORCE) not allowed to terminate some backend. */
const INSUFFICIENT_PRIVILEGE = '42501';

export interface TestDatabase {
  /** A connection string to a database no one else uses. */
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** Creates an empty database of the test's own, owned by the application role. */
export async function createTestDatabase(label: string): Promise<TestDatabase> {
  const name = uniqueIdentifier(label);
  const admin = new pg.Client({ connectionString: testEnv.DATABASE_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(name)}`);
  } finally {
    await admin.end();
  }
  const url = new URL(testEnv.DATABASE_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    async drop() {
      const client = new pg.Client({ connectionString: testEnv.DATABASE_URL });
      await client.connect();
      const database = client.escapeIdentifier(name);
      try {
        for (let attempt = 1; attempt <= 3; attempt++) {
          try {
            await client.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
            return;
          } catch (error) {
            // FORCE must be allowed to signal every backend of the database, and an autovacuum
            // worker (the bootstrap superuser's) may be vacuuming the fresh database just then:
            // 42501. It finishes within moments.
            if ((error as { code?: string }).code !== INSUFFICIENT_PRIVILEGE) throw error;
            await delay(200 * attempt);
          }
        }
        // Still refused: a plain DROP cancels autovacuum workers itself (and fails if a client
        // of the test is still connected, which is then the test's bug to see).
        await client.query(`DROP DATABASE IF EXISTS ${database}`);
      } finally {
        await client.end();
      }
    },
  };
}
