import { dlqHeaders, encodeWire, type LearningEvent } from '@cellstream/schemas';
import { eventually, testEnv } from '@cellstream/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningPersister, startPersister } from '../../src/start.js';
import { classroom, expectedCounts, makeEvent } from '../support/events.js';
import { InfluxReader, PgReader } from '../support/readers.js';
import {
  DeadLetterReader,
  EventProducer,
  type TestStores,
  testStores,
  waitUntilDrained,
} from '../support/stack.js';

const KEY = '7';

describe('persister: poison records go to the DLQ, the records around them are stored', () => {
  let stores: TestStores;
  let persister: RunningPersister;
  let producer: EventProducer;
  let dlq: DeadLetterReader;
  let pgReader: PgReader;
  let influxReader: InfluxReader;

  beforeAll(async () => {
    stores = await testStores('poison');
    pgReader = new PgReader(stores.database.url);
    influxReader = new InfluxReader(stores.bucket.bucket);
    // In InfluxDB a field keeps its type within a shard: a cellId written as an integer in the
    // shard of June 2030 makes any later string cellId of that week a point InfluxDB refuses.
    const response = await fetch(
      `${testEnv.INFLUX_URL}/api/v2/write?org=${testEnv.INFLUX_ORG}&bucket=${stores.bucket.bucket}&precision=ms`,
      { method: 'POST', body: `student_progress,userId=seed cellId=1i ${Date.UTC(2030, 5, 12)}` },
    );
    expect(response.status).toBe(204);
    persister = await startPersister(stores.config);
    producer = new EventProducer(stores.config);
    await producer.connect();
    dlq = new DeadLetterReader(stores.config);
    await dlq.start();
  });

  afterAll(async () => {
    await dlq?.stop();
    await producer?.disconnect();
    await persister?.close();
    await pgReader?.close();
    await stores?.drop();
  });

  it('dead-letters each poison record with its bytes and reason, per group, and stores the rest', async () => {
    const good = classroom({ tag: 'ps', classIds: [KEY], studentsPerClass: 2, executionsPerStudent: 4 });
    const valid = await producer.encode(good[0] as LearningEvent);
    const schemaId = valid.readInt32BE(1);
    const poison: {
      name: string;
      event?: LearningEvent;
      value?: Buffer;
      failedBy: string[];
      code: string[];
    }[] = [
      {
        name: 'json',
        value: Buffer.from('{"eventId":"json"}'),
        failedBy: ['pg', 'influx'],
        code: ['SCHEMAS_WIRE_FORMAT'],
      },
      {
        name: 'corrupt-avro',
        value: encodeWire(schemaId, Buffer.from([0xff, 0xff, 0xff, 0xff, 0x01])),
        failedBy: ['pg', 'influx'],
        code: ['SCHEMAS_CORRUPT_PAYLOAD'],
      },
      {
        name: 'unknown-schema',
        value: encodeWire(2_000_000_000, valid.subarray(5)),
        failedBy: ['pg', 'influx'],
        code: ['SCHEMAS_REGISTRY_REJECTED'],
      },
      {
        name: 'nul-in-code',
        event: makeEvent({ eventId: 'ps-nul', classId: KEY, code: 'print("\u0000")' }),
        failedBy: ['pg'],
        code: ['PERSISTER_PG_REJECTED'],
      },
      {
        name: 'open-without-path',
        event: makeEvent({
          eventId: 'ps-open',
          classId: KEY,
          eventType: 'notebook_open',
          notebookPath: null,
        }),
        failedBy: ['pg'],
        code: ['PERSISTER_INVALID_EVENT'],
      },
      {
        name: 'year-3000',
        event: makeEvent({ eventId: 'ps-3000', classId: KEY, eventTime: Date.UTC(3000, 0, 1) }),
        failedBy: ['influx'],
        code: ['PERSISTER_INVALID_EVENT'],
      },
      {
        name: 'field-type-conflict',
        event: makeEvent({ eventId: 'ps-conflict', classId: KEY, eventTime: Date.UTC(2030, 5, 12, 1) }),
        failedBy: ['influx'],
        code: ['PERSISTER_INFLUX_REJECTED'],
      },
    ];
    for (const entry of poison) if (entry.event) entry.value = await producer.encode(entry.event);

    // Poison in the middle of good records of the same key: one partition, the same batches.
    const goodValues = await Promise.all(good.map((event) => producer.encode(event)));
    const messages = goodValues.map((value) => ({ key: KEY, value }));
    // An event type of a newer schema (read as `unknown`) is skipped: neither stored nor dead-lettered.
    const unknownType = makeEvent({ eventId: 'ps-unknown', classId: KEY, eventType: 'unknown' });
    messages.splice(10, 0, { key: KEY, value: await producer.encode(unknownType) });
    poison.forEach((entry, index) => {
      messages.splice(3 + index * 4, 0, {
        key: KEY,
        value: entry.value as Buffer,
        headers: { 'test.poison': entry.name },
      } as (typeof messages)[number]);
    });
    await producer.sendRaw(messages);
    await waitUntilDrained(stores.config, [
      stores.config.PERSISTER_PG_GROUP_ID,
      stores.config.PERSISTER_INFLUX_GROUP_ID,
    ]);

    // The good records, and the poison ones the other group can store, are stored.
    const storedBy = (sink: string) => [
      ...good,
      ...poison.flatMap((entry) => (entry.event && !entry.failedBy.includes(sink) ? [entry.event] : [])),
    ];
    const expectedPg = expectedCounts(storedBy('pg'));
    expect(await pgReader.counts()).toMatchObject({
      cell_executions: expectedPg.executions,
      notebook_accesses: expectedPg.accesses,
      sessions: expectedPg.sessions.size,
    });
    expect(await pgReader.sessions()).toEqual(expectedPg.sessions);
    expect(await influxReader.count()).toBe(storedBy('influx').length);
    // A refused point's event is not counted in the activity chart either (InfluxDB 1.8 stores
    // the valid points of a refused request: class_activity is written after, for stored events).
    const finished = storedBy('influx').filter(
      (event) =>
        event.classId !== null &&
        (event.eventType === 'cell_execution_complete' || event.eventType === 'cell_execution_error'),
    );
    expect((await influxReader.points('class_activity')).length).toBe(finished.length);

    // Each poison record is in the DLQ once per group that gave up on it, bytes and key unchanged.
    const expectedLetters = poison.reduce((sum, entry) => sum + entry.failedBy.length, 0);
    await eventually(async () => (dlq.records.length >= expectedLetters ? true : undefined), {
      what: `${expectedLetters} dead letters`,
    });
    expect(dlq.records).toHaveLength(expectedLetters);
    expect(await pgReader.count(`cell_executions WHERE event_id = 'ps-unknown'`)).toBe(0);
    expect(await persister.metrics.metrics()).toMatch(
      /persister_records_total\{[^}]*outcome="skipped"[^}]*\} 1/,
    );
    for (const entry of poison) {
      const letters = dlq.records.filter((record) => record.headers['test.poison'] === entry.name);
      const groupIds = entry.failedBy.map((sink) =>
        sink === 'pg' ? stores.config.PERSISTER_PG_GROUP_ID : stores.config.PERSISTER_INFLUX_GROUP_ID,
      );
      expect(letters.map((letter) => letter.headers[dlqHeaders.failedBy.name]).sort(), entry.name).toEqual(
        groupIds.map((group) => `persister/${group}`).sort(),
      );
      for (const letter of letters) {
        expect(letter.key).toBe(KEY);
        expect(Buffer.compare(letter.value as Buffer, entry.value as Buffer), entry.name).toBe(0);
        expect(entry.code, entry.name).toContain(letter.headers[dlqHeaders.errorCode.name]);
        expect(letter.headers[dlqHeaders.reason.name]?.length).toBeGreaterThan(10);
        expect(letter.headers[dlqHeaders.sourceTopic.name]).toBe(stores.config.EVENTS_TOPIC);
        expect(letter.headers[dlqHeaders.sourcePartition.name]).toMatch(/^\d+$/);
        expect(letter.headers[dlqHeaders.sourceOffset.name]).toMatch(/^\d+$/);
        expect(Date.parse(letter.headers[dlqHeaders.failedAt.name] ?? '')).toBeGreaterThan(
          Date.now() - 120_000,
        );
      }
    }
    const nul = dlq.records.find((record) => record.headers['test.poison'] === 'nul-in-code');
    expect(nul?.headers[dlqHeaders.reason.name]).toMatch(/SQLSTATE 22/);

    const metrics = await persister.metrics.metrics();
    expect(metrics).toMatch(
      new RegExp(
        `persister_dead_letters_total\\{group="${stores.config.PERSISTER_PG_GROUP_ID}",code="PERSISTER_PG_REJECTED",service="persister"\\} 1`,
      ),
    );
  });
});
