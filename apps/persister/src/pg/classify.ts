import pg from 'pg';

/**
 * Which PostgreSQL failures are the data's fault. Branches on SQLSTATE (never on message text):
 *
 * - class 22 (data exception: a NUL character in a text, a timestamp out of range...), class 23
 *   (integrity constraint violation) and 54000 (program limit exceeded: e.g. an index row too big
 *   for a huge identifier) say that some row of the statement can never be stored: the batch is
 *   bisected down to the records at fault, which are dead-lettered.
 * - everything else (connection errors, class 08, 40 serialization and deadlock, 53 resources,
 *   57 operator intervention and timeouts, and anything unexpected) is treated as transient:
 *   retried with back-off, never dead-lettered, because a record is only given up on when
 *   retrying cannot help.
 */
export function sqlState(error: unknown): string | undefined {
  return error instanceof pg.DatabaseError ? error.code : undefined;
}

export function isDataError(error: unknown): boolean {
  const state = sqlState(error);
  return state !== undefined && (state.startsWith('22') || state.startsWith('23') || state === '54000');
}
