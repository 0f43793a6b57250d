import type { ClassAggregate } from '@cellstream/schemas';
import { TopicSerde } from '@cellstream/schemas';
import { eventually, testEnv, uniqueName } from '@cellstream/testkit';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { Consumer } from 'kafkajs';
import pg from 'pg';
import type { EventLoad } from './load.js';
import type { Pipeline } from './pipeline.js';

export interface StoredCheck {
  acknowledged: number;
  /** Rows of cell_executions of the acknowledged events: each event at most once (unique event_id). */
  stored: number;
  missing: number;
  /** Rows whose event was never acknowledged (there is no such event in a correct run). */
  unexpected: number;
  /** Acknowledged event ids stored more than once (the unique constraint makes this 0 unless it is dropped). */
  duplicates: number;
  influxPoints: number;
  /** Points of class_activity (the activity chart's read model): one per execution, as in student_progress. */
  activityPoints: number;
  /** The sum of class_activity_1m, the per-minute recount of class_activity: one per execution. */
  activityRolledUp: number;
}

/** Waits until every acknowledged event is a row of cell_executions and a point in InfluxDB, then counts. */
export async function waitUntilStored(
  pipeline: Pipeline,
  load: EventLoad,
  timeoutMs = 180_000,
): Promise<StoredCheck> {
  const client = new pg.Client({ connectionString: pipeline.database.url });
  await client.connect();
  try {
    let last: StoredCheck | undefined;
    try {
      return await eventually(
        async () => {
          last = await storedCheck(client, pipeline, load);
          return last.missing === 0 &&
            last.influxPoints >= last.acknowledged &&
            last.activityPoints >= last.acknowledged &&
            last.activityRolledUp >= last.acknowledged
            ? last
            : undefined;
        },
        { timeoutMs, intervalMs: 1_000, what: 'every acknowledged event stored' },
      );
    } catch (error) {
      if (last) return last;
      throw error;
    }
  } finally {
    await client.end();
  }
}

async function storedCheck(client: pg.Client, pipeline: Pipeline, load: EventLoad): Promise<StoredCheck> {
  const { rows } = await client.query<{ event_id: string; n: string }>(
    'SELECT event_id, count(*) AS n FROM cell_executions GROUP BY event_id',
  );
  let stored = 0;
  let unexpected = 0;
  let duplicates = 0;
  const seen = new Set<string>();
  for (const row of rows) {
    if (!load.accepted.has(row.event_id)) {
      unexpected++;
      continue;
    }
    seen.add(row.event_id);
    stored += Number(row.n);
    if (Number(row.n) > 1) duplicates++;
  }
  return {
    acknowledged: load.accepted.size,
    stored,
    missing: load.accepted.size - seen.size,
    unexpected,
    duplicates,
    influxPoints: await influxCount(pipeline.bucket.bucket),
    activityPoints: await influxCount(pipeline.bucket.bucket, 'class_activity'),
    activityRolledUp: await influxCount(pipeline.bucket.bucket, 'class_activity_1m'),
  };
}

/**
 * Points of cell executions in student_progress, counted by their eventId field (one per event),
 * or in class_activity, by its n field (one per execution of a class); or the executions
 * class_activity_1m counts (the sum of its per-minute n).
 */
export async function influxCount(
  bucket: string,
  measurement: 'student_progress' | 'class_activity' | 'class_activity_1m' = 'student_progress',
): Promise<number> {
  const field =
    measurement === 'student_progress'
      ? 'count("eventId")'
      : measurement === 'class_activity'
        ? 'count("n")'
        : 'sum("n")';
  const url = new URL('/query', testEnv.INFLUX_URL);
  url.searchParams.set('db', bucket);
  url.searchParams.set(
    'q',
    `SELECT ${field} FROM "${measurement}" WHERE "event" = 'cell_execution_complete' OR "event" = 'cell_execution_error'`,
  );
  const response = await fetch(url, {
    headers: testEnv.INFLUX_TOKEN ? { Authorization: `Token ${testEnv.INFLUX_TOKEN}` } : {},
  });
  if (!response.ok) return -1;
  const body = (await response.json()) as {
    results?: { series?: { values?: [string, number][] }[] }[];
  };
  return body.results?.[0]?.series?.[0]?.values?.[0]?.[1] ?? 0;
}

/** Executions and errors per class as rows of cell_executions. */
export async function rowCountsByClass(
  databaseUrl: string,
): Promise<Map<string, { executions: number; errors: number }>> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ class_id: string; executions: string; errors: string }>(
      `SELECT class_id,
         count(*) FILTER (WHERE event_type = 'cell_execution_complete') AS executions,
         count(*) FILTER (WHERE event_type = 'cell_execution_error') AS errors
       FROM cell_executions GROUP BY class_id`,
    );
    return new Map(
      rows.map((row) => [row.class_id, { executions: Number(row.executions), errors: Number(row.errors) }]),
    );
  } finally {
    await client.end();
  }
}

/** The latest ClassAggregate of each class, read from the compacted topic as a data engineer would. */
export class AggregateReader {
  readonly latest = new Map<string, ClassAggregate>();
  private consumer: Consumer | undefined;

  constructor(private readonly pipeline: Pipeline) {}

  async start(): Promise<void> {
    const serde = new TopicSerde(new SchemaRegistry({ host: testEnv.SCHEMA_REGISTRY_URL }), {
      topicPrefix: this.pipeline.prefix,
    });
    const consumer = this.pipeline.kafka().consumer({
      groupId: uniqueName('faults-aggregates'),
      readUncommitted: false,
      maxWaitTimeInMs: 100,
      retry: { retries: 1_000, maxRetryTime: 5_000 },
    });
    this.consumer = consumer;
    await consumer.connect();
    await consumer.subscribe({ topic: this.pipeline.topic('classAggregates'), fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        if (message.value === null) return;
        const aggregate = (await serde.decode(
          'learning.class-aggregates.v1',
          message.value,
        )) as ClassAggregate;
        this.latest.set(aggregate.classId, aggregate);
      },
    });
  }

  /** Waits until each class's totals equal `expected`; returns what was last seen either way. */
  async waitForTotals(
    expected: Map<string, { executions: number; errors: number }>,
    timeoutMs = 120_000,
  ): Promise<Map<string, { executions: number; errors: number }>> {
    const seen = () =>
      new Map(
        [...this.latest].map(([classId, aggregate]) => [
          classId,
          { executions: Number(aggregate.totalExecutions), errors: Number(aggregate.totalErrors) },
        ]),
      );
    try {
      await eventually(
        async () => {
          const now = seen();
          for (const [classId, counts] of expected) {
            const got = now.get(classId);
            if (got?.executions !== counts.executions || got.errors !== counts.errors) return undefined;
          }
          return true;
        },
        { timeoutMs, intervalMs: 500, what: 'class totals equal to the row counts' },
      );
    } catch {
      // The caller compares and reports the difference.
    }
    return seen();
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }
}

/** Sorted plain object of a per-class map, for expect().toEqual and the figures. */
export const byClassObject = (map: Map<string, { executions: number; errors: number }>) =>
  Object.fromEntries([...map].sort(([a], [b]) => a.localeCompare(b)));
