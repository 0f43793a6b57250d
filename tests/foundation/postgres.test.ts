import { createTestDatabase, type TestDatabase } from '@cellstream/testkit';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

describe('PostgreSQL through pg', () => {
  let database: TestDatabase;
  let client: pg.Client;

  beforeAll(async () => {
    database = await createTestDatabase('foundation_pg');
    client = new pg.Client({ connectionString: database.url });
    await client.connect();
  });

  afterAll(async () => {
    await client.end();
    await database.drop();
  });

  it('is a real PostgreSQL 15+ that enforces constraints and runs transactions', async () => {
    const { rows } = await client.query<{ server_version_num: string }>('SHOW server_version_num');
    expect(Number(rows[0]?.server_version_num)).toBeGreaterThanOrEqual(150000);

    await client.query('CREATE TABLE cell_executions (event_id text PRIMARY KEY, n int NOT NULL)');
    await client.query('INSERT INTO cell_executions VALUES ($1, $2), ($3, $4)', ['a', 1, 'b', 2]);
    const again = await client.query(
      'INSERT INTO cell_executions VALUES ($1, $2) ON CONFLICT (event_id) DO NOTHING',
      ['a', 99],
    );
    expect(again.rowCount).toBe(0);

    await client.query('BEGIN');
    await client.query('INSERT INTO cell_executions VALUES ($1, $2)', ['c', 3]);
    await client.query('ROLLBACK');

    const { rows: all } = await client.query<{ event_id: string; n: number }>(
      'SELECT event_id, n FROM cell_executions ORDER BY event_id',
    );
    expect(all).toEqual([
      { event_id: 'a', n: 1 },
      { event_id: 'b', n: 2 },
    ]);
  });
});
