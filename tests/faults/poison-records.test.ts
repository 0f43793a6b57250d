import { dlqHeaders, type LearningEvent, TopicSerde, toLearningEventRecord } from '@cellstream/schemas';
import { eventually, testEnv, testKafka, uniqueName } from '@cellstream/testkit';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { Partitioners } from 'kafkajs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { groupLag } from './support/kafka.js';
import { Pipeline } from './support/pipeline.js';
import { faultProfile } from './support/profile.js';
import { writeResult } from './support/results.js';
import { AggregateReader, influxCount, rowCountsByClass } from './support/verify.js';

/**
 * Item 5: records that are not LearningEvents written straight into the events topic between
 * good ones. Every consumer group must dead-letter each bad one (with its reason), store or
 * count each good one, and reach the end of the topic.
 */
const profile = faultProfile();
const GOOD_PER_BAD = 3;
const PARTITIONS = 3;

type PoisonKind = (typeof poisonKinds)[number];
const poisonKinds = [
  'random bytes (no magic byte)',
  'JSON text',
  'unknown schema id',
  'truncated Avro body',
  'empty value',
  'tombstone (null value)',
  'schema id of another subject (ClassAggregate)',
] as const;

describe('item 5: poison records in learning.events.v1', () => {
  let pipeline: Pipeline;
  let aggregates: AggregateReader;

  beforeAll(async () => {
    pipeline = await Pipeline.start('poison', {}, ['persister', 'aggregator']);
    aggregates = new AggregateReader(pipeline);
    await aggregates.start();
  });

  afterAll(async () => {
    await aggregates?.stop();
    await pipeline?.stop();
  });

  it('dead-letters every bad record with its reason and stores every good one', async () => {
    const serde = new TopicSerde(new SchemaRegistry({ host: testEnv.SCHEMA_REGISTRY_URL }), {
      topicPrefix: pipeline.prefix,
    });
    const eventsId = await serde.register('learning.events.v1');
    const aggregateId = await serde.register('learning.class-aggregates.v1');
    const validBody = (await serde.encode('learning.events.v1', goodEvent(0, 0))).subarray(5);

    const poison = (kind: PoisonKind, i: number): Buffer | null => {
      switch (kind) {
        case 'random bytes (no magic byte)':
          return Buffer.from([0x7f, ...Buffer.from(`garbage-${i}-${Math.random()}`)]);
        case 'JSON text':
          return Buffer.from(JSON.stringify(goodEvent(i, 0)));
        case 'unknown schema id': {
          const bytes = Buffer.alloc(5 + validBody.length);
          bytes.writeUInt8(0, 0);
          bytes.writeInt32BE(eventsId + 900_000 + i, 1);
          validBody.copy(bytes, 5);
          return bytes;
        }
        case 'truncated Avro body': {
          const header = Buffer.alloc(5);
          header.writeInt32BE(eventsId, 1);
          return Buffer.concat([header, validBody.subarray(0, 7)]);
        }
        case 'empty value':
          return Buffer.alloc(0);
        case 'tombstone (null value)':
          return null;
        default: {
          // A LearningEvent's bytes behind the id of another subject's schema.
          const bytes = Buffer.alloc(5 + validBody.length);
          bytes.writeInt32BE(aggregateId, 1);
          validBody.copy(bytes, 5);
          return bytes;
        }
      }
    };

    // Interleaved per partition so the offsets of the bad records are known exactly.
    // A class's events go to one partition, as ingest's keying puts them (the aggregator's state is per partition).
    const byPartition: { key: string; value: Buffer | null; bad?: PoisonKind }[][] = Array.from(
      { length: PARTITIONS },
      () => [],
    );
    const good: LearningEvent[] = [];
    for (let i = 0; i < profile.poisonRecords; i++) {
      const list = byPartition[i % PARTITIONS] as (typeof byPartition)[number];
      for (let g = 0; g < GOOD_PER_BAD; g++) {
        const event = goodEvent(good.length, i % PARTITIONS);
        good.push(event);
        list.push({ key: event.classId as string, value: await serde.encode('learning.events.v1', event) });
      }
      const kind = poisonKinds[i % poisonKinds.length] as PoisonKind;
      list.push({ key: `poison-${i}`, value: poison(kind, i), bad: kind });
    }
    for (const [partition, list] of byPartition.entries()) {
      const event = goodEvent(good.length, partition);
      good.push(event);
      list.push({ key: event.classId as string, value: await serde.encode('learning.events.v1', event) });
    }

    const producer = testKafka().producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
    const badOffsets = new Map<string, PoisonKind>();
    const started = Date.now();
    for (const [partition, list] of byPartition.entries()) {
      for (let start = 0; start < list.length; start += 400) {
        const chunk = list.slice(start, start + 400);
        const [meta] = await producer.send({
          topic: pipeline.topic('learningEvents'),
          acks: -1,
          messages: chunk.map(({ key, value }) => ({ key, value, partition })),
        });
        const base = Number(meta?.baseOffset);
        chunk.forEach((record, index) => {
          if (record.bad) badOffsets.set(`${partition}/${base + index}`, record.bad);
        });
      }
    }
    await producer.disconnect();
    const producedMs = Date.now() - started;

    // Every group reaches the end of the topic: nothing stalled behind a bad record.
    const groups = [
      pipeline.env.PERSISTER_PG_GROUP_ID as string,
      pipeline.env.PERSISTER_INFLUX_GROUP_ID as string,
      pipeline.env.AGGREGATOR_GROUP_ID as string,
    ];
    const lag = await eventually(
      async () => {
        const current = await groupLag(pipeline.kafka(), pipeline.topic('learningEvents'), groups);
        return Object.values(current).every((behind) => behind === 0) ? current : undefined;
      },
      { timeoutMs: 180_000, intervalMs: 1_000, what: 'every group at the end of the events topic' },
    );
    const drainedMs = Date.now() - started;

    const dlq = await readDlq(pipeline.topic('eventsDlq'), badOffsets.size * groups.length);
    const reasonsByKind = new Map<PoisonKind, { codes: Set<string>; reason: string }>();
    const coverage = new Map<string, Set<string>>();
    let withoutReason = 0;
    let unknownLetters = 0;
    for (const letter of dlq) {
      const source = `${letter.headers[dlqHeaders.sourcePartition.name]}/${letter.headers[dlqHeaders.sourceOffset.name]}`;
      const kind = badOffsets.get(source);
      if (!kind) {
        unknownLetters++;
        continue;
      }
      const reason = letter.headers[dlqHeaders.reason.name] ?? '';
      if (reason.length === 0) withoutReason++;
      const failedBy = letter.headers[dlqHeaders.failedBy.name] ?? '?';
      const groupsOf = coverage.get(source) ?? new Set();
      groupsOf.add(failedBy);
      coverage.set(source, groupsOf);
      const entry = reasonsByKind.get(kind) ?? { codes: new Set(), reason };
      entry.codes.add(letter.headers[dlqHeaders.errorCode.name] ?? '?');
      reasonsByKind.set(kind, entry);
    }
    const failedByNames = new Set([...coverage.values()].flatMap((set) => [...set]));
    const deadLetteredByEveryGroup = [...badOffsets.keys()].filter(
      (source) => (coverage.get(source)?.size ?? 0) >= groups.length,
    ).length;

    // Good records: stored once each in PostgreSQL and InfluxDB, counted once in the aggregates.
    const client = new pg.Client({ connectionString: pipeline.database.url });
    await client.connect();
    const stored = Number(
      (
        await client.query<{ n: string }>(
          'SELECT count(DISTINCT event_id) AS n FROM cell_executions WHERE event_id = ANY($1)',
          [good.map((event) => event.eventId)],
        )
      ).rows[0]?.n,
    );
    await client.end();
    const points = await influxCount(pipeline.bucket.bucket);
    const rows = await rowCountsByClass(pipeline.database.url);
    const totals = await aggregates.waitForTotals(rows, 60_000);

    const figures = {
      poisonRecords: badOffsets.size,
      goodRecords: good.length,
      dlqRecords: dlq.length,
      deadLetteredByEveryGroup,
      deadLettersWithoutReason: withoutReason,
      goodRowsInPostgres: stored,
      goodPointsInInflux: points,
      produceMs: producedMs,
      allGroupsAtEndMs: drainedMs,
      lagAtEnd: Object.values(lag).reduce((a, b) => a + b, 0),
    };
    const result = {
      item: 5,
      title: 'Poison records',
      method: `${badOffsets.size} bad records of ${poisonKinds.length} kinds written straight into learning.events.v1 between ${good.length} good ones (${GOOD_PER_BAD} good before each bad, ${PARTITIONS} partitions), read by the persister (groups pg and influx) and the aggregator.`,
      figures,
      tables: [
        {
          title: 'Dead letters by kind of bad record',
          columns: ['kind', 'dlq.error.code', 'dlq.reason (first seen)'],
          rows: poisonKinds.map((kind) => [
            kind,
            [...(reasonsByKind.get(kind)?.codes ?? [])].sort().join(', '),
            reasonsByKind.get(kind)?.reason ?? '(none)',
          ]),
        },
      ],
      passed: false,
    };
    writeResult('05-poison-records', result);

    expect(unknownLetters).toBe(0);
    expect(withoutReason).toBe(0);
    expect(failedByNames.size).toBe(groups.length);
    expect(deadLetteredByEveryGroup).toBe(badOffsets.size);
    expect(stored).toBe(good.length);
    expect(points).toBe(good.length);
    expect(Object.fromEntries(totals)).toEqual(Object.fromEntries(rows));
    writeResult('05-poison-records', { ...result, passed: true });
  });
});

let sequence = 0;
const runId = uniqueName('poison');

/** A good event of class `100 + partition`: a class's events stay on one partition, as ingest keys them. */
function goodEvent(i: number, partition: number): LearningEvent {
  const error = i % 4 === 0;
  return toLearningEventRecord(
    {
      eventId: `${runId}-${++sequence}`,
      eventType: error ? 'cell_execution_error' : 'cell_execution_complete',
      eventTime: new Date(Date.now() + sequence).toISOString(),
      userId: `poison-student-${i % 7}`,
      classId: String(100 + partition),
      sessionId: `session-${i % 7}`,
      notebookPath: 'poison.ipynb',
      cellId: `cell-${i % 5}`,
      cellType: 'code',
      hasError: error,
    } as never,
    Date.now(),
  );
}

interface Letter {
  headers: Record<string, string>;
}

/** Reads the DLQ from the beginning until `atLeast` records (or 20 s without news). */
async function readDlq(topic: string, atLeast: number): Promise<Letter[]> {
  const letters: Letter[] = [];
  const consumer = testKafka().consumer({ groupId: uniqueName('poison-dlq'), maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let lastNews = Date.now();
  await consumer.run({
    eachMessage: async ({ message }) => {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(message.headers ?? {})) headers[name] = String(value);
      letters.push({ headers });
      lastNews = Date.now();
    },
  });
  await eventually(
    async () => (letters.length >= atLeast || Date.now() - lastNews > 20_000 ? true : undefined),
    {
      timeoutMs: 120_000,
      intervalMs: 200,
      what: 'the dead letters',
    },
  );
  await consumer.disconnect();
  return letters;
}
