import { randomBytes, randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { LearningEvent } from '@cellstream/schemas';
import { testEnv } from '@cellstream/testkit';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fullEvent, gzipJson, json, minimalEvent } from './support/events.js';
import { type IngestUnderTest, startTestIngest } from './support/ingest.js';
import { type LmsStub, startLmsStub } from './support/lms-stub.js';

// POST /api/v1/events against the real stack: real Kafka, the real schema registry, a topic of
// this file's own; tokens from a stub lms-api (an ES256 key served as a JWKS).
const receivedAt = Date.UTC(2025, 0, 13, 9, 31, 0, 0);

let lms: LmsStub;
let ingest: IngestUnderTest;
let app: FastifyInstance;
let token: string;

beforeAll(async () => {
  lms = await startLmsStub();
  ingest = await startTestIngest(lms, {}, { clock: () => receivedAt });
  app = ingest.running.app;
  token = await lms.sign({ sub: 'alice', classes: ['42', '43'] });
});

afterAll(async () => {
  await ingest?.close();
  await lms?.close();
});

function post(body: { payload: string | Buffer; headers: Record<string, string> }, bearer = token) {
  const options: InjectOptions = {
    method: 'POST',
    url: '/api/v1/events',
    payload: body.payload,
    headers: { ...body.headers, ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
  };
  return app.inject(options);
}

const byEventIds = (ids: unknown[]) => (record: { decoded: LearningEvent }) =>
  ids.includes(record.decoded.eventId);

/**
 * Proves events never reached the topic: a sentinel with the same key (classId 42, one
 * partition) is posted after them; once it is read, anything sent before it would have been too.
 */
async function expectNeverWritten(eventIds: unknown[]): Promise<void> {
  const sentinel = fullEvent({ eventType: 'notebook_save' });
  expect((await post(json([sentinel]))).statusCode).toBe(202);
  await ingest.reader.waitFor(byEventIds([sentinel.eventId]), 1);
  expect(ingest.reader.records.filter(byEventIds(eventIds))).toEqual([]);
}

describe('a batch accepted', () => {
  it('is in the topic, decoded with the registry, field for field what was sent', async () => {
    const full = fullEvent();
    const minimal = minimalEvent();
    const alias = minimalEvent({
      eventType: 'cell_executed',
      classId: '43',
      eventTime: '2025-01-13T10:30:00.5+01:00',
      cellIndex: 0,
      hasError: false,
      notebookPath: null,
      metadata: {},
      unknownFutureField: 'dropped',
    });
    const response = await post(json([full, minimal, alias]));
    expect(response.statusCode).toBe(202);
    expect(response.json()).toEqual({ accepted: 3, rejected: [] });

    const records = await ingest.reader.waitFor(
      byEventIds([full.eventId, minimal.eventId, alias.eventId]),
      3,
    );
    const byId = new Map(records.map((record) => [record.decoded.eventId, record]));
    const nulls = {
      classId: null,
      sessionId: null,
      notebookPath: null,
      cellId: null,
      cellIndex: null,
      executionCount: null,
      cellType: null,
      code: null,
      hasError: null,
      errorName: null,
      errorMessage: null,
      result: null,
      executionDurationMs: null,
      metadata: {},
    };
    const expected: Record<string, LearningEvent> = {
      [full.eventId as string]: {
        ...(full as unknown as LearningEvent),
        eventTime: Date.UTC(2025, 0, 13, 9, 30, 0, 123),
        receivedAt,
      },
      [minimal.eventId as string]: {
        ...nulls,
        eventId: minimal.eventId as string,
        eventType: 'session_start',
        eventTime: Date.UTC(2025, 0, 13, 9, 30, 0, 0),
        userId: 'alice',
        receivedAt,
      },
      [alias.eventId as string]: {
        ...nulls,
        eventId: alias.eventId as string,
        eventType: 'cell_execution_complete',
        eventTime: Date.UTC(2025, 0, 13, 9, 30, 0, 500),
        userId: 'alice',
        classId: '43',
        cellIndex: 0,
        hasError: false,
        receivedAt,
      },
    };
    const client = new SchemaRegistry({ host: testEnv.SCHEMA_REGISTRY_URL });
    for (const [eventId, want] of Object.entries(expected)) {
      const record = byId.get(eventId);
      expect(record?.decoded).toEqual(want);
      // The Confluent client library reads it too (magic byte, schema id, Avro body).
      expect(await client.decode(record?.value as Buffer)).toEqual(want);
      expect(record?.key).toBe(want.classId ?? want.userId);
    }
    // Keyed by class: the events of class 42 share a partition.
    expect(byId.get(full.eventId as string)?.key).toBe('42');
    expect(byId.get(minimal.eventId as string)?.key).toBe('alice');
  });

  it('takes a gzip body of MAX_BATCH events', async () => {
    const events = Array.from({ length: 100 }, (_, index) => fullEvent({ cellIndex: index }));
    const response = await post(gzipJson(events));
    expect(response.statusCode).toBe(202);
    expect(response.json()).toEqual({ accepted: 100, rejected: [] });
    const records = await ingest.reader.waitFor(byEventIds(events.map((event) => event.eventId)), 100);
    expect(records.map((record) => record.decoded.cellIndex).sort((a, b) => Number(a) - Number(b))).toEqual(
      events.map((_, index) => index),
    );
  });

  it('accepts `Content-Type: application/json; charset=utf-8` and unicode', async () => {
    const event = fullEvent({ code: 'print("héllo 🌍")' });
    const response = await post({
      payload: JSON.stringify([event]),
      headers: { 'content-type': 'application/json; charset=utf-8' },
    });
    expect(response.statusCode).toBe(202);
    const [record] = await ingest.reader.waitFor(byEventIds([event.eventId]), 1);
    expect(record?.decoded.code).toBe('print("héllo 🌍")');
  });
});

describe('events refused one by one', () => {
  it('accepts the valid events of a batch and lists each invalid one with a code', async () => {
    const good = fullEvent();
    const alias = minimalEvent({ eventType: 'cell_executed' });
    const batch = [
      good,
      minimalEvent({ eventTime: undefined }),
      minimalEvent({ eventType: 'cell_exploded' }),
      minimalEvent({ code: 'x'.repeat(64 * 1024 + 1) }),
      42,
      minimalEvent({ eventTime: 'yesterday' }),
      minimalEvent({ cellIndex: '3' }),
      { eventType: 'session_start', eventTime: '2025-01-13T09:30:00Z', userId: 'alice' },
      minimalEvent({ metadata: { version: 1 } }),
      alias,
    ];
    const response = await post(json(batch));
    expect(response.statusCode).toBe(202);
    const body = response.json() as {
      accepted: number;
      rejected: { index: number; eventId: string | null; error: { code: string } }[];
    };
    expect(body.accepted).toBe(2);
    expect(body.rejected.map(({ index, eventId, error }) => [index, eventId, error.code])).toEqual([
      [1, batch[1] && (batch[1] as { eventId: string }).eventId, 'INGEST_EVENT_MISSING_FIELD'],
      [2, (batch[2] as { eventId: string }).eventId, 'INGEST_EVENT_UNKNOWN_TYPE'],
      [3, (batch[3] as { eventId: string }).eventId, 'INGEST_EVENT_FIELD_TOO_LONG'],
      [4, null, 'INGEST_EVENT_NOT_OBJECT'],
      [5, (batch[5] as { eventId: string }).eventId, 'INGEST_EVENT_INVALID_FIELD'],
      [6, (batch[6] as { eventId: string }).eventId, 'INGEST_EVENT_INVALID_FIELD'],
      [7, null, 'INGEST_EVENT_MISSING_FIELD'],
      [8, (batch[8] as { eventId: string }).eventId, 'INGEST_EVENT_INVALID_FIELD'],
    ]);
    for (const rejection of body.rejected) {
      expect(rejection.error).toEqual(expect.objectContaining({ message: expect.any(String) }));
    }
    expect(body.rejected[0]?.error).toEqual({
      code: 'INGEST_EVENT_MISSING_FIELD',
      message: 'eventTime is required.',
      field: '/eventTime',
    });

    await ingest.reader.waitFor(byEventIds([good.eventId, alias.eventId]), 2);
    const invalidIds = batch.slice(1, -1).map((item) => (item as { eventId?: string }).eventId);
    await expectNeverWritten(invalidIds.filter(Boolean));
  });

  it('answers 202 with nothing accepted when every event is invalid', async () => {
    const response = await post(json([minimalEvent({ eventType: 'nope' })]));
    expect(response.statusCode).toBe(202);
    expect(response.json()).toMatchObject({ accepted: 0, rejected: [{ index: 0 }] });
  });
});

describe('requests refused as a whole', () => {
  const expectError = (
    response: { statusCode: number; json(): unknown; headers: Record<string, unknown> },
    status: number,
    code: string,
  ) => {
    expect({ status: response.statusCode, body: response.json() }).toEqual({
      status,
      body: { code, message: expect.any(String) },
    });
  };

  it('400 when the body is not a non-empty array within MAX_BATCH, or not JSON', async () => {
    expectError(await post(json({ events: [] })), 400, 'INGEST_BODY_NOT_ARRAY');
    expectError(await post(json('hello')), 400, 'INGEST_BODY_NOT_ARRAY');
    expectError(await post(json([])), 400, 'INGEST_BATCH_EMPTY');
    const tooMany = Array.from({ length: 101 }, () => minimalEvent());
    expectError(await post(json(tooMany)), 400, 'INGEST_BATCH_TOO_LARGE');
    expectError(
      await post({ payload: '[{"eventId": ', headers: { 'content-type': 'application/json' } }),
      400,
      'INGEST_INVALID_JSON',
    );
    expectError(
      await post({ payload: '', headers: { 'content-type': 'application/json' } }),
      400,
      'INGEST_BODY_NOT_ARRAY',
    );
    expectError(
      await post({
        payload: Buffer.from('not gzip at all'),
        headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      }),
      400,
      'INGEST_INVALID_GZIP',
    );
    expectError(
      await post({
        payload: '[{"__proto__": {"polluted": true}}]',
        headers: { 'content-type': 'application/json' },
      }),
      400,
      'INGEST_INVALID_JSON',
    );
    const noBody = await app.inject({
      method: 'POST',
      url: '/api/v1/events',
      headers: { authorization: `Bearer ${token}` },
    });
    expectError(noBody, 400, 'INGEST_BODY_NOT_ARRAY');
  });

  it('401 without a valid token', async () => {
    expectError(await post(json([minimalEvent()]), ''), 401, 'AUTH_TOKEN_MISSING');
    const basic = await app.inject({
      method: 'POST',
      url: '/api/v1/events',
      ...json([minimalEvent()]),
      headers: { 'content-type': 'application/json', authorization: 'Basic YWxpY2U6c2VjcmV0' },
    });
    expectError(basic, 401, 'AUTH_TOKEN_MISSING');
    expectError(await post(json([minimalEvent()]), 'not.a.jwt'), 401, 'AUTH_TOKEN_INVALID');
    expectError(
      await post(json([minimalEvent()]), await lms.signForged({ sub: 'alice', classes: ['42'] })),
      401,
      'AUTH_TOKEN_INVALID',
    );
    const expired = await lms.sign({
      sub: 'alice',
      classes: ['42'],
      exp: Math.floor(Date.now() / 1000) - 60,
    });
    expectError(await post(json([minimalEvent()]), expired), 401, 'AUTH_TOKEN_EXPIRED');
  });

  it('401 for a revoked ingest token, once the list is polled; a session token with that id is not an ingest token', async () => {
    const jti = randomUUID();
    const ingestToken = await lms.sign({ sub: 'alice', classes: ['42'], kind: 'ingest', jti });
    expect((await post(json([minimalEvent()]), ingestToken)).statusCode).toBe(202);
    lms.revoke(jti);
    expect(await ingest.running.revocations.poll()).toBe(true);
    expectError(await post(json([minimalEvent()]), ingestToken), 401, 'AUTH_TOKEN_REVOKED');
    const sessionToken = await lms.sign({ sub: 'alice', classes: ['42'], kind: 'session', jti });
    expect((await post(json([minimalEvent()]), sessionToken)).statusCode).toBe(202);
  });

  it('403 when an event belongs to another student or class, and nothing of the batch is accepted', async () => {
    const mine = fullEvent();
    const foreignUser = await post(json([mine, fullEvent({ userId: 'bob' })]));
    expectError(foreignUser, 403, 'INGEST_FOREIGN_USER');
    const mineToo = fullEvent();
    const foreignClass = await post(json([mineToo, minimalEvent({ classId: '99' })]));
    expectError(foreignClass, 403, 'INGEST_FOREIGN_CLASS');
    const instructor = await lms.sign({ sub: 'alice', role: 'instructor', classes: ['42'] });
    expectError(await post(json([minimalEvent()]), instructor), 403, 'INGEST_NOT_A_STUDENT');
    await expectNeverWritten([mine.eventId, mineToo.eventId]);
  });

  it('413 past MAX_BODY_BYTES, plain or once decompressed (a gzip bomb), or past the compressed limit', async () => {
    const big = [minimalEvent({ code: 'x'.repeat(3 * 1024 * 1024) })];
    expectError(await post(json(big)), 413, 'INGEST_PAYLOAD_TOO_LARGE');
    // 64 MiB of spaces inside a JSON array: about 64 KiB of gzip, refused after 2 MiB of inflating.
    const bomb = gzipSync(
      Buffer.concat([Buffer.from('['), Buffer.alloc(64 * 1024 * 1024, 0x20), Buffer.from(']')]),
    );
    expect(bomb.length).toBeLessThan(1024 * 1024);
    const before = process.memoryUsage().rss;
    expectError(
      await post({
        payload: bomb,
        headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      }),
      413,
      'INGEST_PAYLOAD_TOO_LARGE',
    );
    expect(process.memoryUsage().rss - before).toBeLessThan(48 * 1024 * 1024);
    // Incompressible: 1.6 MB of JSON (under 2 MiB) but over the 1 MiB compressed limit on the wire.
    const noise = gzipSync(
      JSON.stringify([minimalEvent({ code: randomBytes(1200 * 1024).toString('base64') })]),
    );
    expectError(
      await post({
        payload: noise,
        headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      }),
      413,
      'INGEST_PAYLOAD_TOO_LARGE',
    );
  });

  it('415 for a body that is not JSON or an encoding other than gzip', async () => {
    expectError(
      await post({ payload: 'hello', headers: { 'content-type': 'text/plain' } }),
      415,
      'INGEST_UNSUPPORTED_MEDIA_TYPE',
    );
    expectError(
      await post({
        payload: JSON.stringify([minimalEvent()]),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      }),
      415,
      'INGEST_UNSUPPORTED_MEDIA_TYPE',
    );
    expectError(
      await post({
        payload: JSON.stringify([minimalEvent()]),
        headers: { 'content-type': 'application/json', 'content-encoding': 'br' },
      }),
      415,
      'INGEST_UNSUPPORTED_ENCODING',
    );
  });

  it('404 with a code for an unknown route', async () => {
    expectError(await app.inject({ method: 'GET', url: '/api/v1/nothing' }), 404, 'INGEST_ROUTE_NOT_FOUND');
  });
});

describe('CORS', () => {
  it('answers the preflight of a JupyterLab origin, and not of another', async () => {
    const preflight = (origin: string) =>
      app.inject({
        method: 'OPTIONS',
        url: '/api/v1/events',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization,content-type,content-encoding',
        },
      });
    const allowed = await preflight('http://localhost:8888');
    expect(allowed.statusCode).toBe(204);
    expect(allowed.headers['access-control-allow-origin']).toBe('http://localhost:8888');
    expect(String(allowed.headers['access-control-allow-headers']).toLowerCase()).toContain('authorization');
    expect(String(allowed.headers['access-control-allow-methods'])).toContain('POST');
    const refused = await preflight('https://evil.example');
    expect(refused.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('lets the browser read error answers (the code of a 401)', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/api/v1/events',
      ...json([minimalEvent()]),
      headers: { 'content-type': 'application/json', origin: 'http://127.0.0.1:8888' },
    });
    expect(response.statusCode).toBe(401);
    expect(response.headers['access-control-allow-origin']).toBe('http://127.0.0.1:8888');
  });
});

describe('operations', () => {
  it('/health answers with the version, /ready names Kafka and the registry', async () => {
    expect((await app.inject('/health')).json()).toEqual({ status: 'ok', version: expect.any(String) });
    const ready = await app.inject('/ready');
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({
      status: 'ready',
      dependencies: { kafka: { status: 'up' }, registry: { status: 'up' } },
    });
  });

  it('/metrics counts requests, accepted and rejected events, produce latency and batch sizes', async () => {
    const text = (await app.inject('/metrics')).body;
    expect(text).toMatch(
      /ingest_http_request_duration_seconds_count\{[^}]*route="\/api\/v1\/events"[^}]*status="202"/,
    );
    expect(text).toMatch(/ingest_events_accepted_total\{[^}]*\} [1-9]/);
    expect(text).toMatch(/ingest_events_rejected_total\{reason="INGEST_EVENT_UNKNOWN_TYPE"/);
    expect(text).toMatch(/ingest_batches_refused_total\{code="INGEST_FOREIGN_USER"/);
    expect(text).toContain('ingest_produce_duration_seconds_bucket');
    expect(text).toContain('ingest_batch_size_events_bucket');
    expect(text).toMatch(/ingest_kafka_connected\{[^}]*\} 1/);
  });
});
