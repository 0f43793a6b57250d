import pg from 'pg';
import { testEnv } from './env.js';
import { uniqueIdentifier } from './names.js';

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
      try {
        await client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}
