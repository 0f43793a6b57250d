import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { SimEvent } from '../src/events.js';
import { parseRetryAfter } from '../src/http.js';
import { IngestClient } from '../src/ingest-client.js';
import { BatchSender, type TokenSource } from '../src/sender.js';
import { RunStats } from '../src/stats.js';

interface Seen {
  token: string;
  gzipped: boolean;
  events: SimEvent[];
}

type Reply = (seen: Seen, call: number, signal?: AbortSignal) => Response | Promise<Response>;

/** A fake ingest: records each request and answers with `reply`. */
function fakeIngest(reply: Reply) {
  const seen: Seen[] = [];
  const fetchImpl = async (_url: string | URL | Request, init?: RequestInit) => {
    const headers = new Headers(init?.headers);
    const gzipped = headers.get('content-encoding') === 'gzip';
    const raw = init?.body as Uint8Array | string;
    const text = gzipped ? gunzipSync(raw as Uint8Array).toString('utf8') : String(raw);
    const request = {
      token: headers.get('authorization')?.replace('Bearer ', '') ?? '',
      gzipped,
      events: JSON.parse(text) as SimEvent[],
    };
    seen.push(request);
    if (init?.signal?.aborted) throw new DOMException('aborted', 'AbortError');
    return reply(request, seen.length, init?.signal ?? undefined);
  };
  return { seen, client: new IngestClient('http://ingest.test', fetchImpl as typeof fetch) };
}

const accepted = (seen: Seen) =>
  Response.json({ accepted: seen.events.length, rejected: [] }, { status: 202 });
const error = (status: number, code: string, retryAfter?: string) =>
  Response.json(
    { code, message: code },
    { status, headers: retryAfter ? { 'retry-after': retryAfter } : {} },
  );

let ids = 0;
const event = (userId = 'alice', code = 'x = 1'): SimEvent => ({
  eventId: `e-${ids++}`,
  eventType: 'cell_execution_start',
  eventTime: new Date().toISOString(),
  userId,
  classId: '1',
  sessionId: 's',
  cellId: 'c',
  cellIndex: 0,
  cellType: 'code',
  code,
});

const fixed = (token: string): TokenSource => ({ token: () => token });
const fastRetry = { attempts: 3, initialDelayMs: 1, maxDelayMs: 5 };

function sender(client: IngestClient, stats: RunStats, tokens: TokenSource[] = [fixed('t0')]) {
  return new BatchSender(tokens, { client, stats, retry: fastRetry, flushIntervalMs: 1_000 });
}

describe('the batch sender', () => {
  it('posts a full buffer at once, at most 100 events a request, gzip when large, each with its token', async () => {
    const { seen, client } = fakeIngest(accepted);
    const stats = new RunStats();
    const out = sender(client, stats, [fixed('t-alice'), fixed('t-bob')]);
    for (let i = 0; i < 250; i++) out.enqueue(0, event('alice'));
    out.enqueue(1, event('bob'));
    await out.drain(5_000);
    expect(seen.map((request) => request.events.length).sort((a, b) => b - a)).toEqual([100, 100, 50, 1]);
    expect(seen.filter((request) => request.token === 't-alice')).toHaveLength(3);
    expect(seen.find((request) => request.token === 't-bob')?.events[0]?.userId).toBe('bob');
    expect(seen.find((request) => request.events.length === 100)?.gzipped).toBe(true);
    expect(seen.find((request) => request.events.length === 1)?.gzipped).toBe(false);
    expect(stats).toMatchObject({ sent: 251, accepted: 251, failed: 0, retries: 0, requests: 4 });
    // A student's events stay in order across its batches.
    const alice = seen.filter((request) => request.token === 't-alice').flatMap((request) => request.events);
    expect(alice.map((e) => Number(e.eventId.slice(2)))).toEqual(
      [...alice.map((e) => Number(e.eventId.slice(2)))].sort((a, b) => a - b),
    );
  });

  it('waits about a second before posting a small buffer', async () => {
    const { seen, client } = fakeIngest(accepted);
    let now = 0;
    const out = new BatchSender([fixed('t')], { client, stats: new RunStats(), now: () => now });
    out.enqueue(0, event());
    now = 900;
    out.sweep();
    expect(seen).toHaveLength(0);
    now = 1_000;
    out.sweep();
    await out.drain(1_000);
    expect(seen).toHaveLength(1);
  });

  it('posts after its own flush interval, and tells onPost of each request with its time', async () => {
    const { seen, client } = fakeIngest(accepted);
    let now = 0;
    const posts: { events: number; atMs: number }[] = [];
    const out = new BatchSender([fixed('t')], {
      client,
      stats: new RunStats(),
      now: () => now,
      flushIntervalMs: 200,
      onPost: (events, atMs) => posts.push({ events: events.length, atMs }),
    });
    out.enqueue(0, event());
    out.enqueue(0, event());
    now = 150;
    out.sweep();
    expect(posts).toEqual([]);
    now = 200;
    out.sweep();
    await out.drain(1_000);
    expect(seen).toHaveLength(1);
    expect(posts).toEqual([{ events: 2, atMs: 200 }]);
  });

  it('retries 429 and 503 after Retry-After, then counts the events accepted', async () => {
    const { seen, client } = fakeIngest((request, call) =>
      call === 1
        ? error(429, 'INGEST_RATE_LIMITED', '0')
        : call === 2
          ? error(503, 'INGEST_KAFKA_UNAVAILABLE', '0')
          : accepted(request),
    );
    const stats = new RunStats();
    const out = sender(client, stats);
    for (let i = 0; i < 5; i++) out.enqueue(0, event());
    await out.drain(5_000);
    expect(seen).toHaveLength(3);
    expect(seen[2]?.events.map((e) => e.eventId)).toEqual(seen[0]?.events.map((e) => e.eventId));
    expect(stats).toMatchObject({ sent: 5, accepted: 5, failed: 0, retries: 2, requests: 3 });
    expect(stats.retriesByCode).toEqual({ SIM_INGEST_RATE_LIMITED: 1, SIM_INGEST_UNAVAILABLE: 1 });
  });

  it('counts a batch failed once its retries are exhausted, never silently', async () => {
    const { seen, client } = fakeIngest(() => error(503, 'INGEST_KAFKA_UNAVAILABLE', '0'));
    const stats = new RunStats();
    const out = sender(client, stats);
    for (let i = 0; i < 7; i++) out.enqueue(0, event());
    await out.drain(5_000);
    expect(seen).toHaveLength(fastRetry.attempts);
    expect(stats).toMatchObject({ sent: 7, accepted: 0, failed: 7, retries: 2 });
    expect(stats.failedByCode).toEqual({ SIM_INGEST_UNAVAILABLE: 7 });
  });

  it('does not retry a refused batch, and counts events rejected one by one', async () => {
    const refusing = fakeIngest(() => error(403, 'INGEST_FOREIGN_CLASS'));
    const stats = new RunStats();
    const out = sender(refusing.client, stats);
    out.enqueue(0, event());
    await out.drain(5_000);
    expect(refusing.seen).toHaveLength(1);
    expect(stats.failedByCode).toEqual({ SIM_INGEST_UNAUTHORIZED: 1 });

    const partial = fakeIngest((request) =>
      Response.json(
        {
          accepted: request.events.length - 1,
          rejected: [{ index: 0, eventId: 'x', error: { code: 'INGEST_EVENT_INVALID_FIELD', message: 'm' } }],
        },
        { status: 202 },
      ),
    );
    const partialStats = new RunStats();
    const second = sender(partial.client, partialStats);
    for (let i = 0; i < 3; i++) second.enqueue(0, event());
    await second.drain(5_000);
    expect(partialStats).toMatchObject({ accepted: 2, rejected: 1, failed: 0 });
    expect(partialStats.rejectedByCode).toEqual({ INGEST_EVENT_INVALID_FIELD: 1 });
  });

  it('logs in again once when the token expired, and sends the batch with the new token', async () => {
    const { seen, client } = fakeIngest((request) =>
      request.token === 'old' ? error(401, 'AUTH_TOKEN_EXPIRED') : accepted(request),
    );
    let token = 'old';
    const source: TokenSource = {
      token: () => token,
      refresh: async () => {
        token = 'new';
      },
    };
    const stats = new RunStats();
    const out = sender(client, stats, [source]);
    out.enqueue(0, event());
    await out.drain(5_000);
    expect(seen.map((request) => request.token)).toEqual(['old', 'new']);
    expect(stats).toMatchObject({ accepted: 1, failed: 0 });
  });

  it('treats a connection refused as retriable', async () => {
    const stats = new RunStats();
    let calls = 0;
    const client = new IngestClient('http://ingest.test', (async () => {
      calls++;
      throw new TypeError('fetch failed');
    }) as typeof fetch);
    const out = sender(client, stats);
    out.enqueue(0, event());
    await out.drain(5_000);
    expect(calls).toBe(fastRetry.attempts);
    expect(stats.failedByCode).toEqual({ SIM_INGEST_UNREACHABLE: 1 });
  });

  it('on a drain deadline, cancels what is in flight and counts it failed (SIM_ABORTED)', async () => {
    // Never answers; gives up only when the request is cancelled, as fetch does.
    const { client } = fakeIngest(
      (_request, _call, signal) =>
        new Promise<Response>((_resolve, reject) =>
          signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))),
        ),
    );
    const stats = new RunStats();
    const out = new BatchSender([fixed('a'), fixed('b')], { client, stats, retry: fastRetry });
    for (let i = 0; i < 120; i++) out.enqueue(0, event());
    out.enqueue(1, event());
    const started = Date.now();
    await out.drain(200);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(stats.accepted).toBe(0);
    expect(stats.failed).toBe(121);
    expect(stats.failedByCode).toEqual({ SIM_ABORTED: 121 });
    expect(out.backlog).toBe(0);
  });

  it('keeps at most maxInFlight requests open', async () => {
    let open = 0;
    let most = 0;
    const { client } = fakeIngest(async (request) => {
      open++;
      most = Math.max(most, open);
      await new Promise((resolve) => setTimeout(resolve, 5));
      open--;
      return accepted(request);
    });
    const stats = new RunStats();
    const tokens = Array.from({ length: 20 }, (_, i) => fixed(`t${i}`));
    const out = new BatchSender(tokens, { client, stats, maxInFlight: 3 });
    for (let i = 0; i < 20; i++) out.enqueue(i, event());
    await out.drain(5_000);
    expect(most).toBe(3);
    expect(stats.accepted).toBe(20);
  });
});

describe('Retry-After', () => {
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('5')).toBe(5_000);
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
    const now = Date.parse('2025-01-13T09:00:00Z');
    expect(parseRetryAfter('Mon, 13 Jan 2025 09:00:03 GMT', now)).toBe(3_000);
  });
});
