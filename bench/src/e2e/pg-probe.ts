import pg from 'pg';
import { LatencyRecorder } from '../stats.js';
import type { PostLedger } from './post-ledger.js';

interface Row {
  id: string;
  user_id: string;
  event_ms: number;
  received_ms: number;
}

/**
 * Polls `cell_executions` past a high-water mark of its id. For each new row: eventTime → the
 * row's `received_at` (set by PostgreSQL when the insert ran, before its commit), eventTime → the
 * poll that first saw the row (its commit, late by at most one poll interval: an upper bound),
 * and post → poll (the platform alone, without the simulated browser's buffering).
 */
export class PostgresProbe {
  readonly toInsert = new LatencyRecorder();
  readonly toVisible = new LatencyRecorder();
  readonly fromPostToVisible = new LatencyRecorder();
  /** Cumulative rows seen, sampled at each poll: the rows/s plot. */
  readonly rowCounts: { at: number; rows: number }[] = [];
  rows = 0;
  errors = 0;
  private highWater = '0';
  private timer: NodeJS.Timeout | undefined;
  private busy = false;
  private readonly pool: pg.Pool;

  constructor(
    url: string,
    private readonly ledger: PostLedger,
    private readonly intervalMs = 250,
  ) {
    // A query the busy database does not answer fails (counted) instead of stopping the polling.
    this.pool = new pg.Pool({ connectionString: url, max: 1, query_timeout: 10_000 });
  }

  start(): void {
    this.timer = setInterval(() => void this.poll(), this.intervalMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    while (this.busy) await new Promise((resolve) => setTimeout(resolve, 20));
    await this.pool.end();
  }

  private async poll(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      for (;;) {
        const polledAt = Date.now();
        const { rows } = await this.pool.query<Row>(
          `SELECT id::text AS id, user_id,
                  (extract(epoch FROM event_time) * 1000)::float8 AS event_ms,
                  (extract(epoch FROM received_at) * 1000)::float8 AS received_ms
             FROM cell_executions WHERE id > $1::bigint ORDER BY id LIMIT 20000`,
          [this.highWater],
        );
        for (const row of rows) {
          const eventMs = Math.round(row.event_ms);
          this.toInsert.add(polledAt, row.received_ms - eventMs);
          this.toVisible.add(polledAt, polledAt - eventMs);
          const posted = this.ledger.postedAt(row.user_id, eventMs);
          if (posted !== undefined) this.fromPostToVisible.add(polledAt, polledAt - posted);
        }
        this.rows += rows.length;
        this.highWater = rows.at(-1)?.id ?? this.highWater;
        this.rowCounts.push({ at: polledAt, rows: this.rows });
        if (rows.length < 20000) break;
      }
    } catch (error) {
      // The table appears with lms-api's migrations; before that (and on a blip) a poll fails.
      if (!/does not exist/.test(String(error))) this.errors++;
    } finally {
      this.busy = false;
    }
  }
}
