import { describe, expect, it } from 'vitest';
import { ApiClient } from './client';
import { ApiError } from './errors';

type Handler = (url: URL, init: RequestInit) => Response;

function client(handler: Handler, token: string | null = 'jwt') {
  const calls: { url: URL; init: RequestInit }[] = [];
  const unauthorized: ApiError[] = [];
  const api = new ApiClient({
    token: () => token,
    onUnauthorized: (error) => unauthorized.push(error),
    fetch: async (input, init = {}) => {
      const url = new URL(String(input), 'http://lms.test');
      calls.push({ url, init });
      return handler(url, init);
    },
  });
  return { api, calls, unauthorized };
}

const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

describe('ApiClient', () => {
  it('logs in without a token and sends the bearer token afterwards', async () => {
    const { api, calls } = client((url) =>
      url.pathname.endsWith('/login')
        ? json({ token: 't', role: 'instructor', expiresAt: '2030-01-01T00:00:00Z' })
        : json([]),
    );
    await api.login('demo-instructor', 'pw');
    await api.classes();
    expect(new Headers(calls[0]?.init.headers).get('authorization')).toBeNull();
    expect(JSON.parse(String(calls[0]?.init.body))).toEqual({ username: 'demo-instructor', password: 'pw' });
    expect(new Headers(calls[1]?.init.headers).get('authorization')).toBe('Bearer jwt');
  });

  it("turns error answers into ApiErrors with the server's code, and reports 401s", async () => {
    const { api, unauthorized } = client(() =>
      json({ code: 'AUTH_TOKEN_EXPIRED', message: 'The token has expired.' }, 401),
    );
    const error = await api.classes().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({
      code: 'AUTH_TOKEN_EXPIRED',
      status: 401,
      unauthorized: true,
      retriable: false,
    });
    expect(unauthorized).toHaveLength(1);
  });

  it('does not report a failed login as an expired session', async () => {
    const { api, unauthorized } = client(() =>
      json({ code: 'AUTH_INVALID_CREDENTIALS', message: 'no' }, 401),
    );
    await expect(api.login('x', 'y')).rejects.toMatchObject({ code: 'AUTH_INVALID_CREDENTIALS' });
    expect(unauthorized).toHaveLength(0);
  });

  it('answers NETWORK when there is no answer and HTTP_<status> without a JSON body', async () => {
    const down = new ApiClient({
      token: () => null,
      fetch: async () => {
        throw new TypeError('Failed to fetch');
      },
    });
    await expect(down.classes()).rejects.toMatchObject({ code: 'NETWORK', status: 0, retriable: true });
    const { api } = client(() => new Response('<html>bad gateway</html>', { status: 502 }));
    await expect(api.classes()).rejects.toMatchObject({ code: 'HTTP_502', status: 502 });
  });

  it('reads lists page by page up to X-Total-Count', async () => {
    const total = 1_100;
    const { api, calls } = client((url) => {
      const skip = Number(url.searchParams.get('skip'));
      const limit = Number(url.searchParams.get('limit'));
      const page = Array.from({ length: Math.max(0, Math.min(limit, total - skip)) }, (_, i) => ({
        id: skip + i,
      }));
      return json(page, 200, { 'x-total-count': String(total) });
    });
    const all = await api.submissions('7');
    expect(all).toHaveLength(total);
    expect(calls.map((call) => call.url.searchParams.get('skip'))).toEqual(['0', '500', '1000']);
    expect(calls[0]?.url.searchParams.get('class_id')).toBe('7');
  });

  it('reads the whole roster through the progress pages', async () => {
    const { api, calls } = client((url) => {
      const skip = Number(url.searchParams.get('skip'));
      const students = Array.from({ length: skip === 0 ? 200 : 50 }, (_, i) => ({ userId: `s${skip + i}` }));
      return json({ classId: 7, total: 250, students });
    });
    expect(await api.progress('7')).toHaveLength(250);
    expect(calls).toHaveLength(2);
  });

  it('escapes path segments', async () => {
    const { api, calls } = client(() => json({ items: [], nextCursor: null }));
    await api.timeline('7', 'a/b?c', { limit: 5, cursor: 'x y' });
    expect(calls[0]?.url.pathname).toBe('/api/v1/classes/7/students/a%2Fb%3Fc/timeline');
    expect(calls[0]?.url.searchParams.get('cursor')).toBe('x y');
  });

  it('grades with PUT, returns and messages with POST, and surfaces a refused score', async () => {
    const { api, calls } = client((url, init) =>
      url.pathname.endsWith('/grade') && JSON.parse(String(init.body)).score > 10
        ? json({ code: 'LMS_SCORE_OUT_OF_RANGE', message: 'score 11 is outside 0..10' }, 422)
        : json({ id: 7 }),
    );
    await api.grade(7, { score: 8, feedback: 'Good' });
    await api.returnSubmission(7, null);
    await api.sendMessage('3', { title: 'Break', message: 'Back at 11' });
    expect(calls.map((call) => `${call.init.method} ${call.url.pathname}`)).toEqual([
      'PUT /api/v1/submissions/7/grade',
      'POST /api/v1/submissions/7/return',
      'POST /api/v1/classes/3/messages',
    ]);
    expect(calls.map((call) => JSON.parse(String(call.init.body)))).toEqual([
      { score: 8, feedback: 'Good' },
      {},
      { title: 'Break', message: 'Back at 11' },
    ]);
    const refused = await api.grade(7, { score: 11, feedback: null }).catch((caught: unknown) => caught);
    expect(refused).toMatchObject({ code: 'LMS_SCORE_OUT_OF_RANGE', status: 422 });
  });
});
