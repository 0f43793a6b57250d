import type { LearningEvent } from '@cellstream/schemas';
import pg from 'pg';
import { PersisterError } from '../errors.js';
import { accessActions } from '../event-kinds.js';
import type { DecodedRecord, Rejection, Sink, SinkResult } from '../pipeline/records.js';
import { store, triage, type Verdict } from '../pipeline/triage.js';
import { isDataError, sqlState } from './classify.js';
import { type WriteCounts, writeEvents } from './event-writer.js';
import { type ClassPrivacy, classIdsOf, type PrivacyByClass } from './privacy.js';
import { selectPrivacy } from './statements.js';

/** Events PostgreSQL can never hold, known before writing. */
export function pgVerdict(event: LearningEvent): Verdict {
  if (accessActions[event.eventType] !== undefined && event.notebookPath === null) {
    return {
      kind: 'reject',
      reason: `${event.eventType} without notebookPath: notebook_accesses needs a notebook`,
    };
  }
  return store;
}

/**
 * The sink of group persister-pg: each Kafka batch in ONE transaction. When a statement fails
 * for a reason in the data (classify.ts), the batch is bisected inside savepoints down to the
 * records at fault, which are rejected; the rest commits. Any other failure rolls the whole
 * transaction back and is thrown as PERSISTER_PG_UNAVAILABLE for the retry controller.
 */
export class PgSink implements Sink {
  readonly name = 'pg';
  readonly dependency = 'postgres';

  constructor(
    private readonly pool: pg.Pool,
    private readonly probeOptions: { url: string; timeoutMs: number },
  ) {}

  async write(records: readonly DecodedRecord[]): Promise<SinkResult> {
    const { valid, rejected, skipped } = triage(records, pgVerdict);
    const written: Record<string, number> = {};
    if (valid.length === 0) return { rejected, skipped, written };

    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw unavailable(error);
    }
    // A checked-out client whose connection drops between two queries emits 'error'; the next
    // query fails anyway, so the event only needs a listener (an unheard 'error' kills the process).
    const ignore = () => {};
    client.on('error', ignore);
    let reusable = false;
    try {
      await client.query('BEGIN');
      const privacy = await loadPrivacy(client, valid);
      const totals = await storeIsolating(client, valid, privacy, rejected);
      await client.query('COMMIT');
      reusable = true;
      Object.assign(written, totals);
      return { rejected, skipped, written };
    } catch (error) {
      // After a server-side error the connection is sound: roll back and reuse it. After a
      // connection error or a client-side timeout its state is unknown: destroy it.
      if (error instanceof pg.DatabaseError) {
        reusable = await client.query('ROLLBACK').then(
          () => true,
          () => false,
        );
      }
      throw unavailable(error);
    } finally {
      client.off('error', ignore);
      client.release(reusable ? undefined : true);
    }
  }

  async probe(): Promise<string> {
    const client = new pg.Client({
      connectionString: this.probeOptions.url,
      connectionTimeoutMillis: this.probeOptions.timeoutMs,
      query_timeout: this.probeOptions.timeoutMs,
    });
    client.on('error', () => {});
    try {
      await client.connect();
      await client.query('SELECT 1');
      return 'up';
    } catch (error) {
      return `down: ${error instanceof Error ? error.message : String(error)}`;
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}

async function loadPrivacy(
  client: pg.ClientBase,
  records: readonly DecodedRecord[],
): Promise<PrivacyByClass> {
  const ids = classIdsOf(records.map((record) => record.event));
  const privacy = new Map<string, ClassPrivacy>();
  if (ids.length === 0) return privacy;
  const result = await client.query({ name: selectPrivacy.name, text: selectPrivacy.text, values: [ids] });
  for (const row of result.rows as { class_id: string; store_code: boolean; store_outputs: boolean }[]) {
    privacy.set(row.class_id, { storeCode: row.store_code, storeOutputs: row.store_outputs });
  }
  return privacy;
}

/**
 * Writes `records` inside a savepoint; on a data error rolls back to it and writes each half
 * the same way, down to single records, which are then rejected. A batch with k bad records
 * among n costs about 2·k·log2(n) extra attempts, and only when something is wrong.
 */
async function storeIsolating(
  client: pg.ClientBase,
  records: readonly DecodedRecord[],
  privacy: PrivacyByClass,
  rejected: Rejection[],
): Promise<Partial<WriteCounts>> {
  await client.query('SAVEPOINT persister_part');
  try {
    const counts = await writeEvents(
      client,
      records.map((record) => record.event),
      privacy,
    );
    await client.query('RELEASE SAVEPOINT persister_part');
    return counts;
  } catch (error) {
    if (!isDataError(error)) throw error;
    await client.query('ROLLBACK TO SAVEPOINT persister_part');
    await client.query('RELEASE SAVEPOINT persister_part');
    const [only] = records;
    if (records.length === 1 && only) {
      rejected.push({
        source: only.source,
        code: 'PERSISTER_PG_REJECTED',
        reason: `PostgreSQL refused the event (SQLSTATE ${sqlState(error)}): ${(error as Error).message}`,
      });
      return {};
    }
    const middle = Math.ceil(records.length / 2);
    const first = await storeIsolating(client, records.slice(0, middle), privacy, rejected);
    const second = await storeIsolating(client, records.slice(middle), privacy, rejected);
    return sumCounts(first, second);
  }
}

function sumCounts(a: Partial<WriteCounts>, b: Partial<WriteCounts>): Partial<WriteCounts> {
  const total: Partial<WriteCounts> = { ...a };
  for (const [table, count] of Object.entries(b) as [keyof WriteCounts, number][]) {
    total[table] = (total[table] ?? 0) + count;
  }
  return total;
}

function unavailable(error: unknown): PersisterError {
  if (error instanceof PersisterError) return error;
  return new PersisterError(
    'PERSISTER_PG_UNAVAILABLE',
    `PostgreSQL write failed: ${error instanceof Error ? error.message : String(error)}`,
    { cause: error, context: { sqlState: sqlState(error) } },
  );
}
