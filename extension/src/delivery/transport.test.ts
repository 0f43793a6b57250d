import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DeliveryError } from './errors.js';
import { event } from './testing.js';
import { httpTransport } from './transport.js';

interface Seen {
  url: string;
  init: RequestInit;
}

function fakeFetch(response: () => Response | Promise<Response>) {
  const seen: Seen[] = [];
  const fetch = (async (url: string, init: RequestInit) => {
    seen.push({ url, init });
    return response();
  }) as unknown as typeof globalThis.fetch;
  return { fetch, seen };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

async function failure(promise: Promise<unknown>): Promise<DeliveryError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof DeliveryError)) throw new Error(`expected a DeliveryError, got ${String(error)}`);
  return error;
}

describe('httpTransport', () => {
  const events = [event(), event({ eventType: 'cell_execution_error', errorName: 'ZeroDivisionError' })];

  it('POSTs a gzip-compressed JSON array with the bearer token', async () => {
    const { fetch, seen } = fakeFetch(() => json(202, { accepted: 2, rejected: [] }));
    const send = httpTransport({ ingestUrl: 'http://ingest.test/', token: 'tok', gzip: true, fetch });
    expect(await send(events)).toEqual({ accepted: 2, rejected: [] });
    const [request] = seen;
    expect(request?.url).toBe('http://ingest.test/api/v1/events');
    expect(request?.init.method).toBe('POST');
    const headers = request?.init.headers as Record<string, string>;
    expect(headers).toMatchObject({
      authorization: 'Bearer tok',
      'content-type': 'application/json',
      'content-encoding': 'gzip',
    });
    const body = Buffer.from(request?.init.body as Uint8Array);
    expect(JSON.parse(gunzipSync(body).toString('utf8'))).toEqual(events);
  });

  it('sends plain JSON with keepalive (page closing) and when gzip is off', async () => {
    const { fetch, seen } = fakeFetch(() => json(202, { accepted: 2, rejected: [] }));
    await httpTransport({ ingestUrl: 'http://ingest.test', token: 't', gzip: true, fetch })(events, {
      keepalive: true,
    });
    await httpTransport({ ingestUrl: 'http://ingest.test', token: 't', gzip: false, fetch })(events);
    for (const { init } of seen) {
      expect(JSON.parse(init.body as string)).toEqual(events);
      expect((init.headers as Record<string, string>)['content-encoding']).toBeUndefined();
    }
    expect(seen.map(({ init }) => init.keepalive)).toEqual([true, false]);
  });

  it('returns the rejected events of a 202', async () => {
    const rejected = [{ index: 1, eventId: events[1]?.eventId, error: 'bad' }];
    const { fetch } = fakeFetch(() => json(202, { accepted: 1, rejected }));
    const send = httpTransport({ ingestUrl: 'http://i', token: 't', gzip: false, fetch });
    expect(await send(events)).toEqual({ accepted: 1, rejected });
  });

  it.each([
    [429, 'CS_RATE_LIMITED', true],
    [503, 'CS_UNAVAILABLE', true],
    [502, 'CS_UNEXPECTED_STATUS', true],
    [401, 'CS_UNAUTHORIZED', true],
    [403, 'CS_FORBIDDEN', true],
    [413, 'CS_TOO_LARGE', false],
    [400, 'CS_BAD_BATCH', false],
  ] as const)('maps %i to %s (retriable: %s) with Retry-After', async (status, code, retriable) => {
    const { fetch } = fakeFetch(() =>
      json(status, { code: 'INGEST_X', message: 'nope' }, { 'retry-after': '7' }),
    );
    const error = await failure(
      httpTransport({ ingestUrl: 'http://i', token: 't', gzip: false, fetch })(events),
    );
    expect(error.code).toBe(code);
    expect(error.retriable).toBe(retriable);
    expect(error.options).toMatchObject({ status, retryAfterMs: 7_000 });
    expect(error.message).toContain('INGEST_X: nope');
  });

  it('turns a network failure into a retriable CS_NETWORK', async () => {
    const { fetch } = fakeFetch(() => Promise.reject(new TypeError('Failed to fetch')));
    const error = await failure(
      httpTransport({ ingestUrl: 'http://i', token: 't', gzip: true, fetch })(events),
    );
    expect(error.code).toBe('CS_NETWORK');
    expect(error.retriable).toBe(true);
  });
});
