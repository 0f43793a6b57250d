import { describe, expect, it } from 'vitest';
import { LmsClient, LmsClientError } from './lms-client.js';

function fakeLms(answers: [number, unknown][]) {
  const seen: { method: string; url: string; body?: unknown; auth?: string }[] = [];
  const doFetch = (async (url: string, init: RequestInit) => {
    const headers = init.headers as Record<string, string>;
    seen.push({
      method: init.method ?? 'GET',
      url,
      body: init.body ? JSON.parse(init.body as string) : undefined,
      auth: headers.authorization,
    });
    const [status, body] = answers.shift() ?? [500, { message: 'no answer scripted' }];
    return new Response(JSON.stringify(body), { status });
  }) as unknown as typeof fetch;
  return { doFetch, seen };
}

describe('LmsClient', () => {
  it('submits the notebook for an assignment', async () => {
    const { doFetch, seen } = fakeLms([[201, { id: 5, assignment_id: 2 }]]);
    const client = new LmsClient('http://lms/', 'tok', doFetch);
    expect(await client.submit(2, 'a.ipynb', '{}')).toMatchObject({ id: 5 });
    expect(seen[0]).toEqual({
      method: 'POST',
      url: 'http://lms/api/v1/submissions',
      body: { assignment_id: 2, notebook_ref: 'a.ipynb', content: '{}' },
      auth: 'Bearer tok',
    });
  });

  it('resubmits (PUT) when the student already submitted', async () => {
    const { doFetch, seen } = fakeLms([
      [409, { code: 'LMS_CONFLICT', message: 'already submitted' }],
      [200, [{ id: 9, assignment_id: 2 }]],
      [200, { id: 9, assignment_id: 2, status: 'submitted' }],
    ]);
    const client = new LmsClient('http://lms', 'tok', doFetch);
    expect(await client.submit(2, 'a.ipynb', '{"v":2}')).toMatchObject({ id: 9 });
    expect(seen.map((call) => `${call.method} ${call.url}`)).toEqual([
      'POST http://lms/api/v1/submissions',
      'GET http://lms/api/v1/submissions?assignment_id=2',
      'PUT http://lms/api/v1/submissions/9',
    ]);
  });

  it('throws typed errors', async () => {
    const { doFetch } = fakeLms([[401, { code: 'AUTH_INVALID', message: 'expired' }]]);
    const error = await new LmsClient('http://lms', 'old', doFetch).assignments().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LmsClientError);
    expect(error).toMatchObject({ code: 'LMS_UNAUTHORIZED', status: 401, message: 'expired' });
  });
});
