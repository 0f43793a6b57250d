import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import * as schema from './schema.js';

export type Database = NodePgDatabase<typeof schema>;

export interface DbHandle {
  db: Database;
  pool: pg.Pool;
  /** Ends the pool: waits for checked-out clients to be released. */
  close(): Promise<void>;
}

export interface CreateDbOptions {
  /** Connections in the pool (pg's default is 10). */
  max?: number;
  /** Milliseconds to wait for a free connection before failing the query. */
  connectionTimeoutMillis?: number;
  /** Server-side limit for one statement, in milliseconds (0: none). */
  statementTimeoutMs?: number;
}

/** A pg pool and the drizzle database over it, with the shared schema for relational queries. */
export function createDb(url: string, options: CreateDbOptions = {}): DbHandle {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    connectionTimeoutMillis: options.connectionTimeoutMillis ?? 5_000,
    ...(options.statementTimeoutMs ? { statement_timeout: options.statementTimeoutMs } : {}),
  });
  // An idle client losing its connection (server restart) must not crash the process: the pool
  // drops it and the next query opens a new one.
  pool.on('error', () => {});
  const db = drizzle({ client: pool, schema });
  let closed: Promise<void> | undefined;
  return {
    db,
    pool,
    close: () => {
      closed ??= pool.end();
      return closed;
    },
  };
}
