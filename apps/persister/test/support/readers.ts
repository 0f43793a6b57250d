import { testEnv } from '@cellstream/testkit';
import { InfluxDB } from '@influxdata/influxdb-client';
import pg from 'pg';

/** Reads what the persister wrote into a test database. */
export class PgReader {
  private readonly pool: pg.Pool;

  constructor(url: string) {
    this.pool = new pg.Pool({ connectionString: url, max: 2 });
  }

  async count(table: string): Promise<number> {
    const result = await this.pool.query(`SELECT count(*)::int AS n FROM ${table}`);
    return (result.rows[0] as { n: number }).n;
  }

  async counts(): Promise<Record<string, number>> {
    const tables = ['students', 'notebooks', 'cells', 'sessions', 'cell_executions', 'notebook_accesses'];
    const entries = await Promise.all(tables.map(async (table) => [table, await this.count(table)] as const));
    return Object.fromEntries(entries);
  }

  async rows<T>(sql: string, values: unknown[] = []): Promise<T[]> {
    return (await this.pool.query(sql, values)).rows as T[];
  }

  async sessions(): Promise<Map<string, { executions: number; errors: number; executionMs: number }>> {
    const rows = await this.rows<{
      session_id: string;
      executions: number;
      errors: number;
      execution_duration_ms: number;
    }>('SELECT session_id, executions, errors, execution_duration_ms FROM sessions');
    return new Map(
      rows.map((row) => [
        row.session_id,
        { executions: row.executions, errors: row.errors, executionMs: row.execution_duration_ms },
      ]),
    );
  }

  /**
   * Waits (polling) until a persister connection to `database` is inside a transaction, i.e. a
   * batch is being written; false when none was seen within `timeoutMs`.
   */
  async transactionInFlight(database: string, timeoutMs = 10_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const [row] = await this.rows<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity
         WHERE datname = $1 AND application_name = 'cellstream-persister' AND xact_start IS NOT NULL`,
        [database],
      );
      if ((row?.n ?? 0) > 0) return true;
    }
    return false;
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}

export interface InfluxRow {
  _time: string;
  _field: string;
  _value: unknown;
  [tag: string]: unknown;
}

/** Reads a measurement (`student_progress` by default) back with Flux, one object per point (fields pivoted into columns). */
export class InfluxReader {
  private readonly influx = new InfluxDB({ url: testEnv.INFLUX_URL, token: testEnv.INFLUX_TOKEN });

  constructor(private readonly bucket: string) {}

  async points(measurement = 'student_progress'): Promise<Record<string, unknown>[]> {
    const query = this.influx.getQueryApi(testEnv.INFLUX_ORG);
    const rows = await query.collectRows<InfluxRow>(`from(bucket: "${this.bucket}")
      |> range(start: 1970-01-01T00:00:00Z)
      |> filter(fn: (r) => r._measurement == "${measurement}")`);
    const points = new Map<string, Record<string, unknown>>();
    for (const row of rows) {
      const tags = Object.fromEntries(
        Object.entries(row).filter(
          ([name]) => !name.startsWith('_') && name !== 'result' && name !== 'table' && name !== '',
        ),
      );
      const key = `${row._time}|${JSON.stringify(tags)}`;
      const point = points.get(key) ?? { _time: row._time, ...tags };
      point[row._field] = row._value;
      points.set(key, point);
    }
    return [...points.values()];
  }

  /** Points of the measurement, counted by their eventId field (present on every point). */
  async count(): Promise<number> {
    const query = this.influx.getQueryApi(testEnv.INFLUX_ORG);
    const rows = await query.collectRows<{ _value: number }>(`from(bucket: "${this.bucket}")
      |> range(start: 1970-01-01T00:00:00Z)
      |> filter(fn: (r) => r._measurement == "student_progress" and r._field == "eventId")
      |> group()
      |> count()`);
    return rows[0]?._value ?? 0;
  }
}
