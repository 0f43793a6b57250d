import pg from 'pg';

export interface PgPoolOptions {
  url: string;
  size: number;
  connectTimeoutMs: number;
  statementTimeoutMs: number;
  queryTimeoutMs: number;
}

/**
 * The persister's own pool (not `@cellstream/db`'s createDb): it also needs a client-side query
 * timeout and TCP keep-alive, so that a connection that went silent (a network partition, a
 * server that vanished without closing sockets) fails instead of hanging a batch forever.
 */
export function createPgPool(options: PgPoolOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.size,
    connectionTimeoutMillis: options.connectTimeoutMs,
    statement_timeout: options.statementTimeoutMs,
    query_timeout: options.queryTimeoutMs,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    application_name: 'cellstream-persister',
  });
  // An idle client losing its connection (server restart) must not crash the process: the pool
  // drops it and the next checkout opens a new one.
  pool.on('error', () => {});
  return pool;
}
