import type { PersisterConfig } from './config.js';
import { InfluxSink } from './influx/influx-sink.js';
import { PgSink } from './pg/pg-sink.js';
import { createPgPool } from './pg/pool.js';
import type { Sink } from './pipeline/records.js';

/** The sinks of PERSISTER_SINKS, each with the consumer group that feeds it. */
export function createSinks(config: PersisterConfig): { sink: Sink; groupId: string }[] {
  const sinks: { sink: Sink; groupId: string }[] = [];
  if (config.PERSISTER_SINKS.includes('pg')) {
    const pool = createPgPool({
      url: config.DATABASE_URL,
      size: config.PG_POOL_SIZE,
      connectTimeoutMs: config.PG_CONNECT_TIMEOUT_MS,
      statementTimeoutMs: config.PG_STATEMENT_TIMEOUT_MS,
      queryTimeoutMs: config.PG_QUERY_TIMEOUT_MS,
    });
    sinks.push({
      sink: new PgSink(pool, { url: config.DATABASE_URL, timeoutMs: 2_000 }),
      groupId: config.PERSISTER_PG_GROUP_ID,
    });
  }
  if (config.PERSISTER_SINKS.includes('influx')) {
    const sink = new InfluxSink({
      url: config.INFLUX_URL,
      token: config.INFLUX_TOKEN,
      org: config.INFLUX_ORG,
      bucket: config.INFLUX_BUCKET,
      batchPoints: config.INFLUX_BATCH_POINTS,
      timeoutMs: config.INFLUX_WRITE_TIMEOUT_MS,
      gzipThreshold: config.INFLUX_GZIP_THRESHOLD,
    });
    sinks.push({ sink, groupId: config.PERSISTER_INFLUX_GROUP_ID });
  }
  return sinks;
}
